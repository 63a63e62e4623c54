"""Search quality measured on the sample data, the labelled query files, and the
`search_quality` asset with its checks (which must fail on a stale index or a broken mode)."""

from __future__ import annotations

import shutil

import dagster as dg
import pytest

from nexus_platform.search.quality import (
    REPO_QUERIES_FILE,
    LabelledQuery,
    QueriesError,
    QuerySet,
    engine_search,
    evaluate,
    load_query_set,
    queries_file,
)

REPORT = "climate/reports/rheintal_baustoffe_sustainability_report_2023.pdf"
POLICY = "climate/reports/climate_transition_policy.md"
NOTES = "governance/regulation/csrd_eu_taxonomy_notes.docx"
CODE = "governance/policies/supplier_code_of_conduct.txt"
XLSX = "materials/lca/oekobaudat_materials_excerpt.xlsx"
AUDIT = "_inbox/supplier_audit_summary_2023_owner_locked.pdf"
TAXONOMY = "governance/regulation/eu_taxonomy_overview.html"

# Codes, names and rare words, each with the one place that holds it.
EXACT = [
    ("Mannheim electric calciner", {"path": REPORT, "page": 1}),
    ("clinker factor 0.62", {"path": POLICY}),
    ("Omnibus package", {"path": NOTES}),
    ("Wetzlar lime works", {"path": REPORT, "page": 3}),
    ("Scope 3 categories 1, 3, 4, 9 and 12", {"path": REPORT, "page": 3}),
    ("1.4 million tonnes of concrete rubble", {"path": REPORT, "page": 4}),
    ("EUR 100 per tonne", {"path": POLICY}),
    ("CEM III/A", {"path": XLSX, "row": 7}),
    ("C30/37", {"path": XLSX, "row": 1}),
    ("Kesseltausch", {"path": "climate/emissions/werke_emissionen_2022_2023.csv", "row": 13}),
    (
        "Calder & Finch Retail EPD",
        {"path": "social/reviews/stakeholder_statements.jsonl", "row": 83},
    ),
    ("Tarragona groundwater", {"path": "nlp/sentiment/esg_sentiment.csv", "row": 403}),
    ("XBRL", {"path": NOTES}),
    ("LkSG due diligence", {"path": CODE}),
]
# The same meaning in other words.
PARAPHRASED = [
    ("how the firm plans to cut emissions from its kilns", {"path": POLICY}),
    ("suppliers must set science-based climate goals", {"path": CODE}),
    ("bribery is forbidden for suppliers", {"path": CODE}),
    ("what happens when a supplier breaks the rules", {"path": CODE}),
    ("company-wide greenhouse gas figures for the last three years", {"path": REPORT, "page": 3}),
    ("safety obligations of suppliers towards their workers", {"path": CODE}),
    ("timber releases its stored carbon when burned", {"path": XLSX}),
    ("audits done remotely instead of on site", {"path": AUDIT, "page": 1}),
    ("how progress on climate is tied to managers' pay", {"path": POLICY}),
    ("replacing natural gas burners with electric heat", {"path": POLICY}),
    ("forced or child labour at suppliers is banned", {"path": CODE}),
    ("how fast suppliers must tell us about serious accidents", {"path": CODE}),
    ("workers were questioned without their bosses present", {"path": AUDIT, "page": 1}),
    ("a haulage firm let its drivers work too long", {"path": AUDIT, "page": 2}),
    ("most direct emissions come from turning limestone into clinker", {"path": REPORT, "page": 2}),
    ("risks under different global warming scenarios", {"path": REPORT, "page": 2}),
    ("what banks disclose instead of the taxonomy-aligned share", {"path": TAXONOMY}),
    ("the reporting deadlines were pushed back by two years", {"path": NOTES}),
    ("investment in plants that will qualify as sustainable later", {"path": NOTES}),
    ("greenwashing risk: treating eligible activities as aligned", {"path": TAXONOMY}),
]
# Hybrid may lose at most this much recall@5 to dense on paraphrased queries.
PARAPHRASE_MARGIN = 0.10


def _query_set(pairs, k=5) -> QuerySet:
    return QuerySet(k=k, queries=tuple(LabelledQuery(query=q, relevant=(t,)) for q, t in pairs))


def test_hybrid_beats_dense_on_exact_codes_and_names(engine):
    report = evaluate(_query_set(EXACT), engine_search(engine), engine.snapshot().catalog)
    assert report.unresolved == []
    hybrid, dense = report.modes["hybrid"], report.modes["dense"]
    assert hybrid.recall > dense.recall, (hybrid.misses, dense.misses)
    assert hybrid.recall >= 0.9


def test_hybrid_keeps_up_with_dense_on_paraphrases(engine):
    report = evaluate(_query_set(PARAPHRASED), engine_search(engine), engine.snapshot().catalog)
    assert report.unresolved == []
    hybrid, dense = report.modes["hybrid"], report.modes["dense"]
    assert hybrid.recall >= dense.recall - PARAPHRASE_MARGIN, (hybrid.misses, dense.misses)


