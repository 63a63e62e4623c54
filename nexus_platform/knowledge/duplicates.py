"""Exact duplicates: the same text in more than one file is kept, and marked.

The first record in knowledge base order (sorted by source path) is the original; every
other record with that text gets `duplicate_of` = the original's id, in the top-level field
and in `metadata.duplicate_of`. Text repeated only within one file is not a duplicate: a
table legitimately repeats a sentence across rows.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nexus_platform.knowledge.records import dumps


def duplicate_targets(table: pa.Table) -> pa.Array:
    """For each row, the id of the record it duplicates, or null."""
    n = table.num_rows
    if n == 0:
        return pa.nulls(0, pa.string())
    codes = pc.dictionary_encode(table.column("content_sha256").combine_chunks()).indices
    codes = codes.to_numpy().astype(np.int64)
    source = table.column("source").combine_chunks()
    path_codes = pc.dictionary_encode(pc.struct_field(source, "path")).indices
    path_codes = path_codes.to_numpy().astype(np.int64)
    n_texts = int(codes.max()) + 1
    unique_codes, first_rows = np.unique(codes, return_index=True)
    first_of = np.empty(n_texts, dtype=np.int64)
    first_of[unique_codes] = first_rows
    n_paths = int(path_codes.max()) + 1
    distinct_pairs = np.unique(codes * n_paths + path_codes)
    paths_per_text = np.bincount(distinct_pairs // n_paths, minlength=n_texts)
    original = first_of[codes]
    is_duplicate = (paths_per_text[codes] > 1) & (original != np.arange(n))
    originals = table.column("id").combine_chunks().take(pa.array(original))
    return pc.if_else(pa.array(is_duplicate), originals, pa.scalar(None, pa.string()))


def rewrite_line(line: str, duplicate_of: str | None) -> tuple[str, str]:
    """A record's JSON line and metadata JSON with `duplicate_of` set (or removed)."""
    record = json.loads(line)
    metadata = record.get("metadata") or {}
    if duplicate_of is None:
        metadata.pop("duplicate_of", None)
    else:
        metadata["duplicate_of"] = duplicate_of
    record["metadata"] = metadata
    record["duplicate_of"] = duplicate_of
    return dumps(record), dumps(metadata)
