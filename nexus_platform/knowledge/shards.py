"""Per-file shards of records and the manifest that says which shard belongs to which file.

A shard holds the records of one landing file. Its key hashes the file's path and sha256 with
everything else that shapes its records (build version, chunking and text-column settings),
so a shard whose key is unchanged is reused as is, and a changed file rebuilds only its own.
"""

from __future__ import annotations

import hashlib
import json

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
from upath import UPath

from nexus_platform.settings import NexusPaths, is_local
from nexus_platform.storage import atomic_local_path, read_json, remove, write_text

# Bump when the code that makes records changes: every shard is rebuilt once.
BUILD_VERSION = "kb-1"
MANIFEST_VERSION = 1


def kb_dir(paths: NexusPaths) -> UPath:
    return paths.knowledgebase


def jsonl_path(paths: NexusPaths) -> UPath:
    return paths.knowledgebase / "knowledgebase.jsonl"


def parquet_path(paths: NexusPaths) -> UPath:
    return paths.knowledgebase / "knowledgebase.parquet"


def shards_dir(paths: NexusPaths) -> UPath:
    return paths.knowledgebase / "shards"


def manifest_path(paths: NexusPaths) -> UPath:
    return paths.knowledgebase / "manifest.json"


def shard_key(path: str, file_sha256: str, recipe: str) -> str:
    material = "\x1f".join((BUILD_VERSION, path, file_sha256, recipe))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:40]


SHARD_SUFFIX = ".arrow"


def shard_path(paths: NexusPaths, key: str) -> UPath:
    return shards_dir(paths) / f"{key}{SHARD_SUFFIX}"


def read_parquet(path: UPath, columns: list[str] | None = None) -> pa.Table:
    if is_local(path):
        return pq.read_table(path.path, columns=columns)
    with path.open("rb") as fh:
        return pq.read_table(fh, columns=columns)


def write_parquet(path: UPath, table: pa.Table, metadata: dict[str, str] | None = None) -> None:
    if metadata:
        table = table.replace_schema_metadata(
            {
                **(table.schema.metadata or {}),
                **{k.encode(): v.encode() for k, v in metadata.items()},
            }
        )
    with atomic_local_path(path, suffix=".parquet") as tmp:
        # ~128k-row groups: pyarrow's default (up to ~1M rows) slows later scans.
        pq.write_table(table, tmp, compression="zstd", row_group_size=131_072)


def write_shard(paths: NexusPaths, key: str, table: pa.Table) -> None:
    # Arrow IPC, uncompressed: a shard is an internal cache read back only when the previous
    # output is unusable, and writing thousands of small Parquet files cost ~20x more.
    with atomic_local_path(shard_path(paths, key), suffix=SHARD_SUFFIX) as tmp:
        feather.write_feather(table, tmp, compression="uncompressed")


def read_shard(paths: NexusPaths, key: str) -> pa.Table:
    path = shard_path(paths, key)
    if is_local(path):
        return feather.read_table(path.path)
    with path.open("rb") as fh:
        return feather.read_table(fh)


def existing_shards(paths: NexusPaths) -> set[str]:
    folder = shards_dir(paths)
    if not folder.exists():
        return set()
    return {
        item.name[: -len(SHARD_SUFFIX)]
        for item in folder.iterdir()
        if item.name.endswith(SHARD_SUFFIX) and not item.name.startswith(".")
    }


def load_manifest(paths: NexusPaths) -> dict:
    """{"files": {path: {key, sha256, records, ...}}, "assembled": {digest, rows, jsonl_bytes}}."""
    manifest = read_json(manifest_path(paths), default=None)
    if not isinstance(manifest, dict) or manifest.get("version") != MANIFEST_VERSION:
        return {"version": MANIFEST_VERSION, "files": {}, "assembled": None}
    return manifest


def save_manifest(paths: NexusPaths, manifest: dict) -> None:
    # Compact: it lists every file and is rewritten by every build.
    write_text(
        manifest_path(paths), json.dumps(manifest, ensure_ascii=False, separators=(",", ":"))
    )


def assembly_digest(files: dict[str, dict]) -> str:
    pairs = sorted((path, info["key"]) for path, info in files.items())
    return hashlib.sha256(json.dumps(pairs).encode("utf-8")).hexdigest()


def remove_unused_shards(paths: NexusPaths, existing: set[str], keep: set[str]) -> int:
    unused = existing - keep
    for key in unused:
        remove(shard_path(paths, key))
    return len(unused)
