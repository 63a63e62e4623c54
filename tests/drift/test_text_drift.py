"""Embedding and text-property drift with the bundled MiniLM model and real deepchecks."""

from __future__ import annotations

from dataclasses import replace

import pytest
from drift_tables import FINANCE, SPORT, make_frame

from nexus_platform.drift.report import check_table
from nexus_platform.drift.text_drift import text_properties


@pytest.fixture(scope="module")
def embedder():
    from nexus_platform.embeddings.local import local_embedder

    return local_embedder()


def test_text_properties_are_computed_locally():
    props = text_properties(["Hello world!", "", "ABC 123"])
    assert props["Word Count"].tolist() == [2.0, 0.0, 2.0]
    assert props["Text Length"].tolist() == [12.0, 0.0, 7.0]
    assert props["% Digits"].iloc[2] == pytest.approx(3 / 7)


@pytest.mark.slow  # loads the embedding model and embeds ~320 texts
def test_shifted_topic_is_flagged_and_same_topic_passes(settings, embedder):
    settings = replace(settings, embedding_sample_rows=80)
    reference = make_frame(1, rows=80, texts=SPORT)

    same = check_table(
        make_frame(2, rows=80, texts=SPORT),
        reference,
        table="t",
        settings=settings,
        label="label",
        text=("text",),
        embedder=embedder,
    )
    assert same.drift_ok, [o.message for o in same.drift]
    assert same.embedding_drift["text"]["drift_score"] < settings.thresholds.embedding_drift
    assert "text" not in same.drifted_columns

    shifted = check_table(
        make_frame(2, rows=80, texts=FINANCE),
        reference,
        table="t",
        settings=settings,
        label="label",
        text=("text",),
        embedder=embedder,
    )
    text = shifted.embedding_drift["text"]
    assert shifted.drifted_columns == ["text"]  # the numeric, categorical and label columns held
    assert text["embedding_drifted"] and text["drift_score"] > 0.8
    assert text["domain_classifier_auc"] > 0.9
    assert text["embedded_rows"] == {"reference": 80, "incoming": 80}
    assert text["model_id"].startswith("sentence-transformers/all-MiniLM-L6-v2")
    outcome = next(o for o in shifted.drift if o.name == "embedding_drift:text")
    assert outcome.failed and "AUC" in outcome.message
    assert any(o.name == "text_outliers:text" for o in shifted.integrity)


def test_missing_text_column_fails_integrity(settings):
    report = check_table(
        make_frame(1), None, table="t", settings=settings, text=("body",), embedder=lambda: None
    )
    failed = [o for o in report.integrity if o.failed]
    assert [o.name for o in failed] == ["text_columns_present"]
    assert "['body']" in failed[0].message
