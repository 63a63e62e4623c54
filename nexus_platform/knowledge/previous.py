"""The previous knowledge base output, reused for unchanged files when it can be trusted.

The manifest records where each file's records sit in the last output (rows in the Parquet
file, bytes in the JSONL file), so an incremental build copies unchanged files' JSONL lines
as byte ranges instead of parsing and re-serialising them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from nexus_platform.knowledge import shards
from nexus_platform.settings import NexusPaths, is_local


@dataclass
class PreviousOutput:
    table: pa.Table  # knowledgebase.parquet
    jsonl: bytes  # knowledgebase.jsonl
    blocks: dict[str, dict]  # path -> {"row", "rows", "offset", "bytes"}


def previous_output_intact(paths: NexusPaths, manifest: dict) -> bool:
    """The outputs on disk are the ones the manifest describes (cheap: footers and sizes).

    Both files are checked (digest and row count in the Parquet footer, exact JSONL size)
    because a crash between their two renames would pair a new JSONL with an old Parquet.
    """
    assembled = manifest.get("assembled")
    if not assembled:
        return False
    parquet_file, jsonl_file = shards.parquet_path(paths), shards.jsonl_path(paths)
    try:
        if jsonl_file.stat().st_size != assembled.get("jsonl_bytes"):
            return False
        if is_local(parquet_file):
            footer = pq.read_metadata(parquet_file.path)
        else:
            with parquet_file.open("rb") as fh:
                footer = pq.read_metadata(fh)
    except (OSError, ValueError, pa.ArrowException):
        return False
    digest = (footer.metadata or {}).get(b"nexus.kb.digest", b"").decode()
    return digest == assembled.get("digest") and footer.num_rows == assembled.get("rows")


def read_previous_output(paths: NexusPaths, manifest: dict) -> PreviousOutput | None:
    """The last assembled output, or None when it is missing or not what the manifest says."""
    if not previous_output_intact(paths, manifest):
        return None
    blocks = manifest["assembled"].get("blocks") or {}
    try:
        table = shards.read_parquet(shards.parquet_path(paths))
        jsonl = shards.jsonl_path(paths).read_bytes()
    except (OSError, ValueError, pa.ArrowException):
        return None
    rows = sum(b["rows"] for b in blocks.values())
    size = sum(b["bytes"] for b in blocks.values())
    if rows != table.num_rows or size != len(jsonl):
        return None
    return PreviousOutput(table=table, jsonl=jsonl, blocks=blocks)
