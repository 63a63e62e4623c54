"""Incremental knowledge base build: rebuild the shards of changed files, then assemble.

Assembly reuses the previous knowledgebase.parquet/.jsonl for unchanged files (their rows
sliced from the old table, their JSONL lines copied as byte ranges) after checking that the
files are the output the manifest describes; otherwise it falls back to the shards. When
nothing changed, the outputs are left as they are. Outputs are replaced atomically, the
manifest last, so an interrupted build leaves the previous knowledge base usable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from nexus_platform.ingest.members import converted_sources
from nexus_platform.knowledge import shards
from nexus_platform.knowledge.assemble import Assembled, assemble
from nexus_platform.knowledge.chunking import Chunker
from nexus_platform.knowledge.config import KnowledgeConfig, KnowledgeConfigError, load_config
from nexus_platform.knowledge.extract import file_records
from nexus_platform.knowledge.previous import previous_output_intact, read_previous_output
from nexus_platform.knowledge.text_columns import path_rules
from nexus_platform.settings import NexusPaths
from nexus_platform.storage import atomic_output


@dataclass
class BuildStats:
    records: int = 0
    files: int = 0
    files_rebuilt: int = 0
    files_reused: int = 0
    files_removed: int = 0
    rebuilt_paths: list[str] = field(default_factory=list)
    duplicates: int = 0
    duplicate_share: float = 0.0
    tables_without_text: list[str] = field(default_factory=list)
    documents_without_text: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    blocks_from_previous_output: int = 0
    shards_read: int = 0
    seconds: float = 0.0

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "records_per_second": self.records_per_second}


def _write_outputs(paths: NexusPaths, assembled: Assembled, digest: str) -> None:
    with atomic_output(shards.jsonl_path(paths), "wb") as fh:
        fh.write(assembled.payload)
    shards.write_parquet(shards.parquet_path(paths), assembled.table, {"nexus.kb.digest": digest})


def build_knowledgebase(
    paths: NexusPaths,
    config: KnowledgeConfig | None = None,
    chunker: Chunker | None = None,
    log: Callable[[str], None] | None = None,
) -> BuildStats:
    """Bring knowledgebase.jsonl/.parquet up to date with the ledger's converted files."""
    started = time.perf_counter()
    log = log or (lambda _msg: None)
    config = config or load_config()
    chunker = chunker or Chunker(config.chunking)
    stats = BuildStats()
    entries = converted_sources(paths)
    old_manifest = shards.load_manifest(paths)
    old_files = old_manifest["files"]
    files: dict[str, dict] = {}
    fresh: dict[str, pa.Table] = {}
    existing = shards.existing_shards(paths)  # one listing, not a stat per file
    recipes: dict[tuple, str] = {}
    for entry in entries:
        rules = path_rules(config, entry.path)
        recipe = recipes.get(tuple(rules))
        if recipe is None:
            recipe = recipes[tuple(rules)] = config.fingerprint(rules)
        key = shards.shard_key(entry.path, entry.sha256, recipe)
        old = old_files.get(entry.path)
        if old and old["key"] == key and key in existing:
            files[entry.path] = old
            continue
        try:
            result = file_records(entry, config, rules, chunker)
        except KnowledgeConfigError:
            raise
        except Exception as exc:  # one unreadable file never fails the whole knowledge base
            stats.errors[entry.path] = f"{type(exc).__name__}: {exc}"
            log(f"knowledge base: {entry.path} skipped: {stats.errors[entry.path]}")
            if old and old["key"] in existing:
                files[entry.path] = old  # keep its last good records
            continue
        shards.write_shard(paths, key, result.table)
        existing.add(key)
        fresh[key] = result.table
        stats.rebuilt_paths.append(entry.path)
        files[entry.path] = {
            "key": key,
            "sha256": entry.sha256,
            "records": result.table.num_rows,
            "tables_without_text": result.tables_without_text,
            "document_without_text": result.document_without_text,
            "text_columns": result.table_text_columns,
        }
    stats.files = len(files)
    stats.files_rebuilt = len(stats.rebuilt_paths)
    stats.files_reused = stats.files - stats.files_rebuilt
    stats.files_removed = len(set(old_files) - set(files))
    for path in sorted(files):
        stats.tables_without_text.extend(files[path].get("tables_without_text", []))
        if files[path].get("document_without_text"):
            stats.documents_without_text.append(path)

    digest = shards.assembly_digest(files)
    assembled = old_manifest.get("assembled") or {}
    if assembled.get("digest") == digest and previous_output_intact(paths, old_manifest):
        # Nothing changed since the last build and its outputs are intact: keep them.
        stats.records, duplicates = assembled["rows"], assembled.get("duplicates", 0)
    else:
        previous = read_previous_output(paths, old_manifest)
        old_keys = {path: info["key"] for path, info in old_files.items()}
        counters = {"from_previous": 0, "shards_read": 0}
        output = assemble(paths, files, old_keys, fresh, previous, counters)
        _write_outputs(paths, output, digest)
        stats.blocks_from_previous_output = counters["from_previous"]
        stats.shards_read = counters["shards_read"]
        duplicates = output.duplicates
        assembled = {
            "digest": digest,
            "rows": output.table.num_rows,
            "jsonl_bytes": len(output.payload),
            "duplicates": duplicates,
            "blocks": output.blocks,
        }
        stats.records = output.table.num_rows
    shards.save_manifest(
        paths, {"version": shards.MANIFEST_VERSION, "files": files, "assembled": assembled}
    )
    shards.remove_unused_shards(paths, existing, {info["key"] for info in files.values()})
    stats.duplicates = duplicates
    stats.duplicate_share = duplicates / stats.records if stats.records else 0.0
    stats.seconds = time.perf_counter() - started
    log(
        f"knowledge base: {stats.records} records from {stats.files} files "
        f"({stats.files_rebuilt} rebuilt, {stats.files_reused} reused) in {stats.seconds:.2f}s"
    )
    return stats


def counts_by(table: pa.Table, field_name: str) -> dict[str, int]:
    """Records per value of a source field ('file_type') or per top-level folder ('topic')."""
    if table.num_rows == 0:
        return {}
    source = table.column("source").combine_chunks()
    if field_name == "topic":
        # Files directly under the landing root have no folder: they count as "(root)".
        # (pc.if_else evaluates both branches, so list_element cannot guard itself.)
        folders = pc.struct_field(source, "folders").to_pylist()
        values = pa.array([f[0] if f else "(root)" for f in folders], pa.string())
    else:
        values = pc.struct_field(source, field_name)
    counts = pc.value_counts(pc.fill_null(values, "(none)"))
    pairs = zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True)
    return dict(sorted(pairs, key=lambda kv: (-kv[1], kv[0])))
