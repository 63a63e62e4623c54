"""The conversion ledger: one entry per landing file, the platform's memory of what it did.

Each entry is its own small JSON document written atomically, so concurrent runs converting
different files never contend; `compact()` folds them into one Parquet table for SQL and the
UI. Entries are never dropped: a file deleted from landing is marked `stale` and its outputs
stay where they are.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Literal

import pyarrow as pa

from nexus_platform.settings import NexusPaths
from nexus_platform.storage import atomic_local_path, ensure_dir, read_json, write_json

Status = Literal["converted", "quarantined", "stale"]


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
    updated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

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


def _entry_name(relpath: str) -> str:
    return hashlib.sha1(relpath.encode("utf-8")).hexdigest() + ".json"


class Ledger:
    def __init__(self, paths: NexusPaths):
        self.paths = paths
        self.root = paths.ledger / "entries"

    def get(self, relpath: str) -> LedgerEntry | None:
        obj = read_json(self.root / _entry_name(relpath))
        return LedgerEntry.from_json(obj) if obj else None

    def put(self, entry: LedgerEntry) -> None:
        ensure_dir(self.root)
        # No fsync per entry (thousands per run): a rename survives a killed process, and an
        # entry lost to a power cut only means the file is converted again.
        write_json(self.root / _entry_name(entry.path), entry.to_json(), durable=False)

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
        entry = self.get(relpath)
        if entry is None or entry.status == "stale":
            return entry
        entry.status = "stale"
        entry.notes = [*entry.notes, "landing file deleted; outputs kept"]
        entry.updated_at = datetime.now(UTC).isoformat()
        self.put(entry)
        return entry

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
