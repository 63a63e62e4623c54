"""The conversion ledger: one entry per landing file, the platform's memory of what it did.

Each entry is its own small JSON document written atomically, so concurrent runs converting
different files never contend; `compact()` folds them into one Parquet table for SQL and the
UI. Entries are never dropped: a file deleted from landing is marked `stale` and its outputs
stay where they are.

A conversion is recorded in two steps: `put` stages the entry once the outputs are written
(`committed: false`), `commit` marks it committed once Dagster has recorded the outcome (the
partition's materialisation, or its failed check). A file is done only when committed; a
staged entry whose bytes are unchanged is reused by the next run rather than converted again.

Attempts (`ledger/attempts/`) remember files that are not done: `begin` counts an attempt
before a file is opened, so a worker that dies while converting it leaves the count behind,
and `defer` records a passing reason (disk full, permission) and when to try again. After
`MAX_ATTEMPTS` the converter quarantines the file as `failed_repeatedly`.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Literal

import pyarrow as pa

from nexus_platform.settings import NexusPaths, retry_base_seconds
from nexus_platform.storage import atomic_local_path, ensure_dir, read_json, remove, write_json

Status = Literal["converted", "quarantined", "stale"]

MAX_ATTEMPTS = 5
# 1, 2, 4, 8 minutes between attempts by default: about 15 minutes in all.
RETRY_BASE_SECONDS = retry_base_seconds()
RETRY_MAX_SECONDS = 3600.0


def retry_delay(attempts: int) -> float:
    return min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS)


@dataclass
class TableRef:
    name: str
    path: str  # URI of the Parquet file
    rows: int
    columns: int
    kind: str = "table"  # "table" | "document"


@dataclass
class LedgerEntry:
    path: str  # relative to the landing root, posix separators
    sha256: str
    status: Status
    file_type: str  # lower-case extension without the dot
    size: int
    tables: list[TableRef] = field(default_factory=list)
    error: dict | None = None  # {"class": ErrorClass value, "message": str}
    reader: str = ""
    reader_version: str = ""
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)
    bytes_out: int = 0
    # False while staged (outputs written, Dagster's record of it not yet confirmed). Entries
    # written before staging existed load as committed.
    committed: bool = True
    # Archives and e-mails: one record per member (the fields of a LedgerEntry, keyed
    # `<this path>/<inner path>`), see ingest/members.py. Empty for every other file.
    members: list[dict] = field(default_factory=list)
    # Text recognised from images: {"engine", "version", "languages", "pages"}; else None.
    ocr: dict | None = None
    updated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    @property
    def error_class(self) -> str | None:
        return (self.error or {}).get("class")

    @property
    def folders(self) -> list[str]:
        """The folder path under the landing root: it carries meaning (topic / sub-topic)."""
        return self.path.split("/")[:-1]

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, obj: dict) -> LedgerEntry:
        obj = dict(obj)
        obj["tables"] = [TableRef(**t) for t in obj.get("tables", [])]
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in obj.items() if k in known})


@dataclass
class Attempt:
    """A file that is not done yet: how often it was tried and why it is waiting."""

    path: str
    digest: str  # the bytes being attempted; a new version starts counting afresh
    count: int = 0
    reason: str = ""  # "" while in progress; "disk_full", "permission", ... once deferred
    message: str = ""
    failed_at: float = 0.0  # epoch seconds of the last deferral
    updated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    @property
    def next_try_at(self) -> float:
        return self.failed_at + retry_delay(self.count) if self.reason else 0.0

    def due(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) >= self.next_try_at


def _entry_name(relpath: str) -> str:
    return hashlib.sha1(relpath.encode("utf-8")).hexdigest() + ".json"


class Ledger:
    def __init__(self, paths: NexusPaths):
        self.paths = paths
        self.root = paths.ledger / "entries"
        self.attempts_root = paths.ledger / "attempts"

    def get(self, relpath: str) -> LedgerEntry | None:
        obj = read_json(self.root / _entry_name(relpath))
        return LedgerEntry.from_json(obj) if obj else None

    def put(self, entry: LedgerEntry, committed: bool = True) -> None:
        """Write `entry`; `committed=False` stages it (see the module docstring)."""
        ensure_dir(self.root)
        entry.committed = committed
        # No fsync per entry (thousands per run): a rename survives a killed process, and an
        # entry lost to a power cut only means the file is converted again.
        write_json(self.root / _entry_name(entry.path), entry.to_json(), durable=False)
        if committed:
            remove(self.attempts_root / _entry_name(entry.path))

    def commit(self, entry: LedgerEntry) -> None:
        self.put(entry, committed=True)

    def is_done(self, relpath: str, digest: str) -> bool:
        entry = self.get(relpath)
        return (
            entry is not None
            and entry.committed
            and entry.sha256 == digest
            and entry.status in ("converted", "quarantined")
        )

    # -- attempts ---------------------------------------------------------------------------
    def attempt(self, relpath: str) -> Attempt | None:
        return self.attempt_from_json(read_json(self.attempts_root / _entry_name(relpath)))

    def begin(self, relpath: str, digest: str) -> Attempt:
        """Count an attempt at converting `digest` of `relpath`, before the file is opened."""
        previous = self.attempt(relpath)
        same = previous is not None and previous.digest == digest
        attempt = Attempt(relpath, digest, (previous.count if same else 0) + 1)  # type: ignore[union-attr]
        if same:  # the last reason stays visible until this attempt ends
            attempt.reason, attempt.message = previous.reason, previous.message  # type: ignore[union-attr]
        self._write_attempt(attempt)
        return attempt

    def defer(self, attempt: Attempt, reason: str, message: str) -> Attempt:
        """The attempt failed for a passing reason: try again after a growing delay."""
        attempt.reason, attempt.message = reason, message
        attempt.failed_at = time.time()
        attempt.updated_at = datetime.now(UTC).isoformat()
        self._write_attempt(attempt)
        return attempt

    def pending_attempts(self) -> list[Attempt]:
        """Files waiting for a retry after a passing error, oldest first."""
        if not self.attempts_root.exists():
            return []
        found = []
        for item in self.attempts_root.iterdir():
            if item.name.endswith(".json") and not item.name.startswith("."):
                attempt = self.attempt_from_json(read_json(item))
                if attempt is not None and attempt.reason:
                    found.append(attempt)
        return sorted(found, key=lambda a: a.failed_at)

    @staticmethod
    def attempt_from_json(obj: dict | None) -> Attempt | None:
        if not obj:
            return None
        known = Attempt.__dataclass_fields__
        return Attempt(**{k: v for k, v in obj.items() if k in known})

    def _write_attempt(self, attempt: Attempt) -> None:
        ensure_dir(self.attempts_root)
        write_json(self.attempts_root / _entry_name(attempt.path), asdict(attempt), durable=False)

    def entries(self) -> list[LedgerEntry]:
        if not self.root.exists():
            return []
        found = []
        for item in self.root.iterdir():
            if item.name.endswith(".json") and not item.name.startswith("."):
                try:
                    found.append(LedgerEntry.from_json(json.loads(item.read_text("utf-8"))))
                except (OSError, ValueError):
                    continue  # a half-visible entry on an object store: next read sees it
        return sorted(found, key=lambda e: e.path)

    def mark_stale(self, relpath: str) -> LedgerEntry | None:
        self.forget_attempts(relpath)  # a deleted file waits for nothing
        entry = self.get(relpath)
        if entry is None or entry.status == "stale":
            return entry
        entry.status = "stale"
        entry.notes = [*entry.notes, "landing file deleted; outputs kept"]
        entry.updated_at = datetime.now(UTC).isoformat()
        self.put(entry)
        return entry

    def forget_attempts(self, relpath: str) -> None:
        remove(self.attempts_root / _entry_name(relpath))

    def as_table(self) -> pa.Table:
        rows = [
            {
                "path": e.path,
                "sha256": e.sha256,
                "status": e.status,
                "file_type": e.file_type,
                "size": e.size,
                "tables": len(e.tables),
                "rows": sum(t.rows for t in e.tables),
                "error_class": (e.error or {}).get("class"),
                "error_message": (e.error or {}).get("message"),
                "reader": e.reader,
                "reader_version": e.reader_version,
                "encoding": e.encoding,
                "updated_at": e.updated_at,
            }
            for e in self.entries()
        ]
        schema = pa.schema(
            [
                ("path", pa.string()),
                ("sha256", pa.string()),
                ("status", pa.string()),
                ("file_type", pa.string()),
                ("size", pa.int64()),
                ("tables", pa.int64()),
                ("rows", pa.int64()),
                ("error_class", pa.string()),
                ("error_message", pa.string()),
                ("reader", pa.string()),
                ("reader_version", pa.string()),
                ("encoding", pa.string()),
                ("updated_at", pa.string()),
            ]
        )
        return pa.Table.from_pylist(rows, schema=schema)

    def compact(self) -> pa.Table:
        """Write `ledger/ledger.parquet` (the quarantine ledger as one table) and return it."""
        import pyarrow.parquet as pq

        table = self.as_table()
        with atomic_local_path(self.paths.ledger / "ledger.parquet") as tmp:
            pq.write_table(table, tmp, compression="zstd")
        return table
