"""CSV / TSV: dialect, header and encoding detected; streamed batch by batch.

Types are inferred by pyarrow from the first block. When a later block holds a value the
inferred type cannot take, the read restarts with that column as string: a column that does
not parse cleanly stays string and no value is lost, while the common case stays on
pyarrow's fast path. Memory is bounded by the block size, whatever the file size.
"""

from __future__ import annotations

import csv as pycsv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import pyarrow as pa

from nexus_platform.ingest.encoding import (
    Utf8Replacing,
    decode,
    detect_encoding,
    garbled_note,
    replaced_note,
)
from nexus_platform.ingest.model import ErrorClass, ExtractedTable, IngestError, RestartRead
from nexus_platform.ingest.readers import ReadOptions

_DELIMITERS = [",", ";", "\t", "|"]
_NUMBER = re.compile(r"^\s*[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?\s*$")
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d{1,3}(\.\d{3})*,\d+\s*$|^\s*[-+]?\d+,\d+\s*$")
_NULLS = ["", "#N/A", "#NA", "N/A", "n/a", "NULL", "null", "NaN", "nan"]
_COLUMN_ERROR = re.compile(r"In CSV column #(\d+)")


class Dialect:
    def __init__(self, delimiter: str, has_header: bool, decimal_comma: bool, multiline: bool):
        self.delimiter = delimiter
        self.has_header = has_header
        self.decimal_comma = decimal_comma
        self.multiline = multiline


def _sniff_delimiter(lines: list[str], default: str) -> str:
    best, best_score = default, -1.0
    for delim in _DELIMITERS:
        counts = [len(row) for row in pycsv.reader(lines, delimiter=delim)]
        if not counts or max(counts) < 2:
            continue
        mode = max(set(counts), key=counts.count)
        consistency = counts.count(mode) / len(counts)
        score = consistency * 10 + min(mode, 50) / 50
        if score > best_score:
            best, best_score = delim, score
    return best


def _looks_like_header(rows: list[list[str]]) -> bool:
    if len(rows) < 2:
        return True
    first, rest = rows[0], rows[1:]
    if any(not cell.strip() for cell in first) and len(first) > 1:
        return False
    if any(_NUMBER.match(cell) for cell in first if cell):
        # A numeric first row is data unless every later row is numeric there too and the
        # first row differs (e.g. years as headers): keep it simple and call it data.
        return False
    # Text over columns that are numeric below is the textbook header.
    for col in range(len(first)):
        below = [r[col] for r in rest if col < len(r) and r[col]]
        if below and all(_NUMBER.match(v) for v in below):
            return True
    # All text: a header when its cells are distinct and none of them repeats below.
    if len(set(first)) != len(first):
        return False
    return not any(first[c] == r[c] for r in rest for c in range(min(len(first), len(r))))


def sniff(
    path: Path, options: ReadOptions, default_delimiter: str = ","
) -> tuple[str, Dialect, str]:
    """(encoding, dialect, decoded sample): the file's head is read and decoded once."""
    size = path.stat().st_size
    if size == 0:
        raise IngestError(ErrorClass.EMPTY, "file is empty (0 bytes)")
    with path.open("rb") as fh:
        raw = fh.read(options.sample_bytes)
    encoding = detect_encoding(raw, complete=len(raw) >= size)
    if len(raw) < size:
        raw = raw[: raw.rfind(b"\n") + 1] or raw  # do not split a line or a character
    text = decode(raw, encoding if encoding != "utf-8" else "utf-8")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise IngestError(ErrorClass.EMPTY, "file holds no data (only whitespace)")
    lines = text.splitlines()[:200]
    delimiter = _sniff_delimiter(lines, default_delimiter)
    rows = [r for r in pycsv.reader(lines[:50], delimiter=delimiter) if any(c.strip() for c in r)]
    if not rows:
        raise IngestError(ErrorClass.EMPTY, "file holds no rows")
    cells = [c for r in rows[1:] for c in r if c]
    decimal_comma = delimiter != "," and any(_DECIMAL_COMMA.match(c) for c in cells)
    multiline = bool(re.search(r'"[^"\n]*\n', text))
    return encoding, Dialect(delimiter, _looks_like_header(rows), decimal_comma, multiline), text


@dataclass(frozen=True)
class _Plan:
    """How to parse: learnt from the sample, corrected by what a parse error says."""

    dialect: Dialect
    string_columns: frozenset[int] = frozenset()
    block: int = 4 << 20
    # UTF-8 with a few invalid bytes: read through a stream that replaces and counts them.
    lenient: bool = False


