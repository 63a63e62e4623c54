"""JSON documents and JSON Lines files.

Shape rules, the same for both formats:
- nested objects are flattened into `parent_child` columns (recursively);
- lists (of scalars or of objects) below the top level are kept as JSON text: one stable
  string type whatever the items hold, which Parquet, DuckDB and the knowledge base all read;
- a column whose values disagree in type (number and text, bool and number) becomes a string
  column, non-string values written as JSON text (`1`, `true`); ints with floats become float64;
- a column that is null everywhere is a string column.

JSON Lines is read twice, never held in memory: a first pass validates every line (so a bad
line fails the file before any batch was handed out, with its line number) and settles the
column types on all rows; the second pass yields batches of `options.batch_rows` rows.
pyarrow.json.open_json (pyarrow 25) streams too, but it fixes types on its first block and
fails ("changed from number to string") where later rows disagree, even with an explicit
schema, so it cannot give the string fallback.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from nexus_platform.ingest.encoding import bom_encoding, decode_text
from nexus_platform.ingest.limits import nesting_guard
from nexus_platform.ingest.model import ErrorClass, ExtractedTable, IngestError
from nexus_platform.ingest.readers import ReadOptions

try:  # orjson (already installed with dagster-dbt) parses ~3x faster than json
    import orjson

    def _fast_loads(text: str) -> Any:
        return orjson.loads(text)

    def _fast_dumps(value: Any) -> str:
        return orjson.dumps(value).decode()

except ImportError:  # pragma: no cover - the stdlib gives the same values, only slower

    def _fast_loads(text: str) -> Any:
        return json.loads(text)

    def _fast_dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_INT64 = (-(2**63), 2**63 - 1)


@nesting_guard("JSON document")
def read_json(path: Path, options: ReadOptions) -> list[ExtractedTable]:
    """A JSON document: an array of objects is one table "data"; an object holding arrays of
    objects gives a table per such array, named by its key, and its other members (if any)
    one row in "data"; any other object is one row in "data"."""
    data = Path(path).read_bytes()
    if not data.strip():
        raise IngestError(ErrorClass.EMPTY, "file has no content")
    decoded = decode_text(data)
    text, notes = decoded.text, decoded.notes
    try:
        document = _loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(
            ErrorClass.CORRUPT, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc

    groups: dict[str, list[Any]] = {}
    if isinstance(document, list):
        groups["data"] = document
    elif isinstance(document, dict):
        arrays = {k: v for k, v in document.items() if _is_object_array(v)}
        rest = {k: v for k, v in document.items() if k not in arrays}
        if rest or not arrays:
            groups["data"] = [rest]
        groups.update(arrays)
    else:
        groups["data"] = [document]

    tables = []
    for name, items in groups.items():
        columns = _Columns()
        for item in items:
            columns.observe(item)
        if not items or not columns.names:
            continue
        rows = [_flatten_row(item) for item in items]
        table = pa.Table.from_batches([columns.batch(rows)], schema=columns.schema())
        tables.append(ExtractedTable(name=name, kind="table", table=table, notes=list(notes)))
    if not tables:
        raise IngestError(ErrorClass.EMPTY, "document holds no values")
    return tables


@nesting_guard("JSON Lines file")
def read_jsonl(path: Path, options: ReadOptions) -> list[ExtractedTable]:
    """JSON Lines (one object per line): one streamed table "data"."""
    path = Path(path)
    columns = _Columns()
    rows = 0
    for _, value in _iter_values(path):
        columns.observe(value)
        rows += 1
    if rows == 0 or not columns.names:
        raise IngestError(ErrorClass.EMPTY, "no JSON object in the file")

    def batches() -> Iterator[pa.RecordBatch]:
        pending: list[dict] = []
        with nesting_guard("JSON Lines file"):
            for _, value in _iter_values(path):
                pending.append(_flatten_row(value))
                if len(pending) >= options.batch_rows:
                    yield columns.batch(pending)
                    pending = []
            if pending:
                yield columns.batch(pending)

    encoding = _line_encoding(path)[0]
    return [
        ExtractedTable(
            name="data",
            kind="table",
            schema=columns.schema(),
            batches=_Reiterable(batches),
            notes=[f"encoding: {encoding}", f"rows: {rows}"],
        )
    ]


class _Reiterable:
    """Each iteration reads the file afresh, so a consumer that retries gets every batch."""

    def __init__(self, make: Callable[[], Iterator[pa.RecordBatch]]) -> None:
        self._make = make

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        return self._make()


def _line_encoding(path: Path) -> tuple[str, int]:
    with open(path, "rb") as fh:
        head = fh.read(4)
    return bom_encoding(head) or ("utf-8", 0)


def _iter_values(path: Path) -> Iterator[tuple[int, Any]]:
    for line_no, line in _iter_lines(path):
        if not line.strip():
            continue
        try:
            value = _loads(line)
        except json.JSONDecodeError as exc:
            raise IngestError(
                ErrorClass.CORRUPT, f"invalid JSON on line {line_no} column {exc.colno}: {exc.msg}"
            ) from exc
        yield line_no, value


def _iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Lines one at a time (memory: one line), decoded strictly."""
    encoding, bom = _line_encoding(path)
    with open(path, "rb") as raw:
        if encoding.startswith(("utf-16", "utf-32")):
            # Multi-byte newlines: let the codec split lines; its errors come per read chunk,
            # so the line number is approximate.
            raw.seek(bom)
            stream = io.TextIOWrapper(raw, encoding=encoding, errors="strict")
            line_no = 0
            try:
                for line_no, line in enumerate(stream, start=1):  # noqa: B007
                    yield line_no, line
            except UnicodeDecodeError as exc:
                raise IngestError(
                    ErrorClass.ENCODING,
                    f"not valid {encoding} near line {line_no + 1}: {exc.reason}",
                ) from exc
            return
        raw.seek(bom)
        for line_no, data in enumerate(raw, start=1):
            try:
                yield line_no, data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise IngestError(
                    ErrorClass.ENCODING,
                    f"line {line_no} is not valid UTF-8 (byte {exc.start}): {exc.reason}",
                ) from exc


