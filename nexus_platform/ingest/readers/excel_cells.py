"""Cells calamine could not put in a column's type, recovered instead of left null.

fastexcel reports such cells as `CellError`s whose detail names the raw cell, e.g. a date
cell holding 99999999 (year 275,000: beyond chrono's range) arrives as null with
"Expected datetime but got 'DateTime(ExcelDateTime { value: 99999999.0, ... is_1904: false })'".
Dates Arrow can hold (timestamp[us] spans ±292,000 years) are put back as timestamps;
otherwise the column becomes text and the cell keeps its raw value: never a silent null.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pyarrow as pa
import pyarrow.compute as pc

_EXCEL_DATE = re.compile(
    r"DateTime\(ExcelDateTime \{ value: (?P<value>[-+0-9.eE]+|inf|NaN), "
    r"datetime_type: (?P<kind>\w+), is_1904: (?P<is_1904>true|false)"
)
_GOT = re.compile(r"got '(?P<raw>.*)'$", re.DOTALL)
# Serial day numbers of 1970-01-01 in Excel's two date systems.
_UNIX_EPOCH_SERIAL = {False: 25569, True: 24107}
_US_PER_DAY = 86_400_000_000
_INT64_MAX = 2**63 - 1


def _serial_to_us(value: float, is_1904: bool) -> int | None:
    """Microseconds since 1970 for an Excel serial date, or None beyond timestamp[us]."""
    if value != value or value in (float("inf"), float("-inf")):
        return None
    micros = round((value - _UNIX_EPOCH_SERIAL[is_1904]) * _US_PER_DAY)
    return micros if -_INT64_MAX <= micros <= _INT64_MAX else None


# Calamine's names for error cells, as Excel shows them.
_EXCEL_ERRORS = {
    "Error(Div0)": "#DIV/0!",
    "Error(NA)": "#N/A",
    "Error(Name)": "#NAME?",
    "Error(Null)": "#NULL!",
    "Error(Num)": "#NUM!",
    "Error(Ref)": "#REF!",
    "Error(Value)": "#VALUE!",
    "Error(GettingData)": "#GETTING_DATA",
}


def _raw_text(detail: str) -> str:
    date = _EXCEL_DATE.search(detail)
    if date:
        return f"excel serial date {date.group('value')}"
    got = _GOT.search(detail)
    raw = got.group("raw") if got else detail
    return _EXCEL_ERRORS.get(raw, raw)


def repair(table: pa.Table, errors) -> tuple[pa.Table, list[str]]:
    """Put the cells of `errors` (fastexcel CellErrors) back into `table`; returns the table
    and notes naming what was done."""
    by_column: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for error in getattr(errors, "errors", None) or []:
        row, column = error.offset_position
        by_column[column].append((row, error.detail))
    notes = []
    for index, cells in sorted(by_column.items()):
        if index >= table.num_columns:
            continue
        field = table.schema.field(index)
        column = table.column(index).combine_chunks()
        fixed = _as_timestamps(column, cells) if pa.types.is_timestamp(field.type) else None
        if fixed is not None:
            notes.append(f"{field.name}: {len(cells)} dates past year 9999 kept as timestamps")
        else:
            fixed = _as_text(column, cells)
            notes.append(
                f"{field.name}: {len(cells)} cells outside the column's type kept as text "
                "(the column is string)"
            )
        table = table.set_column(index, pa.field(field.name, fixed.type), fixed)
    return table, notes


def _as_timestamps(column: pa.Array, cells: list[tuple[int, str]]) -> pa.Array | None:
    values = pc.cast(column, pa.int64()).to_pylist()
    unit = column.type.unit
    scale = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": None}[unit]
    if scale is None:
        return None
    micros = [None if v is None else v * scale for v in values]
    for row, detail in cells:
        date = _EXCEL_DATE.search(detail)
        if date is None:
            return None
        value = _serial_to_us(float(date.group("value")), date.group("is_1904") == "true")
        if value is None:
            return None
        micros[row] = value
    return pa.array(micros, pa.int64()).cast(pa.timestamp("us", tz=column.type.tz))


def _as_text(column: pa.Array, cells: list[tuple[int, str]]) -> pa.Array:
    text = _strings(column)
    for row, detail in cells:
        text[row] = _raw_text(detail)
    return pa.array(text, pa.string())


def _strings(column: pa.Array) -> list[str | None]:
    if pa.types.is_timestamp(column.type):
        # ISO text via Arrow, never through Python datetime (which stops at year 9999).
        return pc.strftime(column, format="%Y-%m-%dT%H:%M:%S").to_pylist()
    return column.cast(pa.string()).to_pylist()