def _open(path: Path, encoding: str, plan: _Plan, width: int):
    import pyarrow.csv as pacsv

    dialect = plan.dialect
    # Positional placeholder names: real headers may repeat or be blank; they are applied
    # (and normalised) after reading.
    names = [f"c{i}" for i in range(width)]
    read_opts = pacsv.ReadOptions(
        block_size=plan.block,
        encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
        column_names=names,
        skip_rows=1 if dialect.has_header else 0,
    )
    parse_opts = pacsv.ParseOptions(
        delimiter=dialect.delimiter, newlines_in_values=dialect.multiline, ignore_empty_lines=True
    )
    convert_opts = pacsv.ConvertOptions(
        column_types={names[i]: pa.string() for i in plan.string_columns if i < width},
        strings_can_be_null=True,
        # pyarrow's default null markers include "NA" (Namibia) and "-": keep those as data.
        null_values=_NULLS,
        decimal_point="," if dialect.decimal_comma else ".",
        timestamp_parsers=[pacsv.ISO8601, "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S"],
    )
    source = Utf8Replacing(open(path, "rb")) if plan.lenient else str(path)
    return pacsv.open_csv(source, read_opts, parse_opts, convert_opts), source


def _header_names(sample: str, dialect: Dialect) -> list[str]:
    first = next(pycsv.reader(io.StringIO(sample), delimiter=dialect.delimiter))
    if dialect.has_header:
        return [c.strip() for c in first]
    return [f"column_{i}" for i in range(1, len(first) + 1)]


def read(path: Path, options: ReadOptions, default_delimiter: str = ",") -> list[ExtractedTable]:
    encoding, dialect, sample = sniff(path, options, default_delimiter)
    names = _header_names(sample, dialect)
    notes = [f"encoding={encoding}", f"delimiter={dialect.delimiter!r}"]
    if not dialect.has_header:
        notes.append("no header row detected: columns named column_1..")
    if dialect.decimal_comma:
        notes.append("decimal comma")
    if note := garbled_note(sample[: 1 << 16]):
        notes.append(note)
    plan = _Plan(dialect, block=options.csv_block_bytes, lenient="\ufffd" in sample)
    return [_table(path, encoding, plan, names, notes, options.csv_max_record_bytes)]


def _table(path, encoding, plan: _Plan, names, notes, max_block: int) -> ExtractedTable:
    try:
        reader, source = _open(path, encoding, plan, len(names))
    except pa.ArrowInvalid as exc:
        retry = _adjust(exc, plan, encoding, max_block)
        return _table(path, encoding, retry, names, notes, max_block)
    except UnicodeDecodeError as exc:
        raise IngestError(ErrorClass.ENCODING, f"undecodable bytes as {encoding}: {exc}") from exc
    if len(reader.schema) == 0:
        raise IngestError(ErrorClass.EMPTY, "no columns found")
    if (
        encoding == "utf-8"
        and not plan.lenient
        and any(pa.types.is_binary(f.type) for f in reader.schema)
    ):
        # pyarrow types a column with invalid UTF-8 in its first block as binary: read the
        # file again with the few bad bytes replaced, so the column stays text.
        return _table(path, encoding, replace(plan, lenient=True), names, notes, max_block)
    schema = pa.schema([pa.field(n, f.type) for n, f in zip(names, reader.schema, strict=True)])
    # One notes list for the first read and every restart: convert records the first
    # table's notes, and what a restarted read learns must reach them.
    table = ExtractedTable(name="data", kind="table", schema=schema, notes=notes)
    table.encoding = encoding  # type: ignore[attr-defined]

    def batches() -> Iterator[pa.RecordBatch]:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:
                retry = _adjust(exc, plan, encoding, max_block)
                raise RestartRead(
                    partial(_table, path, encoding, retry, names, notes, max_block)
                ) from exc
            except UnicodeDecodeError as exc:
                raise IngestError(
                    ErrorClass.ENCODING, f"undecodable bytes as {encoding}: {exc}"
                ) from exc
            if batch.num_rows:
                yield batch
        if isinstance(source, Utf8Replacing) and source.replaced:
            # Counted while streaming: the notes are read once the table is written.
            table.notes.append(replaced_note(source.replaced))

    table.batches = batches()
    return table


def _adjust(exc: Exception, plan: _Plan, encoding: str, max_block: int) -> _Plan:
    """What to change after a parse error: a column to string, quoted newlines on, a larger
    block for a record longer than one block, or invalid UTF-8 replaced."""
    message = str(exc)
    if "invalid UTF8" in message and encoding == "utf-8" and not plan.lenient:
        return replace(plan, lenient=True)
    match = _COLUMN_ERROR.search(message)
    if match and int(match.group(1)) not in plan.string_columns:
        return replace(plan, string_columns=plan.string_columns | {int(match.group(1))})
    if not plan.dialect.multiline and ("Expected" in message or "newline" in message.lower()):
        dialect = plan.dialect
        multiline = Dialect(dialect.delimiter, dialect.has_header, dialect.decimal_comma, True)
        return replace(plan, dialect=multiline)
    if "straddles" in message:
        # One record (a huge quoted cell) is longer than a block: parse with larger blocks.
        if plan.block >= max_block:
            raise IngestError(
                ErrorClass.TOO_LARGE, f"a single CSV record is over {max_block} bytes"
            ) from exc
        return replace(plan, block=min(plan.block * 4, max_block))
    raise IngestError(ErrorClass.CORRUPT, message.removeprefix("CSV parse error: ")) from exc
