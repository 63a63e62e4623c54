"""Reading the knowledge base back: one record by id, the first records, counts."""

from __future__ import annotations

import pyarrow.compute as pc
import pyarrow.parquet as pq

from nexus_platform.knowledge import shards
from nexus_platform.knowledge.records import record_from_row
from nexus_platform.settings import NexusPaths, is_local


def _parquet_file(paths: NexusPaths) -> pq.ParquetFile:
    target = shards.parquet_path(paths)
    if not target.exists():
        raise FileNotFoundError(
            f"{target}: no knowledge base yet (materialize the `knowledgebase` asset)"
        )
    return pq.ParquetFile(target.path if is_local(target) else target.open("rb"))


def read_records(paths: NexusPaths, limit: int = 10) -> list[dict]:
    source = _parquet_file(paths)
    rows: list[dict] = []
    for batch in source.iter_batches(batch_size=max(limit, 1)):
        rows.extend(batch.to_pylist())
        if len(rows) >= limit:
            break
    return [record_from_row(r) for r in rows[:limit]]


def find_record(paths: NexusPaths, record_id: str) -> dict | None:
    source = _parquet_file(paths)
    for batch in source.iter_batches(batch_size=65_536):
        hits = batch.filter(pc.equal(batch.column("id"), record_id))
        if hits.num_rows:
            return record_from_row(hits.to_pylist()[0])
    return None


def load_for_stats(paths: NexusPaths):
    return _parquet_file(paths).read(columns=["source", "duplicate_of"])
