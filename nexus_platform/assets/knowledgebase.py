"""The knowledge base (JSONL + Parquet records) and its Neo4j graph export."""

import dagster as dg

from nexus_platform.asset_keys import KNOWLEDGE_GRAPH, KNOWLEDGEBASE, PARQUET_TABLES
from nexus_platform.automation import FROM_CONVERTED_FILES, ON_UPSTREAM_CHANGE
from nexus_platform.resources.neo4j import Neo4jResource
from nexus_platform.resources.storage import NexusStorage

# (name, blocking, description). Blocking checks gate what is computed from the records
# (embeddings): an empty text or a reused id would corrupt them silently.
_CHECKS = [
    ("knowledgebase_no_empty_text", True, "No record has empty text."),
    ("knowledgebase_ids_unique", True, "Every record id is used once."),
    (
        "knowledgebase_sources_converted",
        True,
        "Every record's source file is converted in the ledger (no records of stale or "
        "quarantined files).",
    ),
    (
        "knowledgebase_duplicate_share",
        False,
        "Exact duplicates (same text in different files) stay below the configured share "
        "(config/knowledgebase.yaml, duplicates.max_share). WARN.",
    ),
    (
        "knowledgebase_tables_have_text",
        False,
        "Tables without a text-like column give no records; WARN naming them (add a rule in "
        "config/knowledgebase.yaml to choose their text columns or silence them).",
    ),
    (
        "knowledgebase_documents_have_text",
        False,
        "Documents whose extraction produced no text (scanned PDFs), named by path. WARN.",
    ),
    ("knowledgebase_files_readable", False, "Every converted file's tables could be read."),
]


class KnowledgebaseConfig(dg.Config):
    config_file: str = ""  # YAML rules; empty: the repository's config/knowledgebase.yaml


def _preview(paths, limit: int = 10) -> str:
    from nexus_platform.knowledge.query import read_records

    rows = read_records(paths, limit=limit)
    lines = ["| id | source | text |", "|---|---|---|"]
    for row in rows:
        source = row["source"]
        where = source["path"] + (f" · {source['table']}" if source.get("table") else "")
        text = row["text"][:100].replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{row['id'][:12]}` | {where} | {text} |")
    return "\n".join(lines)


@dg.asset(
    key=KNOWLEDGEBASE,
    deps=[PARQUET_TABLES],
    group_name="knowledge",
    kinds={"python", "parquet", "json"},
    automation_condition=FROM_CONVERTED_FILES,
    check_specs=[
        dg.AssetCheckSpec(name, asset=KNOWLEDGEBASE, blocking=blocking, description=description)
        for name, blocking, description in _CHECKS
    ],
)
def knowledgebase(
    context: dg.AssetExecutionContext, config: KnowledgebaseConfig, storage: NexusStorage
) -> dg.MaterializeResult:
    """Everything the team knows, as one record per table row and per document chunk.

    `knowledgebase/knowledgebase.jsonl` and `knowledgebase.parquet` hold the same records:
    a stable id, the text (tables: their prose columns; documents: chunks cut at headings,
    paragraphs and sentences, at most 200 tokens of the embedding model), the source (landing
    path, its folders, which carry the topic and sub-topic, table, row, page, chunk) and the
    other columns as metadata. Only files whose content changed are re-read.
    """
    from nexus_platform.knowledge.build import build_knowledgebase, counts_by
    from nexus_platform.knowledge.checks import load_output, run_checks
    from nexus_platform.knowledge.config import load_config
    from nexus_platform.knowledge.shards import jsonl_path, parquet_path

    paths = storage.paths()
    kb_config = load_config(config.config_file or None)
    stats = build_knowledgebase(paths, kb_config, log=context.log.info)
    outcomes = run_checks(paths, kb_config.max_duplicate_share, stats.errors)
    for outcome in outcomes:
        if not outcome.passed:
            context.log.warning(f"{outcome.name}: {outcome.description}")
    table = load_output(paths)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": stats.records,
            "files": stats.files,
            "files_rebuilt": stats.files_rebuilt,
            "files_reused": stats.files_reused,
            "files_removed": stats.files_removed,
            "records_per_second": round(stats.records_per_second, 1),
            "duplicates": stats.duplicates,
            "records_per_topic": dg.MetadataValue.json(counts_by(table, "topic")),
            "records_per_file_type": dg.MetadataValue.json(counts_by(table, "file_type")),
            "jsonl": dg.MetadataValue.path(str(jsonl_path(paths))),
            "path": dg.MetadataValue.path(str(parquet_path(paths))),
            "config": kb_config.source,
            "preview": dg.MetadataValue.md(_preview(paths)),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=o.name,
                passed=o.passed,
                severity=dg.AssetCheckSeverity(o.severity),
                description=o.description,
                metadata={
                    k: dg.MetadataValue.json(v) if isinstance(v, dict | list) else v
                    for k, v in o.metadata.items()
                },
            )
            for o in outcomes
        ],
    )


@dg.asset(
    key=KNOWLEDGE_GRAPH,
    deps=[KNOWLEDGEBASE],
    group_name="knowledge",
    kinds={"python", "csv", "neo4j"},
    automation_condition=ON_UPSTREAM_CHANGE,
)
def knowledge_graph(
    context: dg.AssetExecutionContext, storage: NexusStorage, neo4j: Neo4jResource
) -> dg.MaterializeResult:
    """The knowledge base as a graph: folders contain folders and documents, records are
    part of their document. CSV files for `neo4j-admin database import` plus a LOAD CSV
    script in `knowledgebase/graph/`; pushed to a live Neo4j when one is configured."""
    from nexus_platform.knowledge.graph_export import export_graph

    export = export_graph(storage.paths())
    pushed = neo4j.push(export, context.log)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": export.counts.get("records", 0),
            **{f"{kind}_rows": count for kind, count in export.counts.items()},
            "directory": dg.MetadataValue.path(str(export.directory)),
            "import_command": dg.MetadataValue.md(f"```\n{export.import_command}\n```"),
            "neo4j_push": dg.MetadataValue.json(pushed) if pushed is not None else "skipped",
        }
    )


def build_defs() -> dg.Definitions:
    return dg.Definitions(assets=[knowledgebase, knowledge_graph])
