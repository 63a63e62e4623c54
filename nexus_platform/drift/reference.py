"""Finding the tables to compare: the incoming table, its reference, the accepted baseline."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from upath import UPath

from nexus_platform.drift.config import Reference
from nexus_platform.ingest.ledger import Ledger, TableRef
from nexus_platform.settings import NexusPaths
from nexus_platform.storage import atomic_output

READABLE = (".parquet", ".csv", ".tsv", ".jsonl", ".json", ".xlsx")


class ReferenceError(ValueError):
    """The configured reference cannot be found (names the reference and where it looked)."""


def table_id(relpath: str, table: str) -> str:
    """A filesystem-safe name for one table of one landing file: reports/<table_id>/."""
    stem = relpath.strip("/")
    base = Path(stem).stem
    name = stem if table in ("", base) else f"{stem}/{table}"
    return re.sub(r"[^A-Za-z0-9._-]+", "__", name).strip("_") or "table"


def read_table(path: str | UPath, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a Parquet table (what the platform writes) or a plain data file (for `nexus check`)."""
    path = UPath(path) if not isinstance(path, UPath) else path
    suffix = path.suffix.lower()
    if suffix == ".parquet" or path.is_dir():
        import pyarrow.parquet as pq

        table = pq.read_table(path.path, filesystem=path.fs, columns=columns)
        return table.to_pandas()
    with path.open("rb") as fh:
        if suffix in (".csv", ".tsv"):
            return pd.read_csv(fh, sep="\t" if suffix == ".tsv" else ",", usecols=columns)
        if suffix == ".jsonl":
            return pd.read_json(fh, lines=True)
        if suffix == ".json":
            return pd.read_json(fh)
        if suffix == ".xlsx":
            return pd.read_excel(fh)
    raise ReferenceError(f"{path}: cannot read {suffix or 'extension-less'} files (use {READABLE})")


def baseline_path(paths: NexusPaths, tid: str) -> UPath:
    """The last accepted version of a table: what `reference: previous` compares against."""
    return paths.state / "drift" / tid / "previous.parquet"


def record_baseline(paths: NexusPaths, tid: str, frame: pd.DataFrame) -> UPath:
    target = baseline_path(paths, tid)
    with atomic_output(target, "wb") as fh:
        frame.to_parquet(fh, index=False, compression="zstd")
    return target


def ledger_table(paths: NexusPaths, relpath: str, table: str | None) -> TableRef | None:
    entry = Ledger(paths).get(relpath)
    if entry is None or entry.status != "converted":
        return None
    tables = [t for t in entry.tables if t.kind == "table"]
    for ref in tables:
        if table and ref.name == table:
            return ref
    return tables[0] if tables else None


def resolve_table_path(paths: NexusPaths, value: str, table: str | None = None) -> UPath:
    """A table named in configuration: a landing path (through the ledger), a path under
    NEXUS_HOME, a URI or a local file."""
    if "://" in value:
        return UPath(value)
    relative = value.strip().lstrip("/")
    landing_rel = relative[len("landing/") :] if relative.startswith("landing/") else relative
    ref = ledger_table(paths, landing_rel, table)
    if ref is not None:
        return UPath(ref.path)
    under_home = paths.home / relative
    if under_home.exists() and not relative.startswith("landing/"):
        return under_home
    local = Path(value).expanduser()
    if local.exists():
        return UPath(str(local.resolve()))
    raise ReferenceError(
        f"reference table {value!r} not found: not a converted landing file in the ledger, "
        f"not under {paths.home}, not a local file"
    )


def task_training_set(paths: NexusPaths, task: str) -> UPath:
    """Where an ML task writes its training split (models/<task>/dataset/train.parquet)."""
    return paths.models / task / "dataset" / "train.parquet"


def load_reference(
    reference: Reference, paths: NexusPaths, tid: str, table: str | None = None
) -> tuple[pd.DataFrame | None, str | None, str]:
    """(frame, where it came from, note). A missing `previous` is not an error: the first
    version of a table has nothing to drift from, and becomes the baseline once accepted."""
    if reference.kind == "none":
        return None, None, "no reference configured: integrity checks only"
    if reference.kind == "previous":
        path = baseline_path(paths, tid)
        if not path.exists():
            return None, None, "no previous version yet: this version becomes the baseline"
        return read_table(path), str(path), "previous accepted version"
    if reference.kind == "task":
        path = task_training_set(paths, reference.value)
        if not path.exists():
            raise ReferenceError(
                f"training set of task {reference.value!r} not found at {path} "
                "(has the task's dataset been materialised?)"
            )
        return read_table(path), str(path), f"training set of task {reference.value}"
    path = resolve_table_path(paths, reference.value, table)
    return read_table(path), str(path), f"table {reference.value}"
