"""Hybrid search over the real sample knowledge base: modes, filters, freshness, push-down."""

from __future__ import annotations

import json

import numpy as np
import pytest
from search_kb import SENTIMENT_FILE, WATER_TOPIC, rewrite_record

from nexus_platform.embeddings.records import knowledgebase_file
from nexus_platform.search.engine import MODES, NotReady, SearchEngine

XLSX = "materials/lca/oekobaudat_materials_excerpt.xlsx"


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_finds_an_exact_code(engine, mode):
    response = engine.search("CEM III/A", k=5, mode=mode)
    top = response.results[0]
    assert (top.source["path"], top.source["row"]) == (XLSX, 7)
    assert top.text == "Blast-furnace cement CEM III/A"
    # Lexical search returns only records that share a term with the query.
    assert response.mode == mode and len(response.results) == (2 if mode == "lexical" else 5)
    scores = [r.score for r in response.results]
    assert scores == sorted(scores, reverse=True)


def test_hybrid_finds_what_dense_alone_misses(engine):
    """A place name the embedding model does not know: dense misses the page, hybrid has it."""
    report = "climate/reports/rheintal_baustoffe_sustainability_report_2023.pdf"

    def pages(mode):
        return [
            (r.source["path"], r.source["page"])
            for r in engine.search("Mannheim electric calciner", k=5, mode=mode).results
        ]

    assert (report, 1) not in pages("dense")
    assert (report, 1) in pages("hybrid")


def test_filters_keep_only_matching_records(engine, sentiment_of):
    folder = engine.search("emissions", k=30, where=["folder=climate"])
    assert folder.results and all(r.source["folders"][0] == "climate" for r in folder.results)
    nested = engine.search("emissions", k=30, where=["folder=/climate/reports/"])
    assert {r.source["path"].rsplit("/", 1)[0] for r in nested.results} == {"climate/reports"}

    pdf = engine.search("emissions", k=30, mode="lexical", where=["file_type=.PDF"])
    assert pdf.results and all(r.source["file_type"] == "pdf" for r in pdf.results)

    unfiltered = engine.search("company was criticised", k=30)
    assert any(sentiment_of.get(r.id) != "negative" for r in unfiltered.results)
    negative = engine.search("company was criticised", k=30, where=["esg_sentiment=negative"])
    assert len(negative.results) == 30
    assert all(sentiment_of[r.id] == "negative" for r in negative.results)
    assert negative.matching == sum(label == "negative" for label in sentiment_of.values())
    assert all(r.annotations["esg_sentiment"]["label"] == "negative" for r in negative.results)
    assert negative.results[0].annotations["esg_sentiment"]["dvc_hash"] == "0f3c9a"

    water = engine.search("plant", k=10, where=[f"topic={WATER_TOPIC}", "folder=nlp"])
    assert water.results
    for result in water.results:
        assert "water" in result.text.lower() and result.source["folders"][0] == "nlp"
        assert result.annotations["topics"][0]["label"] == WATER_TOPIC
    plain = engine.search("CEM III/A", k=1).results[0]
    assert plain.annotations == {}


@pytest.mark.parametrize(
    ("where", "emptied_by", "says"),
    [
        (["file_type=docxx"], "file_type=docxx", "file types: csv, docx"),
        (["folder=climate", "file_type=xlsx"], "file_type=xlsx", "together with folder=climate"),
        (["esg_sentiment=furious"], "esg_sentiment=furious", "labels: negative, neutral"),
        (["emotion=joy"], "emotion=joy", "annotated tasks: esg_sentiment"),
        (["topic=governance/bribery"], "topic=governance/bribery", WATER_TOPIC),
    ],
)
def test_a_filter_that_empties_the_result_is_named_without_loading_the_model(
    sample_home, monkeypatch, where, emptied_by, says
):
    def no_model(*_args, **_kwargs):
        raise AssertionError("the model must not load for an empty filter")

    monkeypatch.setattr("nexus_platform.embeddings.search.query_embedder", no_model)
    response = SearchEngine(sample_home).search("cement", k=5, where=where)
    assert response.results == [] and response.matching == 0
    assert response.emptied_by == emptied_by
    assert says in response.empty_reason


def test_bad_input_is_refused(engine):
    with pytest.raises(ValueError, match="empty"):
        engine.search("  ")
    with pytest.raises(ValueError, match="mode"):
        engine.search("cement", mode="fuzzy")
    with pytest.raises(ValueError, match="key=value"):
        engine.search("cement", where=["pdf"])


