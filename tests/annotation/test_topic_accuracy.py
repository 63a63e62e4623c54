"""Zero-shot ESG topics of the shipped label set on statements whose topic is obvious to a
reader (tests/annotation/topic_examples.yaml, written independently of the descriptions).

Scores: top-1 accuracy (the best label above the threshold is the statement's topic; a
statement without a topic must get none) and micro-F1 over (statement, label) pairs, which
also punishes extra labels. Measured with all-MiniLM-L6-v2: accuracy 0.91, F1 0.82. The
floors sit below that and above what a broken threshold gives (-1: F1 0.16; 0.5: accuracy
0.41) or a shuffled label set (accuracy 0.15, F1 0.04).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from nexus_platform.annotation.topics import REPO_TOPICS_FILE, TopicScorer, TopicSet, load_topics

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).with_name("topic_examples.yaml")
MIN_ACCURACY = 0.8
MIN_F1 = 0.7


@pytest.fixture(scope="module")
def embedder():
    from nexus_platform.embeddings.local import local_embedder

    return local_embedder()


@pytest.fixture(scope="module")
def examples(embedder):
    raw = yaml.safe_load(EXAMPLES.read_text(encoding="utf-8"))
    texts = [t for group in raw.values() for t in group]
    gold = [set() if topic == "none" else {topic} for topic, group in raw.items() for _ in group]
    return embedder.embed(texts), gold


def scores(topics: TopicSet, embedder, examples) -> tuple[float, float]:
    vectors, gold = examples
    found = TopicScorer(topics, embedder).labels(vectors)
    predicted = [{t["label"] for t in labels} for labels in found]
    best = [labels[0] if labels else None for labels in found]
    top1 = sum((b["label"] in g) if b else not g for b, g in zip(best, gold, strict=True)) / len(
        gold
    )
    true_pos = sum(len(p & g) for p, g in zip(predicted, gold, strict=True))
    precision = true_pos / max(1, sum(map(len, predicted)))
    recall = true_pos / max(1, sum(map(len, gold)))
    f1 = 2 * precision * recall / (precision + recall) if true_pos else 0.0
    return top1, f1


def test_shipped_topics_label_obvious_statements(embedder, examples, record_property):
    topics = load_topics(REPO_TOPICS_FILE)
    top1, f1 = scores(topics, embedder, examples)
    record_property("topic_top1_accuracy", round(top1, 3))
    record_property("topic_micro_f1", round(f1, 3))
    print(f"zero-shot topics on {len(examples[1])} statements: accuracy {top1:.3f}, F1 {f1:.3f}")
    assert top1 >= MIN_ACCURACY, f"top-1 accuracy {top1:.3f}"
    assert f1 >= MIN_F1, f"micro-F1 {f1:.3f}"


@pytest.mark.parametrize("threshold", [-1.0, 0.0, 0.5, 0.95])
def test_a_broken_threshold_falls_below_the_floor(embedder, examples, threshold):
    topics = dataclasses.replace(load_topics(REPO_TOPICS_FILE), threshold=threshold)
    top1, f1 = scores(topics, embedder, examples)
    assert top1 < MIN_ACCURACY or f1 < MIN_F1, (threshold, top1, f1)


def test_a_shuffled_label_set_falls_below_the_floor(embedder, examples):
    topics = load_topics(REPO_TOPICS_FILE)
    # Every label gets the next label's descriptions: the same texts, the wrong names.
    shifted = topics.descriptions[1:] + topics.descriptions[:1]
    top1, f1 = scores(dataclasses.replace(topics, descriptions=shifted), embedder, examples)
    assert top1 < MIN_ACCURACY and f1 < MIN_F1, (top1, f1)
