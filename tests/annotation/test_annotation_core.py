"""The pure parts of annotation: the topics file, entity spans from BIO tags, label
distributions and prediction drift."""

from __future__ import annotations

import pyarrow as pa
import pytest

from nexus_platform.annotation.distribution import label_distribution, shifted_labels
from nexus_platform.annotation.entities import spans_from_tags, split_words, windows
from nexus_platform.annotation.table import ANNOTATIONS_SCHEMA
from nexus_platform.annotation.topics import (
    REPO_TOPICS_FILE,
    TopicsError,
    load_topics,
    topics_file,
)


def test_the_shipped_topics_cover_environment_social_and_governance():
    topics = load_topics(REPO_TOPICS_FILE)
    assert {label.split("/")[0] for label in topics.labels} == {
        "environment",
        "social",
        "governance",
    }
    assert all(topics.descriptions) and 0 < topics.threshold < 1


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ("threshold: 0.3\ntopics: {a: x}\ncolour: red\n", "colour", "unknown field"),
        ("topics: {a: x}\n", "threshold", "required"),
        ("threshold: '0.3'\ntopics: {a: x}\n", "threshold", "valid number"),
        ("threshold: 2\ntopics: {a: x}\n", "threshold", "less than or equal to 1"),
        ("threshold: 0.3\ntopics: {}\n", "topics", "at least 1"),
        ("threshold: 0.3\ntopics: {a: []}\n", "topics.a", "at least one description"),
    ],
)
def test_a_bad_topics_file_names_the_file_and_the_field(tmp_path, text, field, problem):
    path = tmp_path / "topics.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TopicsError) as caught:
        load_topics(path)
    assert str(path) in str(caught.value)
    assert caught.value.field == field and problem in str(caught.value)


def test_the_users_copy_replaces_the_shipped_topics(paths, nexus_home):
    assert topics_file(paths) == REPO_TOPICS_FILE
    user = nexus_home / "config" / "topics.yaml"
    user.parent.mkdir()
    user.write_text("threshold: 0.4\ntopics:\n  water: [rivers and lakes, drinking water]\n")
    assert topics_file(paths) == user
    topics = load_topics(topics_file(paths))
    assert topics.labels == ("water",) and topics.descriptions == (
        ("rivers and lakes", "drinking water"),
    )


def test_the_topics_version_follows_the_set_and_the_embedding_model(tmp_path):
    def version(text: str, model: str = "minilm@1") -> str:
        path = tmp_path / "topics.yaml"
        path.write_text(text, encoding="utf-8")
        return load_topics(path).version(model)

    base = version("threshold: 0.3\ntopics: {a: x, b: [y, z]}\n")
    assert base == version("threshold: 0.30\ntopics:\n  a: [x]\n  b: [y, z]\n")
    assert base != version("threshold: 0.31\ntopics: {a: x, b: [y, z]}\n")
    assert base != version("threshold: 0.3\ntopics: {a: x, b: [z, y]}\n")
    assert base != version("threshold: 0.3\ntopics: {a: x, b: [y, z]}\n", "other@2")


def test_words_keep_their_offsets_and_spans_come_from_bio_tags():
    text = "Rheintal Baustoffe AG cut CO2 at its tier-2 plant in Köln."
    words = split_words(text)
    assert [w for w, _, _ in words] == [
        "Rheintal", "Baustoffe", "AG", "cut", "CO2", "at", "its", "tier-2", "plant", "in",
        "Köln", ".",
    ]  # fmt: skip
    assert all(text[start:end] == word for word, start, end in words)
    tags = ["B-ORG", "I-ORG", "I-ORG", "O", "B-MAT", "O", "O", "O", "O", "O", "I-LOC", "O"]
    assert spans_from_tags(text, words, tags) == [
        {"text": "Rheintal Baustoffe AG", "type": "ORG", "start": 0, "end": 21},
        {"text": "CO2", "type": "MAT", "start": 26, "end": 29},
        {"text": "Köln", "type": "LOC", "start": 53, "end": 57},  # a stray I- starts a span
    ]


def test_long_texts_are_cut_into_windows_at_sentence_ends():
    sentence = "The plant cut its emissions by a third last year ."  # 11 words
    words = split_words(sentence * 20)
    spans = windows(words, max_words=40)
    assert spans[0] == (0, 33)  # three whole sentences fit in 40 words, four do not
    assert all(words[end - 1][0] == "." for _, end in spans)
    assert [s for span in spans for s in range(*span)] == list(range(len(words)))
    run_on = split_words("word " * 100)
    assert windows(run_on, max_words=40) == [(0, 40), (40, 80), (80, 100)]


def _table(rows: list[dict]) -> pa.Table:
    defaults = dict.fromkeys(ANNOTATIONS_SCHEMA.names)
    return pa.Table.from_pylist([{**defaults, **r} for r in rows], schema=ANNOTATIONS_SCHEMA)


def _sentiment(labels: list[str]) -> list[dict]:
    return [
        {"record_id": f"r{i}", "model": "esg_sentiment", "kind": "classification",
         "model_version": "v1", "label": label}
        for i, label in enumerate(labels)
    ]  # fmt: skip


def test_label_distribution_per_kind():
    topics = [
        {"record_id": "r0", "model": "topics", "kind": "topics", "model_version": "t",
         "labels": [{"label": "water", "score": 0.5}, {"label": "energy", "score": 0.4}]},
        {"record_id": "r1", "model": "topics", "kind": "topics", "model_version": "t",
         "labels": []},
    ]  # fmt: skip
    entities = [
        {"record_id": "r0", "model": "ner", "kind": "entities", "model_version": "v3",
         "entities": [{"text": "A", "type": "ORG", "start": 0, "end": 1},
                      {"text": "B", "type": "ORG", "start": 2, "end": 3}]},
        {"record_id": "r1", "model": "ner", "kind": "entities", "model_version": "v3",
         "entities": [{"text": "Rhine", "type": "LOC", "start": 0, "end": 5}]},
    ]  # fmt: skip
    sentiment = _sentiment(["negative", "negative", "positive", "neutral"])
    found = label_distribution(_table(sentiment + topics + entities))
    assert found["esg_sentiment"]["shares"] == {"negative": 0.5, "neutral": 0.25, "positive": 0.25}
    assert found["topics"]["shares"] == {"energy": 0.5, "water": 0.5}
    assert found["ner"] == {
        "kind": "entities",
        "model_version": "v3",
        "records": 2,
        "shares": {"LOC": 0.5, "ORG": 0.5},  # records with at least one, not mentions
    }


def test_prediction_drift_names_the_labels_whose_share_moved():
    before = label_distribution(_table(_sentiment(["negative", "positive", "neutral"] * 10)))
    steady = label_distribution(_table(_sentiment(["negative", "positive", "neutral"] * 11)))
    shifted = label_distribution(
        _table(_sentiment(["negative", "positive", "neutral"] * 10 + ["negative"] * 10))
    )
    assert shifted_labels(before, steady) == []
    moved = shifted_labels(before, shifted)
    assert [(m.model, m.label) for m in moved] == [
        ("esg_sentiment", "negative"),
        ("esg_sentiment", "neutral"),
        ("esg_sentiment", "positive"),
    ]
    assert moved[0].describe() == "esg_sentiment: negative 33.3% -> 50.0%"
    assert shifted_labels(before, shifted, max_shift=0.2) == []
    assert shifted_labels(None, shifted) == []  # nothing to compare with yet
