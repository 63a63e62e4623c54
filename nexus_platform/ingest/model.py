"""What readers produce and how they fail."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

import pyarrow as pa


class ErrorClass(StrEnum):
    """Why a landing file was quarantined. Stable strings: they are stored in the ledger."""

    ENCRYPTED = "encrypted"
    CORRUPT = "corrupt"
    EMPTY = "empty"
    ENCODING = "encoding"
    UNSUPPORTED = "unsupported"
    TOO_LARGE = "too_large"
    TOO_DEEP = "too_deep"  # nesting (JSON, HTML) beyond what a reader follows
    OUTSIDE_LANDING = "outside_landing"
    NOT_A_FILE = "not_a_file"  # FIFO, socket, device, broken link: never opened
    # A step of the platform's own failed on this file (a bug, not the file's fault): the
    # exception type and message are kept so it can be fixed; the rest of the batch goes on.
    INTERNAL = "internal"
    # Kept failing for a passing reason (disk full, permissions, a worker that died while
    # converting it) past the attempt limit: the last reason is in the message.
    FAILED_REPEATEDLY = "failed_repeatedly"


class IngestError(Exception):
    """A landing file that cannot be converted, with the class of the failure."""

    def __init__(self, error_class: ErrorClass, message: str):
        super().__init__(message)
        self.error_class = ErrorClass(error_class)
        self.message = message

    def __str__(self) -> str:
        return f"{self.error_class.value}: {self.message}"


class TransientError(Exception):
    """A file that cannot be converted *now* for a reason outside the file (disk full,
    permission denied, the file changing while read): it stays pending and is tried again on
    a later tick, up to an attempt limit, instead of being quarantined."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason  # short and stable: "disk_full", "permission", "changed", ...
        self.message = message

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"


TableKind = Literal["table", "document"]


@dataclass
class ExtractedTable:
    """One table read from a landing file.

    `kind="document"` marks prose extracted from a document (pages of a PDF, sections of a
    docx/md/html/txt): downstream chunking treats it as running text, not as rows.
    Readers of small files set `table`; streaming readers set `schema` + `batches` so a large
    file never sits in memory at once.
    """

    name: str
    kind: TableKind = "table"
    table: pa.Table | None = None
    schema: pa.Schema | None = None
    batches: Iterable[pa.RecordBatch] | None = None
    notes: list[str] = field(default_factory=list)

    def iter_batches(self) -> Iterator[pa.RecordBatch]:
        if self.table is not None:
            yield from self.table.to_batches()
        elif self.batches is not None:
            yield from self.batches

    def arrow_schema(self) -> pa.Schema:
        if self.table is not None:
            return self.table.schema
        if self.schema is None:
            raise ValueError(f"table {self.name!r} has neither a table nor a schema")
        return self.schema


@dataclass(frozen=True)
class ReaderInfo:
    """Which parser produced a table, recorded in the ledger for reproducibility."""

    name: str
    version: str


class RestartRead(Exception):
    """A streaming reader learnt something late (e.g. a column's type does not hold past the
    first block) and must start over; `reopen()` returns the corrected table."""

    def __init__(self, reopen):
        super().__init__("reader restart")
        self.reopen = reopen