def test_indexes_older_than_the_knowledge_base_are_reported_and_reloaded(copy_home):
    from nexus_platform.search.lexical import update_lexical_index

    paths = copy_home()
    engine = SearchEngine(paths)
    assert engine.snapshot().stale() == []
    changed = rewrite_record(paths, 5, "Quarzsandwerk Obernkirchen switches to rail freight")
    assert engine.refresh() is True
    assert sorted(engine.snapshot().stale()) == ["dense", "lexical"]
    assert engine.search("Obernkirchen", mode="lexical").results == []

    update_lexical_index(knowledgebase_file(paths), paths.search)
    engine.refresh()
    assert engine.snapshot().stale() == ["dense"]
    found = engine.search("Obernkirchen", mode="lexical")
    assert [r.id for r in found.results] == [changed] and found.stale == ["dense"]
    assert engine.refresh() is False  # nothing changed since


def test_missing_indexes_say_what_to_materialise(copy_home):
    import shutil

    paths = copy_home()
    shutil.rmtree(paths.search.path)
    engine = SearchEngine(paths)
    with pytest.raises(NotReady, match="materialise lexical_index"):
        engine.search("cement", mode="lexical")
    with pytest.raises(NotReady, match="materialise lexical_index"):
        engine.search("cement", mode="hybrid")


def test_qdrant_push_down_agrees_with_the_in_memory_vectors(copy_home, search_embedder):
    """The production back end (a Qdrant collection; local mode here) with every filter pushed
    down gives the same records as the in-memory matrix."""
    from nexus_platform.embeddings.index import IndexLocation, open_index, record_payloads
    from nexus_platform.embeddings.records import read_records, source_dicts
    from nexus_platform.embeddings.store import (
        embeddings_file,
        read_embeddings,
        read_manifest,
        vectors_of,
    )
    from nexus_platform.search.dense import MatrixDense, QdrantDense
    from nexus_platform.search.filters import parse_where

    paths = copy_home()
    manifest = read_manifest(paths)
    table = read_embeddings(embeddings_file(paths))
    records = read_records(knowledgebase_file(paths), ["text", "source"])
    sources = source_dicts(records)
    # Qdrant's local mode is slow to fill: the sentiment rows and the documents suffice.
    keep = [i for i, s in enumerate(sources) if s["path"] == SENTIMENT_FILE or s["row"] is None]
    payloads = record_payloads(
        [records.column("id")[i].as_py() for i in keep],
        [table.column("content_sha256")[i].as_py() for i in keep],
        [records.column("text")[i].as_py() for i in keep],
        [sources[i] for i in keep],
        manifest["model"],
    )
    location = IndexLocation(path=paths.qdrant.path)
    with open_index(location, manifest["model"], manifest["dim"]) as index:
        index.sync([p["record_id"] for p in payloads], vectors_of(table)[keep], payloads)

    catalog = SearchEngine(paths).snapshot().catalog
    in_index = np.zeros(len(catalog), dtype=bool)
    in_index[keep] = True
    memory = MatrixDense.load(paths, catalog)
    qdrant = QdrantDense(location, paths, catalog)
    try:
        vector = search_embedder.embed(["a company accused of pollution"])[0]
        for where in ([], ["folder=nlp/sentiment"], ["esg_sentiment=negative", "file_type=csv"]):
            wheres = parse_where(where)
            allowed = catalog.filters.apply(wheres).mask
            expected = memory.search(
                vector, 8, in_index if allowed is None else in_index & allowed, wheres
            )
            got = qdrant.search(vector, 8, allowed, wheres)
            assert [r for r, _ in got] == [r for r, _ in expected]
            assert np.allclose([s for _, s in got], [s for _, s in expected], atol=1e-4)
            if where:
                assert all(allowed[r] for r, _ in got)
    finally:
        qdrant.close()


def test_record_carries_source_metadata_and_annotations(engine, sentiment_of):
    record_id = next(i for i, label in sentiment_of.items() if label == "positive")
    record = engine.record(record_id)
    assert record["source"]["path"] == SENTIMENT_FILE
    assert record["metadata"]["label"] == "positive"
    assert record["annotations"]["esg_sentiment"]["label"] == "positive"
    assert engine.record("no-such-id") is None
    assert json.dumps(record)  # JSON-ready
