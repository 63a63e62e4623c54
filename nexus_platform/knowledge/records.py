"""The knowledge record: its id, its Arrow schema and its JSON line.

Record contract (one JSON object per line of knowledgebase.jsonl; same fields in Parquet):
  id              stable: sha256 of source path, table, row/page/chunk locator and content hash,
                  so the same content from the same place gets the same id in every run
  text            normalised text (never empty)
  source          {path (relative to landing), folders, file_type, table, row (0-based row of
                  the Parquet table), page (1-based PDF page), chunk (index within the table)}
  content_sha256  sha256 hex of text (UTF-8)
  metadata        the other columns of a table row by name; for documents `headings` (the
                  heading path) and `section`; `duplicate_of` on exact duplicates (JSON object
                  in JSONL, a JSON string in Parquet)
  duplicate_of    when the same text appears in more than one file: the id of its first
                  record (knowledge base order), on every other record with it; else null
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyarrow as pa

SOURCE_TYPE = pa.struct(
    [
        ("path", pa.string()),
        ("folders", pa.list_(pa.string())),
        ("file_type", pa.string()),
        ("table", pa.string()),
        ("row", pa.int64()),
        ("page", pa.int64()),
        ("chunk", pa.int64()),
    ]
)

KB_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.string()),
        ("content_sha256", pa.string()),
        ("source", SOURCE_TYPE),
        ("metadata", pa.string()),
        ("duplicate_of", pa.string()),
    ]
)

# A shard keeps each record's JSON line so assembling the JSONL never re-serialises
# unchanged records.
SHARD_SCHEMA = pa.schema(
    [f for f in KB_SCHEMA if f.name != "duplicate_of"] + [("line", pa.string())]
)


def content_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_id(
    path: str,
    table: str | None,
    row: int | None,
    page: int | None,
    chunk: int | None,
    content_hash: str,
) -> str:
    locator = "\x1f".join(
        "" if part is None else str(part) for part in (path, table, row, page, chunk, content_hash)
    )
    return hashlib.sha256(locator.encode("utf-8")).hexdigest()[:32]


_LINE_BREAKERS = (("\u2028", "\\u2028"), ("\u2029", "\\u2029"), ("\x85", "\\u0085"))


def _json_default(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def dumps(value: object) -> str:
    """Strict JSON (NaN and infinities become null: they are not JSON), UTF-8 kept readable."""
    # Mixed value types: Any lets mypy match each keyword to json.dumps' own parameters.
    kwargs: dict[str, Any] = {
        "ensure_ascii": False,
        "separators": (",", ":"),
        "default": _json_default,
    }
    try:
        text = json.dumps(value, allow_nan=False, **kwargs)
    except ValueError:
        text = json.dumps(_finite(value), allow_nan=False, **kwargs)
    # Characters that str.splitlines() treats as line ends must not break a JSONL line.
    for raw, escaped in _LINE_BREAKERS:
        if raw in text:
            text = text.replace(raw, escaped)
    return text


def _int(value: int | None) -> str:
    return "null" if value is None else str(int(value))


@dataclass
class RecordBatchBuilder:
    """Collects records column by column and gives them as a shard table."""

    path: str
    folders: list[str]
    file_type: str
    columns: dict[str, list] = field(
        default_factory=lambda: {name: [] for name in SHARD_SCHEMA.names}
    )
    _source_prefix: dict[str | None, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.columns["id"])

    def add(
        self,
        text: str,
        table: str | None,
        metadata: dict,
        row: int | None = None,
        page: int | None = None,
        chunk: int | None = None,
    ) -> None:
        digest = content_sha256(text)
        rid = record_id(self.path, table, row, page, chunk, digest)
        source = {
            "path": self.path,
            "folders": self.folders,
            "file_type": self.file_type,
            "table": table,
            "row": row,
            "page": page,
            "chunk": chunk,
        }
        metadata_json = dumps(metadata)
        # Composed rather than dumped whole: the source prefix is the same for every record
        # of a table, and the line embeds exactly the metadata string.
        prefix = self._source_prefix.get(table)
        if prefix is None:
            prefix = self._source_prefix[table] = dumps(source).split(',"row":', 1)[0]
        line = (
            f'{{"id":"{rid}","text":{dumps(text)},"source":{prefix},"row":{_int(row)},'
            f'"page":{_int(page)},"chunk":{_int(chunk)}}},"content_sha256":"{digest}",'
            f'"metadata":{metadata_json},"duplicate_of":null}}'
        )
        cols = self.columns
        cols["id"].append(rid)
        cols["text"].append(text)
        cols["content_sha256"].append(digest)
        cols["source"].append(source)
        cols["metadata"].append(metadata_json)
        cols["line"].append(line)

    def to_table(self) -> pa.Table:
        return pa.Table.from_pydict(self.columns, schema=SHARD_SCHEMA)


def record_from_row(row: dict) -> dict:
    """A Parquet row (as a dict) back into the JSON record shape."""
    record = {k: row[k] for k in ("id", "text", "source", "content_sha256")}
    record["metadata"] = json.loads(row["metadata"]) if row.get("metadata") else {}
    record["duplicate_of"] = row.get("duplicate_of")
    return record
