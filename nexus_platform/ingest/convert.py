"""One landing file in, typed Parquet tables and a ledger entry out.

Failures never escape: a file that cannot be converted becomes a `quarantined` ledger entry
with its error class, so one bad file never fails the batch it arrived with.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from nexus_platform.ingest.landing import resolve_inside, sha256_file
from nexus_platform.ingest.ledger import LedgerEntry, TableRef
from nexus_platform.ingest.model import ErrorClass, ExtractedTable, IngestError, RestartRead
from nexus_platform.ingest.naming import normalise_column_names
from nexus_platform.ingest.readers import ReadOptions
from nexus_platform.ingest.registry import file_type, reader_for
from nexus_platform.ingest.schema import conform_batch, target_schema
from nexus_platform.settings import NexusPaths
from nexus_platform.storage import atomic_local_path, remove

ROW_GROUP_ROWS = 131_072
_MAX_RESTARTS = 64


@dataclass(frozen=True)
class ConvertConfig:
    max_bytes: int = 2 << 30  # files above this are quarantined as too_large
    read_options: ReadOptions = field(default_factory=ReadOptions)


def table_path(paths: NexusPaths, relpath: str, table_name: str):
    return paths.warehouse / relpath / f"{table_name}.parquet"


def write_parquet(extracted: ExtractedTable, target, metadata: dict[str, str]) -> tuple[int, int]:
    """Stream `extracted` to `target` atomically; returns (rows, columns)."""
    import pyarrow.parquet as pq

    for _ in range(_MAX_RESTARTS):
        try:
            return _write_once(extracted, target, metadata, pq)
        except RestartRead as restart:
            extracted = restart.reopen()
    raise IngestError(ErrorClass.CORRUPT, "column types kept changing while reading")


def _write_once(extracted: ExtractedTable, target, metadata: dict[str, str], pq) -> tuple[int, int]:
    schema = target_schema(extracted.arrow_schema()).with_metadata(
        {f"nexus.{k}": v for k, v in metadata.items()}
    )
    rows = 0
    with atomic_local_path(target) as tmp:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            pending: list[pa.RecordBatch] = []
            pending_rows = 0
            for batch in extracted.iter_batches():
                pending.append(conform_batch(batch, schema))
                pending_rows += batch.num_rows
                # Row groups of ~128k rows: one write per group keeps later scans fast.
                if pending_rows >= ROW_GROUP_ROWS:
                    writer.write_table(pa.Table.from_batches(pending, schema), ROW_GROUP_ROWS)
                    rows += pending_rows
                    pending, pending_rows = [], 0
            if pending:
                writer.write_table(pa.Table.from_batches(pending, schema), ROW_GROUP_ROWS)
                rows += pending_rows
    return rows, len(schema)


def convert_file(
    paths: NexusPaths,
    relpath: str,
    config: ConvertConfig | None = None,
    previous: LedgerEntry | None = None,
) -> LedgerEntry:
    config = config or ConvertConfig()
    landing = Path(paths.landing.path)
    entry = LedgerEntry(
        path=relpath, sha256="", status="quarantined", file_type=file_type(relpath), size=0
    )
    started = time.perf_counter()
    try:
        source = resolve_inside(landing, relpath)
        entry.size = source.stat().st_size
        entry.sha256 = sha256_file(source)
        spec = reader_for(relpath)
        entry.reader, entry.reader_version = spec.name, spec.version
        if entry.size > config.max_bytes:
            raise IngestError(
                ErrorClass.TOO_LARGE,
                f"{entry.size} bytes is over the limit of {config.max_bytes} bytes",
            )
        if entry.size == 0:
            raise IngestError(ErrorClass.EMPTY, "file is empty (0 bytes)")
        _convert_tables(paths, relpath, source, spec, config, entry)
        entry.status = "converted"
        entry.error = None
    except IngestError as exc:
        entry.status, entry.tables = "quarantined", []
        entry.error = {"class": exc.error_class.value, "message": exc.message}
    except Exception as exc:  # a parser's own failure on malformed input
        entry.status, entry.tables = "quarantined", []
        entry.error = {"class": ErrorClass.CORRUPT.value, "message": f"{type(exc).__name__}: {exc}"}
    if previous is not None:
        _drop_superseded(previous, entry)
    entry.notes.append(f"took {time.perf_counter() - started:.3f}s")
    return entry


def _convert_tables(paths, relpath, source, spec, config, entry: LedgerEntry) -> None:
    extracted = spec.load()(source, config.read_options)
    if not extracted:
        raise IngestError(ErrorClass.EMPTY, "no table or text found in the file")
    names = normalise_column_names([t.name for t in extracted])
    for table, name in zip(extracted, names, strict=True):
        target = table_path(paths, relpath, name)
        metadata = {
            "kind": table.kind,
            "source_path": relpath,
            "source_sha256": entry.sha256,
            "reader": f"{entry.reader} {entry.reader_version}",
            "table": table.name,
        }
        rows, columns = write_parquet(table, target, metadata)
        entry.tables.append(TableRef(name, str(target), rows, columns, table.kind))
        entry.bytes_out += _size(target)
        entry.notes.extend(table.notes)
        entry.encoding = entry.encoding or getattr(table, "encoding", None)
    if all(t.rows == 0 for t in entry.tables):
        for t in entry.tables:
            remove(table_path(paths, relpath, t.name))
        raise IngestError(ErrorClass.EMPTY, "no data rows (header only or blank content)")


def _drop_superseded(previous: LedgerEntry, current: LedgerEntry) -> None:
    """A re-converted file may no longer have a table it had (a removed sheet): its old
    Parquet goes, because the ledger now describes the file's current content."""
    if current.status != "converted":
        return  # keep the last good outputs of a file whose new version is bad
    keep = {t.path for t in current.tables}
    for old in previous.tables:
        if old.path not in keep:
            from upath import UPath

            remove(UPath(old.path))


def _size(target) -> int:
    try:
        return target.stat().st_size
    except (FileNotFoundError, OSError):
        return 0
