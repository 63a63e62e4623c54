"""Parquet files of external sources: written atomically, with provenance in the file footer."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
from upath import UPath

from nexus_platform.storage import atomic_local_path

METADATA_PREFIX = "nexus."
ROW_GROUP_ROWS = 131_072  # ~128k rows: pq.write_table's default (1M) slows later scans


def write_table(table: pa.Table, target: UPath, metadata: dict[str, object]) -> None:
    """Write `table` to `target` (local or gs://) so readers see the old or the new file only."""
    extra = {
        f"{METADATA_PREFIX}{k}".encode(): json.dumps(v, ensure_ascii=False).encode()
        for k, v in metadata.items()
    }
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
    with atomic_local_path(target, suffix=".parquet") as tmp:
        pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP_ROWS)


def read_file_metadata(target: UPath) -> dict[str, object]:
    """The `nexus.*` footer entries of an existing file; {} when there is none."""
    try:
        with target.open("rb") as fh:
            schema = pq.read_schema(fh)
    except (FileNotFoundError, OSError, pa.ArrowInvalid):
        return {}
    found = {}
    for key, value in (schema.metadata or {}).items():
        name = key.decode()
        if name.startswith(METADATA_PREFIX):
            found[name[len(METADATA_PREFIX) :]] = json.loads(value)
    return found


def read_table(target: UPath) -> pa.Table:
    with target.open("rb") as fh:
        return pq.read_table(fh)
