"""Small views of a Parquet table for the UI: its schema and its first rows as markdown."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def _open(path: str):
    from upath import UPath

    target = UPath(path)
    return pq.ParquetFile(target.open("rb") if target.protocol not in ("", "file") else target.path)


def describe(path: str, rows: int = 5, width: int = 60) -> tuple[list[tuple[str, str]], str]:
    """Column types and a markdown preview, opening the file once."""
    parquet = _open(path)
    types = [(f.name, str(f.type)) for f in parquet.schema_arrow]
    return types, _markdown(parquet, rows, width)


def _markdown(parquet, rows: int, width: int) -> str:
    if parquet.metadata.num_rows == 0:
        return "_(no rows)_"
    batch = next(parquet.iter_batches(batch_size=rows))
    names = batch.schema.names[:12]
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    columns = [cell_texts(batch.column(name)) for name in names]
    for row in range(batch.num_rows):
        cells = []
        for column in columns:
            text = column[row] or ""
            text = text.replace("|", "\\|").replace("\n", " ")
            cells.append(text if len(text) <= width else text[: width - 1] + "…")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cell_texts(column: pa.Array) -> list[str | None]:
    """Every value of a column as display text, without building Python objects: Arrow
    holds dates past year 9999 (a spreadsheet's 10000-01-01) that Python's datetime cannot."""
    if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
        fmt = "%Y-%m-%d" if pa.types.is_date(column.type) else "%Y-%m-%d %H:%M:%S"
        return pc.strftime(column, format=fmt).to_pylist()
    try:
        return column.cast(pa.string()).to_pylist()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return [_scalar_text(value) for value in column]


def _scalar_text(value: pa.Scalar) -> str | None:
    if not value.is_valid:
        return None
    try:
        return str(value.as_py())
    except (OverflowError, ValueError):
        return str(value)
