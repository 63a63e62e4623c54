"""Reading knowledge-base records (`knowledgebase.parquet`) for embedding and indexing."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from upath import UPath

from nexus_platform.settings import NexusPaths, is_local

KNOWLEDGEBASE_FILE = "knowledgebase.parquet"


class KnowledgeBaseError(ValueError):
    """The knowledge base file is missing or breaks its contract."""


def knowledgebase_file(paths: NexusPaths) -> UPath:
    return paths.knowledgebase / KNOWLEDGEBASE_FILE


def read_parquet(path: UPath, columns: list[str] | None = None) -> pa.Table:
    if is_local(path):
        return pq.read_table(path.path, columns=columns)
    return pq.read_table(path.path, columns=columns, filesystem=path.fs)


def read_records(path: UPath, columns: list[str]) -> pa.Table:
    """The requested columns of the knowledge base, checked against the record contract."""
    if not path.exists():
        raise KnowledgeBaseError(
            f"{path}: knowledge base not found (materialise knowledgebase first)"
        )
    with path.open("rb") as fh:
        present = set(pq.read_schema(fh).names)
    missing = [c for c in ["id", *columns] if c not in present]
    if missing:
        raise KnowledgeBaseError(f"{path}: field {missing[0]!r} missing (has {sorted(present)})")
    table = read_parquet(path, list(dict.fromkeys(["id", *columns])))
    for field in ("id", "content_sha256", "text"):
        if field in table.column_names and table.column(field).null_count:
            row = pc.index(pc.is_null(table.column(field)), True).as_py()
            raise KnowledgeBaseError(f"{path}: field {field!r} is null in row {row}")
    ids = table.column("id")
    if pc.count_distinct(ids).as_py() != len(ids):
        counts = pc.value_counts(ids)
        dup = next(v["values"] for v in counts.to_pylist() if v["counts"] > 1)
        raise KnowledgeBaseError(f"{path}: field 'id' is not unique ({dup!r} repeats)")
    return table


def source_dicts(table: pa.Table) -> list[dict]:
    """The `source` struct of each record as plain dicts (folders always a list)."""
    sources = table.column("source").to_pylist()
    for source in sources:
        if source is not None and source.get("folders") is None:
            source["folders"] = []
    return [s or {"folders": []} for s in sources]