def test_the_shipped_query_set_resolves_and_meets_its_floors(engine):
    query_set = load_query_set(REPO_QUERIES_FILE)
    report = evaluate(query_set, engine_search(engine), engine.snapshot().catalog)
    assert report.unresolved == []
    assert report.failures(dict(query_set.floor)) == []
    assert {"exact", "paraphrase"} <= set(report.modes["hybrid"].by_kind)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ("queries: []", "queries", "at least 1"),
        (
            "queries:\n  - query: x\n    relevant: [{path: a.csv, id: r1}]",
            "queries[0].relevant[0]",
            "either id or path",
        ),
        (
            "queries:\n  - query: x\n    relevant: [{path: a.csv}]\n    kind: fuzzy",
            "queries[0].kind",
            "exact",
        ),
        (
            "floor: {hybrid: {recal: 0.5}}\nqueries:\n  - query: x\n    relevant: [{id: r}]",
            "floor.hybrid.recal",
            "did you mean 'recall'",
        ),
        ("k: 500\nqueries:\n  - query: x\n    relevant: [{id: r}]", "k", "100"),
    ],
)
def test_a_bad_query_file_names_the_file_and_the_field(tmp_path, body, field, message):
    path = tmp_path / "search_queries.yaml"
    path.write_text(body)
    with pytest.raises(QueriesError) as raised:
        load_query_set(path)
    assert raised.value.file == str(path) and raised.value.field == field
    assert message in str(raised.value)


def test_the_users_copy_replaces_the_shipped_file(paths):
    assert queries_file(paths) == REPO_QUERIES_FILE
    user = paths.home / "config" / "search_queries.yaml"
    user.parent.mkdir(parents=True)
    user.write_text("queries:\n  - query: x\n    relevant: [{id: r}]\n")
    assert str(queries_file(paths)) == user.path


def _materialize(paths):
    from nexus_platform.assets.search import search_quality
    from nexus_platform.resources.embedder import EmbedderResource
    from nexus_platform.resources.storage import NexusStorage
    from nexus_platform.resources.vector_store import VectorStoreResource

    result = dg.materialize(
        [search_quality],
        resources={
            "storage": NexusStorage(home=str(paths.home)),
            "embedder": EmbedderResource(),
            "vector_store": VectorStoreResource(path=paths.qdrant.path),
        },
    )
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    metadata = result.asset_materializations_for_node("search_quality")[0].metadata
    return checks, metadata


@pytest.mark.slow
def test_search_quality_asset_reports_every_mode_and_passes_on_current_indexes(
    copy_home, search_embedder
):
    checks, metadata = _materialize(copy_home())
    assert checks["search_quality_above_floor"].passed
    assert checks["search_indexes_current"].passed
    for mode in ("hybrid", "dense", "lexical"):
        assert 0.0 < metadata[f"{mode}_recall_at_10"].value <= 1.0
        assert 0.0 < metadata[f"{mode}_mrr"].value <= 1.0
    assert metadata["hybrid_recall_at_10"].value >= metadata["dense_recall_at_10"].value
    assert "| hybrid | exact |" in metadata["quality"].value


@pytest.mark.slow
def test_search_quality_check_fails_on_a_stale_index(copy_home, search_embedder):
    from nexus_platform.embeddings.records import knowledgebase_file
    from nexus_platform.knowledge.build import build_knowledgebase
    from nexus_platform.knowledge.config import load_config

    paths = copy_home()
    # A landing file leaves and the knowledge base is rebuilt; the indexes are not.
    (paths.landing / "nlp" / "emotion" / "stakeholder_emotion.csv").unlink()
    from nexus_platform.ingest.ledger import Ledger

    Ledger(paths).mark_stale("nlp/emotion/stakeholder_emotion.csv")
    build_knowledgebase(paths, load_config())
    assert knowledgebase_file(paths).exists()
    checks, _ = _materialize(paths)
    problems = checks["search_indexes_current"].metadata["problems"].value
    assert not checks["search_indexes_current"].passed
    assert "lexical index is older" in problems and "dense index is older" in problems


@pytest.mark.slow
def test_search_quality_check_fails_when_a_mode_is_broken(copy_home, search_embedder):
    from nexus_platform.search.lexical import BUILDS_DIR

    paths = copy_home()
    shutil.rmtree((paths.search / BUILDS_DIR).path)  # the BM25 matrix is gone
    checks, metadata = _materialize(paths)
    assert not checks["search_indexes_current"].passed
    problems = checks["search_indexes_current"].metadata["problems"].value
    assert "lexical search fails" in problems and "hybrid search fails" in problems
    assert not checks["search_quality_above_floor"].passed
    assert metadata["dense_recall_at_10"].value > 0.5  # the other mode still works


def test_lexical_index_and_search_quality_refresh_by_themselves():
    """Declarative automation: the lexical index follows the knowledge base, search_quality
    follows the vectors and the lexical index, with no one asking."""
    from nexus_platform.assets.search import lexical_index, search_quality
    from nexus_platform.resources.embedder import EmbedderResource
    from nexus_platform.resources.storage import NexusStorage
    from nexus_platform.resources.vector_store import VectorStoreResource

    defs = dg.Definitions(
        assets=[
            dg.AssetSpec("knowledgebase"),
            dg.AssetSpec("vector_index"),
            lexical_index,
            search_quality,
        ],
        resources={  # never used: nothing runs here
            "storage": NexusStorage(home="/nonexistent"),
            "embedder": EmbedderResource(),
            "vector_store": VectorStoreResource(path="/nonexistent"),
        },
    )

    def requested(instance, cursor):
        result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
        keys = {"lexical_index", "search_quality"}
        return {k for k in keys if result.get_num_requested(dg.AssetKey(k))}, result.cursor

    with dg.instance_for_test() as instance:
        keys, cursor = requested(instance, None)
        assert keys == set()  # nothing upstream yet
        instance.report_runless_asset_event(dg.AssetMaterialization("knowledgebase"))
        keys, cursor = requested(instance, cursor)
        assert keys == {"lexical_index"}
        instance.report_runless_asset_event(dg.AssetMaterialization("lexical_index"))
        keys, cursor = requested(instance, cursor)
        assert keys == set()  # the vectors are not there yet
        instance.report_runless_asset_event(dg.AssetMaterialization("vector_index"))
        keys, cursor = requested(instance, cursor)
        assert keys == {"search_quality"}
