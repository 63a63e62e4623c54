"""Parquet landing files: validated (footer, schema, every row group readable) and rewritten
with the platform's names, types, compression and row-group size."""

from __future__ import annotations

from pathlib import Path

from nexus_platform.ingest.model import ErrorClass, ExtractedTable, IngestError
from nexus_platform.ingest.readers import ReadOptions


def read(path: Path, options: ReadOptions) -> list[ExtractedTable]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(str(path))
    except (pa.ArrowInvalid, OSError) as exc:
        raise IngestError(ErrorClass.CORRUPT, f"not a readable Parquet file: {exc}") from exc
    if parquet.metadata.num_columns == 0:
        raise IngestError(ErrorClass.EMPTY, "Parquet file has no columns")

    def batches():
        try:
            yield from parquet.iter_batches(batch_size=options.batch_rows)
        except (pa.ArrowInvalid, OSError) as exc:
            raise IngestError(ErrorClass.CORRUPT, f"unreadable row group: {exc}") from exc

    return [ExtractedTable(name="data", schema=parquet.schema_arrow, batches=batches())]
