"""Assembling the knowledge base from per-file blocks, in source path order.

A block is one file's records: fresh (just rebuilt), reused from the previous output (its
rows are taken from the old Parquet table, its JSONL lines copied as one byte range), or
read from its shard when the previous output cannot be trusted. Duplicate marking is
computed over the whole result; only lines whose marking changed are re-serialised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nexus_platform.knowledge import shards
from nexus_platform.knowledge.duplicates import duplicate_targets, rewrite_line
from nexus_platform.knowledge.previous import PreviousOutput
from nexus_platform.knowledge.records import KB_SCHEMA
from nexus_platform.settings import NexusPaths

_COLUMNS = ["id", "text", "content_sha256", "source", "metadata"]


@dataclass
class Block:
    path: str
    rows: int
    lines: list[str] | None = None  # fresh or shard blocks
    old_range: tuple[int, int] | None = None  # byte range in the previous JSONL


@dataclass
class Assembled:
    table: pa.Table  # KB_SCHEMA
    payload: bytes  # the JSONL file
    blocks: dict[str, dict]  # path -> {"row", "rows", "offset", "bytes"}
    duplicates: int


def _with_previous_marks(table: pa.Table, marks: pa.Array | pa.ChunkedArray | None) -> pa.Table:
    table = table.select(_COLUMNS)
    if marks is None:
        marks = pa.nulls(table.num_rows, pa.string())
    return table.append_column("previous_duplicate_of", marks)


def assemble(
    paths: NexusPaths,
    files: dict[str, dict],
    old_keys: dict[str, str],
    fresh: dict[str, pa.Table],
    previous: PreviousOutput | None,
    counters: dict[str, int],
) -> Assembled:
    parts: list[pa.Table] = []
    offset = 0
    if previous is not None:
        parts.append(_with_previous_marks(previous.table, previous.table.column("duplicate_of")))
        offset = previous.table.num_rows
    ranges: list[tuple[int, int]] = []  # rows of each block in the concatenated parts
    blocks: list[Block] = []
    for path in sorted(files):
        key, rows = files[path]["key"], files[path].get("records", 0)
        if not rows:
            continue  # a table without text, a scanned PDF: nothing to place
        old = previous.blocks.get(path) if previous is not None else None
        if key not in fresh and old is not None and old_keys.get(path) == key:
            ranges.append((old["row"], old["row"] + old["rows"]))
            blocks.append(Block(path, old["rows"], old_range=(old["offset"], old["bytes"])))
            counters["from_previous"] += 1
            continue
        if key in fresh:
            table = fresh[key]
        else:
            table = shards.read_shard(paths, key)
            counters["shards_read"] += 1
        parts.append(_with_previous_marks(table, None))
        ranges.append((offset, offset + table.num_rows))
        blocks.append(Block(path, table.num_rows, lines=table.column("line").to_pylist()))
        offset += table.num_rows
    if not blocks:
        return Assembled(KB_SCHEMA.empty_table(), b"", {}, 0)
    combined = pa.concat_tables(parts)
    # Blocks are in path order in both the previous output and the result, so unchanged
    # neighbours form long runs: slicing them is zero-copy where a row-wise take copies.
    combined = pa.concat_tables(
        [combined.slice(start, stop - start) for start, stop in _runs(ranges)]
    )
    return _mark_and_serialise(combined, blocks, previous)


def _runs(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for start, stop in ranges:
        if runs and runs[-1][1] == start:
            runs[-1] = (runs[-1][0], stop)
        else:
            runs.append((start, stop))
    return runs


def _mark_and_serialise(
    combined: pa.Table, blocks: list[Block], previous: PreviousOutput | None
) -> Assembled:
    targets = duplicate_targets(combined)
    before = pc.fill_null(combined.column("previous_duplicate_of"), "")
    changed = pc.not_equal(before, pc.fill_null(targets, ""))
    changed_rows = np.flatnonzero(changed.to_numpy(zero_copy_only=False)).tolist()
    starts = np.cumsum([0] + [b.rows for b in blocks[:-1]])
    metadata = combined.column("metadata")
    if changed_rows:
        target_values = targets.take(pa.array(changed_rows)).to_pylist()
        new_metadata = []
        for row, target in zip(changed_rows, target_values, strict=True):
            index = int(np.searchsorted(starts, row, side="right") - 1)
            block = blocks[index]
            if block.lines is None:  # reused block: split its byte range into lines once
                # A reused block always has its byte range in the previous output.
                assert block.old_range is not None and previous is not None
                start, length = block.old_range
                block.lines = (
                    previous.jsonl[start : start + length].decode("utf-8").split("\n")[:-1]
                )
                block.old_range = None
            position = row - int(starts[index])
            block.lines[position], meta = rewrite_line(block.lines[position], target)
            new_metadata.append(meta)
        # Replace the changed metadata values: append them and take through an index.
        take = np.arange(len(metadata))
        take[changed_rows] = len(metadata) + np.arange(len(changed_rows))
        metadata = pa.concat_arrays(
            [metadata.combine_chunks(), pa.array(new_metadata, pa.string())]
        ).take(pa.array(take))
    table = pa.Table.from_arrays(
        [combined.column(c) for c in _COLUMNS[:-1]] + [metadata, targets], schema=KB_SCHEMA
    )
    chunks: list[bytes | memoryview] = []
    layout: dict[str, dict] = {}
    offset = 0
    source = memoryview(previous.jsonl) if previous is not None else None
    for block, row in zip(blocks, starts.tolist(), strict=True):
        if block.old_range is not None:
            start, length = block.old_range
            assert source is not None  # a byte range only exists when there is previous output
            chunk: bytes | memoryview = source[start : start + length]
        else:
            assert block.lines is not None  # fresh or rewritten blocks carry their lines
            chunk = ("\n".join(block.lines) + "\n").encode("utf-8")
        chunks.append(chunk)
        layout[block.path] = {"row": row, "rows": block.rows, "offset": offset, "bytes": len(chunk)}
        offset += len(chunk)
    duplicates = len(targets) - targets.null_count
    return Assembled(table, b"".join(chunks), layout, duplicates)
