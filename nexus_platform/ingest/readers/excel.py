"""Spreadsheets via fastexcel (calamine, Arrow-native): xlsx/xlsm/xlsb, legacy xls (BIFF5 /
BIFF8) and OpenDocument ods; one table per non-empty sheet.

Calamine resolves both date systems (1900 and 1904) from the workbook itself. A column whose
cells do not share one type (dates next to durations, error cells such as #NAME?) is read as
text instead of failing the sheet, and a cell calamine could not fit in its column's type is
recovered from its raw value (`excel_cells`): a value that was there is never null.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

from nexus_platform.ingest.limits import check_zip, verify_members
from nexus_platform.ingest.model import ErrorClass, ExtractedTable, IngestError
from nexus_platform.ingest.readers import ReadOptions
from nexus_platform.ingest.readers.excel_cells import repair
from nexus_platform.ingest.readers.text_common import (
    OLE_MAGIC,
    ZIP_MAGIC,
    file_magic,
    ole_is_encrypted,
)

_ZIP_FORMATS = {".xlsx", ".xlsm", ".xlsb", ".ods"}
# fastexcel's name for a column without a header cell; replaced by column_<n>.
_UNNAMED = "__UNNAMED__"
# Calamine's own guards against files that ask for absurd allocations.
_TOO_LARGE_WORDS = ("limit exceeded", "too large", "too many")
# Deflate cannot inflate more than ~1032x, so an archive smaller than this cannot exceed the
# inflated-size limit whatever its headers claim; larger ones are verified by inflating once.
_DEFLATE_MAX_RATIO = 1032


def read(path: Path, options: ReadOptions) -> list[ExtractedTable]:
    """Every sheet with at least one cell becomes a table named after the sheet."""
    import fastexcel

    path = Path(path)
    _check_container(path, options)
    with _native_failures():
        try:
            reader = fastexcel.read_excel(path)
        except fastexcel.FastExcelError as exc:
            raise _classify(exc) from exc

    tables = []
    for name in reader.sheet_names:
        with _native_failures(sheet=name):
            try:
                table = _read_sheet(reader, name)
            except fastexcel.FastExcelError as exc:
                raise _classify(exc, sheet=name) from exc
        if table is not None:
            tables.append(table)
    if not tables:
        raise IngestError(
            ErrorClass.EMPTY, f"no sheet holds any cell ({len(reader.sheet_names)} sheets)"
        )
    return tables


@contextmanager
def _native_failures(sheet: str | None = None) -> Iterator[None]:
    """Calamine panics on some malformed records; pyo3 raises that as PanicException, a
    BaseException that would otherwise pass every `except Exception` up to the run."""
    try:
        yield
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        where = f" (sheet {sheet!r})" if sheet else ""
        raise IngestError(ErrorClass.CORRUPT, f"spreadsheet parser gave up: {exc}{where}") from None


def _check_container(path: Path, options: ReadOptions) -> None:
    magic = file_magic(path)
    suffix = path.suffix.lower()
    if magic.startswith(OLE_MAGIC):
        if ole_is_encrypted(path):
            raise IngestError(
                ErrorClass.ENCRYPTED, "workbook is password-protected (encrypted OLE package)"
            )
        if suffix in _ZIP_FORMATS:
            raise IngestError(
                ErrorClass.CORRUPT, f"{suffix} file is an OLE compound file, not a zip package"
            )
    elif not magic:
        raise IngestError(ErrorClass.EMPTY, "file has no bytes")
    elif suffix in _ZIP_FORMATS:
        if not magic.startswith(ZIP_MAGIC):
            raise IngestError(ErrorClass.CORRUPT, f"{suffix} file is not a zip package")
        limits = options.archive
        if path.stat().st_size * _DEFLATE_MAX_RATIO > limits.max_total_bytes:
            verify_members(path, limits, what="workbook")
        else:
            check_zip(path, limits, what="workbook")


def _classify(exc: Exception, sheet: str | None = None) -> IngestError:
    where = f" (sheet {sheet!r})" if sheet else ""
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    lowered = message.lower()
    if "password" in lowered or "encrypt" in lowered:
        return IngestError(ErrorClass.ENCRYPTED, f"{message}{where}")
    if any(word in lowered for word in _TOO_LARGE_WORDS):
        return IngestError(ErrorClass.TOO_LARGE, f"{message}{where}")
    return IngestError(ErrorClass.CORRUPT, f"{message}{where}")


def _read_sheet(reader, name: str) -> ExtractedTable | None:
    import fastexcel

    try:
        sheet = reader.load_sheet(name, header_row=None, n_rows=1)
        first, _ = sheet.to_arrow_with_errors()
        # Types, not Python values: a date past year 9999 has no Python datetime.
        filled = [f.type for f, c in zip(first.schema, first.columns, strict=True) if c[0].is_valid]
    except (fastexcel.UnsupportedColumnTypeCombinationError, fastexcel.CalamineCellError):
        # An error cell (#NAME?) in the first row: not a header row.
        sheet = reader.load_sheet(name, header_row=None, n_rows=1, dtypes="string")
        first, filled = sheet.to_arrow(), []
    if first.num_columns == 0 or first.num_rows == 0:
        return None
    # A sheet of one row is data, not a header over nothing: its values would be lost.
    has_header = (
        sheet.total_height > 1 and bool(filled) and all(pa.types.is_string(t) for t in filled)
    )
    header_row = 0 if has_header else None
    notes = [] if has_header else ["first row is not all text: column names generated"]
    batch, errors = _load(reader, name, header_row, first.num_columns, notes)
    table = pa.Table.from_batches([batch])
    table = table.rename_columns(_column_names(table.column_names))
    table, repaired = repair(table, errors)
    notes += repaired
    # A column with a header but no values arrives as Arrow's null type: keep it as text.
    for i, column_field in enumerate(table.schema):
        if pa.types.is_null(column_field.type):
            table = table.set_column(
                i, pa.field(column_field.name, pa.string()), table.column(i).cast(pa.string())
            )
    table, converted = _integral_floats_to_int(table)
    if converted:
        notes.append(
            f"float columns holding only whole numbers read as int64: {', '.join(converted)}"
        )
    return ExtractedTable(name=name, kind="table", table=table, notes=notes)


def _load(reader, name: str, header_row: int | None, width: int, notes: list[str]):
    """The whole sheet and its cell errors. schema_sample_rows=None: with the default
    1000-row sample fastexcel turns a later value of another type into null."""
    import fastexcel

    mixed = (fastexcel.UnsupportedColumnTypeCombinationError, fastexcel.CalamineCellError)
    try:
        return reader.load_sheet(
            name, header_row=header_row, schema_sample_rows=None
        ).to_arrow_with_errors()
    except mixed:
        pass
    # Columns calamine cannot give one type (dates with durations, error cells such as
    # #NAME?) are found one by one and read as text.
    text_columns = []
    for index in range(width):
        try:
            reader.load_sheet(
                name, header_row=header_row, schema_sample_rows=None, use_columns=[index]
            ).to_arrow()
        except mixed:
            text_columns.append(index)
    notes.append(f"{len(text_columns)} columns of mixed cell types read as text")
    return reader.load_sheet(
        name,
        header_row=header_row,
        schema_sample_rows=None,
        dtypes={i: "string" for i in text_columns},
    ).to_arrow_with_errors()


def _column_names(names: list[str]) -> list[str]:
    return [f"column_{i + 1}" if n.startswith(_UNNAMED) else n for i, n in enumerate(names)]


def _integral_floats_to_int(table: pa.Table) -> tuple[pa.Table, list[str]]:
    """Excel stores every number as a double, so integer columns arrive as float64.

    A column becomes int64 only when the safe cast succeeds: pyarrow then guarantees no value
    had a fraction or overflowed, so nothing is lost."""
    converted = []
    for i, column_field in enumerate(table.schema):
        if not pa.types.is_floating(column_field.type):
            continue
        column = table.column(i)
        if column.null_count == len(column):
            continue
        try:
            as_int = column.cast(pa.int64(), safe=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        table = table.set_column(i, pa.field(column_field.name, pa.int64()), as_int)
        converted.append(column_field.name)
    return table, converted
