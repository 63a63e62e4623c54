"""Small views of a Parquet table for the UI: its schema and its first rows as markdown."""

from __future__ import annotations

import pyarrow.parquet as pq


def _open(path: str):
    from upath import UPath

    target = UPath(path)
    return pq.ParquetFile(target.open("rb") if target.protocol not in ("", "file") else target.path)


def column_types(path: str) -> list[tuple[str, str]]:
    return [(f.name, str(f.type)) for f in _open(path).schema_arrow]


def markdown_preview(path: str, rows: int = 5, width: int = 60) -> str:
    parquet = _open(path)
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
