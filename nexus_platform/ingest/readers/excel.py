"""xlsx/xlsm workbooks via fastexcel (calamine, Arrow-native): one table per non-empty sheet."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from nexus_platform.ingest.model import ErrorClass, ExtractedTable, IngestError
from nexus_platform.ingest.readers import ReadOptions
from nexus_platform.ingest.readers.text_common import (
    OLE_MAGIC,
    ZIP_MAGIC,
    file_magic,
    ole_is_encrypted,
)

_ZIP_FORMATS = {".xlsx", ".xlsm", ".xlsb"}
# fastexcel's name for a column without a header cell; replaced by column_<n>.
_UNNAMED = "__UNNAMED__"


def read(path: Path, options: ReadOptions) -> list[ExtractedTable]:
    """Every sheet with at least one cell becomes a table named after the sheet."""
    import fastexcel

    path = Path(path)
    _check_container(path)
    try:
        reader = fastexcel.read_excel(path)
    except fastexcel.FastExcelError as exc:
        raise _classify(exc) from exc

    tables = []
    for name in reader.sheet_names:
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


def _check_container(path: Path) -> None:
    magic = file_magic(path)
    if magic.startswith(OLE_MAGIC):
        if ole_is_encrypted(path):
            raise IngestError(
                ErrorClass.ENCRYPTED, "workbook is password-protected (encrypted OLE package)"
            )
        if path.suffix.lower() in _ZIP_FORMATS:
            raise IngestError(
                ErrorClass.CORRUPT, f"{path.suffix} file is an OLE compound file, not a zip package"
            )
    elif not magic:
        raise IngestError(ErrorClass.EMPTY, "file has no bytes")
    elif path.suffix.lower() in _ZIP_FORMATS and not magic.startswith(ZIP_MAGIC):
        raise IngestError(ErrorClass.CORRUPT, f"{path.suffix} file is not a zip package")


def _classify(exc: Exception, sheet: str | None = None) -> IngestError:
    where = f" (sheet {sheet!r})" if sheet else ""
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "password" in message.lower() or "encrypt" in message.lower():
        return IngestError(ErrorClass.ENCRYPTED, f"{message}{where}")
    return IngestError(ErrorClass.CORRUPT, f"{message}{where}")


def _read_sheet(reader, name: str) -> ExtractedTable | None:
    first = reader.load_sheet(name, header_row=None, n_rows=1).to_arrow()
    if first.num_columns == 0 or first.num_rows == 0:
        return None
    values = [first.column(i)[0].as_py() for i in range(first.num_columns)]
    filled = [v for v in values if v is not None]
    has_header = bool(filled) and all(isinstance(v, str) for v in filled)
    # schema_sample_rows=None: with the default 1000-row sample fastexcel turns a later value
    # of another type (text after 1000 numbers) into null, silently losing data.
    batch = reader.load_sheet(
        name, header_row=0 if has_header else None, schema_sample_rows=None
    ).to_arrow()
    table = pa.Table.from_batches([batch])
    table = table.rename_columns(_column_names(table.column_names))
    # A column with a header but no values arrives as Arrow's null type: keep it as text.
    for i, column_field in enumerate(table.schema):
        if pa.types.is_null(column_field.type):
            table = table.set_column(
                i, pa.field(column_field.name, pa.string()), table.column(i).cast(pa.string())
            )
    notes = [] if has_header else ["first row is not all text: column names generated"]
    table, converted = _integral_floats_to_int(table)
    if converted:
        notes.append(
            f"float columns holding only whole numbers read as int64: {', '.join(converted)}"
        )
    return ExtractedTable(name=name, kind="table", table=table, notes=notes)


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
