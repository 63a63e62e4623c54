"""One landing file in, typed Parquet tables and a ledger entry out.

Failures never escape: a file that cannot be converted becomes a `quarantined` ledger entry
with its error class, so one bad file never fails the batch it arrived with.
"""

from __future__ import annotations

import contextlib
import errno
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from nexus_platform.ingest.keys import key_for
from nexus_platform.ingest.landing import landing_entry, readable_path, sha256_file
from nexus_platform.ingest.ledger import LedgerEntry, TableRef
from nexus_platform.ingest.model import (
    ErrorClass,
    ExtractedTable,
    IngestError,
    RestartRead,
    TransientError,
)
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


def write_parquet(
    extracted: ExtractedTable,
    target,
    metadata: dict[str, str],
    late_metadata: Callable[[], dict[str, str]] | None = None,
) -> tuple[int, int]:
    """Stream `extracted` to `target` atomically; returns (rows, columns).

    `late_metadata` is asked for just before the file is closed: for values computed while
    the table streams (the source hash)."""
    import pyarrow.parquet as pq

    for _ in range(_MAX_RESTARTS):
        try:
            return _write_once(extracted, target, metadata, late_metadata, pq)
        except RestartRead as restart:
            extracted = restart.reopen()
    raise IngestError(ErrorClass.CORRUPT, "column types kept changing while reading")


def _write_once(extracted, target, metadata, late_metadata, pq) -> tuple[int, int]:
    schema = target_schema(extracted.arrow_schema()).with_metadata(
        {f"nexus.{k}": v for k, v in metadata.items()}
    )
    rows = 0
    # Streaming readers parse in a second thread while this one encodes and writes: both
    # release the GIL, so a large CSV converts in about the time of the slower half.
    batches = (
        prefetch(extracted.iter_batches()) if extracted.table is None else extracted.iter_batches()
    )
    with atomic_local_path(target) as tmp:
        # zstd level 1: most of level 3's ratio on landed tables at a clearly lower cost.
        with pq.ParquetWriter(tmp, schema, compression="zstd", compression_level=1) as writer:
            pending: list[pa.RecordBatch] = []
            pending_rows = 0
            for batch in batches:
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
            if late_metadata is not None:
                writer.add_key_value_metadata({f"nexus.{k}": v for k, v in late_metadata().items()})
    return rows, len(schema)