def _is_object_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


# orjson turns integers beyond 64 bits into floats (digits lost): such text goes to json.
_LONG_DIGITS = re.compile(r"\d{19}")


def _loads(text: str) -> Any:
    if _LONG_DIGITS.search(text):
        return json.loads(text)
    try:
        return _fast_loads(text)
    except ValueError:
        # orjson refuses what Python accepts (ints beyond 64 bits, NaN): let json decide.
        return json.loads(text)


def _dumps(value: Any) -> str:
    try:
        return _fast_dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _flatten_row(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {"value": _scalar(value)}
    out: dict[str, Any] = {}
    _flatten_into(out, "", value)
    return out


def _flatten_into(out: dict[str, Any], prefix: str, obj: dict) -> None:
    for key, value in obj.items():
        name = f"{prefix}_{key}" if prefix else key
        if type(value) is dict and value:
            _flatten_into(out, name, value)
        elif isinstance(value, list | dict):
            out[name] = _dumps(value)
        else:
            out[name] = _scalar(value)


def _scalar(value: Any) -> Any:
    if isinstance(value, list | dict):
        return _dumps(value)
    if type(value) is int and not _INT64[0] <= value <= _INT64[1]:
        return str(value)  # beyond int64: text keeps every digit
    return value


def _kind(value: Any) -> str:
    kind = type(value)
    if kind is bool:
        return "bool"
    if kind is int:
        return "int" if _INT64[0] <= value <= _INT64[1] else "str"
    if kind is float:
        return "float"
    return "str"


_ARROW = {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(), "str": pa.string()}


class _Columns:
    """Column names in first-seen order and the Arrow type that fits all their values."""

    def __init__(self) -> None:
        self.kinds: dict[str, set[str]] = {}

    @property
    def names(self) -> list[str]:
        return list(self.kinds)

    def observe(self, value: Any, prefix: str = "") -> None:
        """Record names and kinds of one parsed JSON value, flattened as _flatten_row does."""
        if not isinstance(value, dict):
            self._add(prefix or "value", value)
            return
        for key, item in value.items():
            name = f"{prefix}_{key}" if prefix else key
            if type(item) is dict and item:
                self.observe(item, name)
            else:
                self._add(name, item)

    def _add(self, name: str, value: Any) -> None:
        kinds = self.kinds.get(name)
        if kinds is None:
            kinds = self.kinds[name] = set()
        if value is not None:
            kinds.add(_kind(value))

    def type_of(self, name: str) -> pa.DataType:
        kinds = self.kinds[name]
        if kinds == {"int", "float"}:
            return pa.float64()
        if len(kinds) == 1:
            return _ARROW[next(iter(kinds))]
        return pa.string()

    def schema(self) -> pa.Schema:
        return pa.schema([(n, self.type_of(n)) for n in self.kinds])

    def batch(self, rows: list[dict[str, Any]]) -> pa.RecordBatch:
        arrays = []
        for name, kinds in self.kinds.items():
            values = [row.get(name) for row in rows]
            arrow_type = self.type_of(name)
            if arrow_type == pa.string() and kinds != {"str"}:
                values = [v if v is None or type(v) is str else _dumps(v) for v in values]
            arrays.append(pa.array(values, arrow_type))
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema())
