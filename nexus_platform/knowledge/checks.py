"""Data tests of the knowledge base, computed on the written output (not on what the build
thinks it wrote). Each returns a `CheckOutcome`; the asset turns them into check results."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from nexus_platform.ingest.members import converted_sources
from nexus_platform.knowledge import shards
from nexus_platform.settings import NexusPaths

MAX_LISTED = 50  # names listed in check metadata; the count is always complete


@dataclass
class CheckOutcome:
    name: str
    passed: bool
    severity: str  # "ERROR" | "WARN"
    description: str
    metadata: dict = field(default_factory=dict)


def load_output(paths: NexusPaths) -> pa.Table:
    columns = ["id", "text", "content_sha256", "source", "duplicate_of"]
    return shards.read_parquet(shards.parquet_path(paths), columns=columns)


def _listed(values: list[str]) -> dict:
    return {"count": len(values), "listed": values[:MAX_LISTED]}


def no_empty_text(table: pa.Table) -> CheckOutcome:
    text = table.column("text")
    empty = pc.or_(pc.is_null(text), pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(text)), 0))
    bad_ids = table.filter(empty).column("id").to_pylist()
    return CheckOutcome(
        "knowledgebase_no_empty_text",
        not bad_ids,
        "ERROR",
        f"{len(bad_ids)} record(s) with empty text",
        {"empty_records": _listed(bad_ids)},
    )


def ids_unique(table: pa.Table) -> CheckOutcome:
    counts = pc.value_counts(table.column("id"))
    repeated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1)).to_pylist()
    return CheckOutcome(
        "knowledgebase_ids_unique",
        not repeated,
        "ERROR",
        f"{len(repeated)} id(s) used by more than one record",
        {"repeated_ids": _listed(repeated)},
    )


def sources_converted(table: pa.Table, paths: NexusPaths) -> CheckOutcome:
    converted = {e.path for e in converted_sources(paths)}
    source_paths = pc.unique(pc.struct_field(table.column("source").combine_chunks(), "path"))
    unknown = sorted(p for p in source_paths.to_pylist() if p not in converted)
    return CheckOutcome(
        "knowledgebase_sources_converted",
        not unknown,
        "ERROR",
        f"{len(unknown)} source file(s) not converted in the ledger",
        {"unknown_sources": _listed(unknown)},
    )


def duplicate_share(table: pa.Table, max_share: float) -> CheckOutcome:
    duplicates = table.num_rows - table.column("duplicate_of").null_count
    share = duplicates / table.num_rows if table.num_rows else 0.0
    return CheckOutcome(
        "knowledgebase_duplicate_share",
        share <= max_share,
        "WARN",
        f"{duplicates} exact duplicate(s), {share:.1%} of records (threshold {max_share:.0%})",
        {"duplicates": duplicates, "share": round(share, 4), "threshold": max_share},
    )


def tables_have_text(manifest: dict) -> CheckOutcome:
    tables = sorted(
        t for info in manifest["files"].values() for t in info.get("tables_without_text", [])
    )
    return CheckOutcome(
        "knowledgebase_tables_have_text",
        not tables,
        "WARN",
        f"{len(tables)} table(s) without a text-like column gave no records"
        + (f": {', '.join(tables[:10])}" if tables else ""),
        {"tables_without_text": _listed(tables)},
    )


def documents_have_text(manifest: dict) -> CheckOutcome:
    documents = sorted(
        p for p, info in manifest["files"].items() if info.get("document_without_text")
    )
    return CheckOutcome(
        "knowledgebase_documents_have_text",
        not documents,
        "WARN",
        f"{len(documents)} document(s) with no extracted text (scanned PDF?)"
        + (f": {', '.join(documents[:10])}" if documents else ""),
        {"documents_without_text": _listed(documents)},
    )


def files_readable(errors: dict[str, str]) -> CheckOutcome:
    listed = [f"{path}: {message}" for path, message in sorted(errors.items())]
    return CheckOutcome(
        "knowledgebase_files_readable",
        not errors,
        "ERROR",
        f"{len(errors)} converted file(s) whose tables could not be read",
        {"errors": _listed(listed)},
    )


def run_checks(
    paths: NexusPaths, max_duplicate_share: float, errors: dict[str, str]
) -> list[CheckOutcome]:
    table = load_output(paths)
    manifest = shards.load_manifest(paths)
    return [
        no_empty_text(table),
        ids_unique(table),
        sources_converted(table, paths),
        duplicate_share(table, max_duplicate_share),
        tables_have_text(manifest),
        documents_have_text(manifest),
        files_readable(errors),
    ]