def prefetch(iterator: Iterator, depth: int = 2) -> Iterator:
    """Run `iterator` in a background thread, `depth` items ahead; its errors re-raise here."""
    items: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in iterator:
                while not stop.is_set():
                    try:
                        items.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            items.put((done, None))
        except BaseException as exc:  # handed to the consumer, which re-raises it
            items.put((done, exc))

    thread = threading.Thread(target=produce, name="nexus-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item, error = items.get()
            if item is done:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        thread.join()


def convert_file(
    paths: NexusPaths,
    relpath: str,
    config: ConvertConfig | None = None,
    previous: LedgerEntry | None = None,
    sha256: str | None = None,
) -> LedgerEntry:
    """Convert one landing file (`relpath` is its partition key). `sha256`, when the caller
    has just hashed the file, saves reading it twice; otherwise the hash is computed
    alongside the conversion.

    Failures caused by the file become a `quarantined` entry with their class; failures
    with a passing cause outside the file (disk full, permissions, the file changing while
    read) raise TransientError, so the file stays pending and is tried again later."""
    config = config or ConvertConfig()
    landing = Path(paths.landing.path)
    entry = LedgerEntry(
        path=relpath, sha256="", status="quarantined", file_type=file_type(relpath), size=0
    )
    started = time.perf_counter()
    digest: _Digest | None = None
    try:
        item = landing_entry(landing, relpath)
        entry.sha256 = item.identity or ""
        source = readable_path(landing, item)
        before = source.stat()
        entry.size = before.st_size
        digest = _Digest(source, sha256)
        spec = reader_for(relpath)
        entry.reader, entry.reader_version = spec.name, spec.version
        if entry.size > config.max_bytes:
            raise IngestError(
                ErrorClass.TOO_LARGE,
                f"{entry.size} bytes is over the limit of {config.max_bytes} bytes",
            )
        if entry.size == 0:
            raise IngestError(ErrorClass.EMPTY, "file is empty (0 bytes)")
        with _text_path(source) as readable:
            convert_tables(paths, relpath, readable, spec, config, entry, digest)
        entry.sha256 = digest.value()
        _unchanged_since(source, before)
        entry.status = "converted"
        entry.error = None
    except TransientError:
        raise
    except IngestError as exc:
        _quarantine(entry, exc.error_class, exc.message)
    except Exception as exc:
        transient = transient_cause(exc)
        if transient is not None:
            raise TransientError(transient, f"{type(exc).__name__}: {exc}") from exc
        _quarantine(entry, failure_class(exc), f"{type(exc).__name__}: {exc}")
    if digest is not None and not entry.sha256:
        entry.sha256 = digest.value()
    if previous is not None:
        _drop_superseded(previous, entry)
    entry.notes.append(f"took {time.perf_counter() - started:.3f}s")
    return entry


@contextlib.contextmanager
def _text_path(source: Path) -> Iterator[Path]:
    """A path to `source` that is valid text: parsers (pyarrow among them) cannot open a name
    that is not UTF-8, so such a file is read through a link with an escaped name."""
    try:
        str(source).encode("utf-8")
    except UnicodeEncodeError:
        with tempfile.TemporaryDirectory(prefix="nexus-read-") as folder:
            alias = Path(folder) / key_for(source.name)
            os.symlink(os.fsencode(source), os.fsencode(alias))
            yield alias
        return
    yield source


def _quarantine(entry: LedgerEntry, error_class: ErrorClass, message: str) -> None:
    entry.status, entry.tables = "quarantined", []
    entry.error = {"class": error_class.value, "message": message}


# Causes outside the file: the same bytes may well convert once they are gone.
_TRANSIENT_ERRNOS = {
    errno.ENOSPC: "disk_full",
    errno.EDQUOT: "disk_full",
    errno.EACCES: "permission",
    errno.EPERM: "permission",
    errno.EROFS: "read_only",
    errno.EMFILE: "too_many_open_files",
    errno.ENFILE: "too_many_open_files",
    errno.ENOMEM: "out_of_memory",
    errno.EIO: "io_error",
    errno.EAGAIN: "busy",
    errno.EBUSY: "busy",
    errno.ESTALE: "io_error",
}


def transient_cause(exc: BaseException) -> str | None:
    """The passing cause behind an exception, or None when the file itself is at fault.
    Some libraries (pyarrow) drop the errno and keep only its text: both are looked at."""
    for current in _chain(exc):
        if isinstance(current, OSError):
            if current.errno in _TRANSIENT_ERRNOS:
                return _TRANSIENT_ERRNOS[current.errno]
            text = str(current)
            for number, cause in _TRANSIENT_ERRNOS.items():
                if os.strerror(number) in text:
                    return cause
    return None


def failure_class(exc: BaseException) -> ErrorClass:
    if isinstance(exc, RecursionError):
        return ErrorClass.TOO_DEEP
    if isinstance(exc, MemoryError):
        return ErrorClass.TOO_LARGE
    return ErrorClass.CORRUPT  # a parser's own failure on malformed input


def _chain(exc: BaseException):
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _unchanged_since(source: Path, before: os.stat_result) -> None:
    """A file written to while it was read gives a table of neither version: try later."""
    after = source.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise TransientError("changed", "the file changed while it was being read")


class _Digest:
    """sha256 of a file, computed in a thread while the file converts (hashlib releases the
    GIL on large buffers), unless the caller already knows it."""

    def __init__(self, source: Path, known: str | None):
        self._value = known
        self._error: OSError | None = None
        self._thread = None
        if known is None:
            self._thread = threading.Thread(target=self._run, args=(source,), daemon=True)
            self._thread.start()

    def _run(self, source: Path) -> None:
        try:
            self._value = sha256_file(source)
        except OSError as exc:
            self._error = exc

    def value(self) -> str:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise TransientError(
                transient_cause(self._error) or "io_error",
                f"the file could not be hashed: {self._error}",
            )
        return self._value or ""


def convert_tables(paths, relpath, source, spec, config, entry: LedgerEntry, digest) -> None:
    extracted = spec.load()(source, config.read_options)
    if spec.container:  # an archive or e-mail: its members convert as files of their own
        from nexus_platform.ingest.members import convert_members

        extracted = convert_members(paths, relpath, extracted, config, entry)
        if not extracted:
            return
    if not extracted:
        raise IngestError(ErrorClass.EMPTY, "no table or text found in the file")
    names = normalise_column_names([t.name for t in extracted])
    for table, name in zip(extracted, names, strict=True):
        target = table_path(paths, relpath, name)
        metadata = {
            "kind": table.kind,
            "source_path": relpath,
            "reader": f"{entry.reader} {entry.reader_version}",
            "table": table.name,
        }
        rows, columns = write_parquet(
            table, target, metadata, lambda: {"source_sha256": digest.value()}
        )
        entry.tables.append(TableRef(name, str(target), rows, columns, table.kind))
        entry.bytes_out += _size(target)
        entry.notes.extend(table.notes)
        entry.encoding = entry.encoding or getattr(table, "encoding", None)
        entry.ocr = entry.ocr or getattr(table, "ocr", None)
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
