"""Hybrid search's lexical index and its measured quality. Thin wrappers over
nexus_platform.search; the search service (`nexus serve`) reads what these write."""

import dagster as dg

from nexus_platform.asset_keys import KNOWLEDGEBASE, LEXICAL_INDEX, SEARCH_QUALITY, VECTOR_INDEX
from nexus_platform.assets.markdown import markdown_table
from nexus_platform.automation import CHECK_AFTER_MATERIALISATION, ON_UPSTREAM_CHANGE
from nexus_platform.resources.embedder import EmbedderResource
from nexus_platform.resources.storage import NexusStorage
from nexus_platform.resources.vector_store import VectorStoreResource

QUALITY_FLOOR_CHECK = "search_quality_above_floor"
INDEXES_CURRENT_CHECK = "search_indexes_current"


@dg.asset(
    key=LEXICAL_INDEX,
    deps=[KNOWLEDGEBASE],
    group_name="search",
    kinds={"python", "parquet"},
    automation_condition=ON_UPSTREAM_CHANGE,
)
def lexical_index(context: dg.AssetExecutionContext, storage: NexusStorage) -> dg.MaterializeResult:
    """The BM25 index of hybrid search (`search/`): the exact words, codes and names of every
    knowledge-base record ("ESRS E1", "CEM III/A", company names), which the embeddings alone
    may not tell apart. Only records whose text changed are tokenised again."""
    from nexus_platform.embeddings.records import knowledgebase_file
    from nexus_platform.search.lexical import TOKENS_FILE, update_lexical_index

    paths = storage.paths()
    update = update_lexical_index(knowledgebase_file(paths), paths.search)
    context.log.info(
        f"{update.tokenized} records tokenised, {update.reused} reused, {update.removed} removed; "
        f"BM25 over {update.vocabulary} terms"
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": update.total,
            "tokenized": update.tokenized,
            "reused": update.reused,
            "removed": update.removed,
            "vocabulary": update.vocabulary,
            "tokenize_seconds": round(update.tokenize_seconds, 3),
            "build_seconds": round(update.build_seconds, 3),
            "rewritten": update.written,
            "fingerprint": update.fingerprint,
            "path": dg.MetadataValue.path(str(paths.search / TOKENS_FILE)),
        }
    )


@dg.asset_check(
    asset=lexical_index, blocking=True, automation_condition=CHECK_AFTER_MATERIALISATION
)
def lexical_index_matches_knowledgebase(storage: NexusStorage) -> dg.AssetCheckResult:
    """The lexical index was built from the knowledge base as it is now (same records, same
    texts), so search finds every record by its words."""
    from nexus_platform.embeddings.records import knowledgebase_file, read_records
    from nexus_platform.search.lexical import read_lexical_manifest, records_fingerprint

    paths = storage.paths()
    records = read_records(knowledgebase_file(paths), ["content_sha256"])
    expected = records_fingerprint(
        records.column("id").to_pylist(), records.column("content_sha256").to_pylist()
    )
    manifest = read_lexical_manifest(paths.search) or {}
    return dg.AssetCheckResult(
        passed=manifest.get("fingerprint") == expected,
        metadata={"records": len(records), "indexed": manifest.get("count", 0)},
    )


@dg.asset(
    key=SEARCH_QUALITY,
    deps=[VECTOR_INDEX, LEXICAL_INDEX],
    group_name="search",
    kinds={"python"},
    automation_condition=ON_UPSTREAM_CHANGE,
    check_specs=[
        dg.AssetCheckSpec(
            QUALITY_FLOOR_CHECK,
            asset=SEARCH_QUALITY,
            description="Recall@k and MRR of every mode reach the floor set in the query file.",
        ),
        dg.AssetCheckSpec(
            INDEXES_CURRENT_CHECK,
            asset=SEARCH_QUALITY,
            description="The lexical index and the vectors match the knowledge base, and every "
            "mode (hybrid, dense, lexical) answers.",
        ),
    ],
)
def search_quality(
    context: dg.AssetExecutionContext,
    storage: NexusStorage,
    embedder: EmbedderResource,
    vector_store: VectorStoreResource,
) -> dg.MaterializeResult:
    """How well search finds what people look for: recall@k and MRR of hybrid, dense and
    lexical search on a labelled query set (`config/search_queries.yaml`, or the user's copy
    in NEXUS_HOME/config/), overall and for exact (codes, names) and paraphrased queries."""
    from nexus_platform.search.engine import MODES, SearchEngine
    from nexus_platform.search.quality import engine_search, evaluate, load_query_set, queries_file

    paths = storage.paths()
    source = queries_file(paths)
    query_set = load_query_set(source)
    location = vector_store.location()
    engine = SearchEngine(paths, location if location.url else None, embedder=embedder.embedder())
    snapshot = engine.snapshot()
    report = evaluate(query_set, engine_search(engine), snapshot.catalog)
    k = report.k
    metadata: dict = {
        "dagster/row_count": report.queries,
        "queries_file": dg.MetadataValue.path(str(source)),
        "k": k,
    }
    rows = []
    for mode in MODES:
        quality = report.modes[mode]
        metadata[f"{mode}_recall_at_{k}"] = round(quality.recall, 4)
        metadata[f"{mode}_mrr"] = round(quality.mrr, 4)
        rows.append([mode, "all", f"{quality.recall:.3f}", f"{quality.mrr:.3f}", report.queries])
        for kind, values in quality.by_kind.items():
            rows.append(
                [mode, kind, f"{values['recall']:.3f}", f"{values['mrr']:.3f}", values["queries"]]
            )
    metadata["quality"] = dg.MetadataValue.md(
        markdown_table(["mode", "queries", f"recall@{k}", "MRR", "n"], rows)
    )
    misses = {mode: q.misses for mode, q in report.modes.items() if q.misses}
    if misses:
        metadata["misses"] = dg.MetadataValue.json(misses)
    if report.unresolved:
        metadata["labels_matching_no_record"] = dg.MetadataValue.json(report.unresolved)
    context.log.info(
        ", ".join(
            f"{m}: recall@{k} {q.recall:.3f} MRR {q.mrr:.3f}" for m, q in report.modes.items()
        )
    )

    below = report.failures(query_set.floor)
    stale = snapshot.stale()
    broken = {m: q.error for m, q in report.modes.items() if q.error}
    problems = [f"{name} index is older than the knowledge base" for name in stale]
    problems += [f"{mode} search fails: {error}" for mode, error in broken.items()]
    problems += [f"{part} did not load: {error}" for part, error in snapshot.errors.items()]
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=[
            dg.AssetCheckResult(
                check_name=QUALITY_FLOOR_CHECK,
                passed=not below,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={
                    "below_floor": ", ".join(below) or "none",
                    "floor": dg.MetadataValue.json(
                        {m: f.model_dump() for m, f in query_set.floor.items()}
                    ),
                },
            ),
            dg.AssetCheckResult(
                check_name=INDEXES_CURRENT_CHECK,
                passed=not problems,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={"problems": "; ".join(problems) or "none"},
            ),
        ],
    )


def build_defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[lexical_index, search_quality],
        asset_checks=[lexical_index_matches_knowledgebase],
    )
