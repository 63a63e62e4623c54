"""Small views of a Parquet table for the UI: its schema and its first rows as markdown."""

from __future__ import annotations

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
    for row in batch.to_pylist():
        cells = []
        for name in names:
            text = "" if row[name] is None else str(row[name])
            text = text.replace("|", "\\|").replace("\n", " ")
            cells.append(text if len(text) <= width else text[: width - 1] + "…")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
