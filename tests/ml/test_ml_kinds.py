"""Each task kind end to end with the real model on small data: entities (MiniLM fine-tuned),
the knowledge-base language model (+ `nexus lm`), multi-label MLP and backbone fine-tuning."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
from ml_synthetic import entity_rows, kb_texts, sentiment_rows, to_csv

from nexus_platform.ml import pipeline
from nexus_platform.ml.spec import load_spec


def _stages(spec, paths):
    pipeline.prepare_dataset(spec, paths)
    epochs = []
    summary = pipeline.train(spec, paths, on_epoch=lambda e, m: epochs.append((e, m)))
    report, png = pipeline.evaluate(spec, paths)
    robustness = pipeline.robustness(spec, paths)
    return summary, epochs, report, png, robustness


@pytest.mark.slow
def test_entity_recognition_end_to_end(land, write_spec, paths):
    import torch

    torch.set_num_threads(
        1
    )  # CI cores are shared: spinning OpenMP threads cost more than they give
    land("nlp/entities.csv", to_csv(entity_rows(64)))
    spec = load_spec(
        write_spec(
            {
                "name": "ents",
                "kind": "token_classification",
                "source": "landing/nlp/entities.csv",
                "tokens_column": "tokens",
                "tags_column": "tags",
                "split": {"test_size": 0.25, "seed": 1},
                "model": {"epochs": 3, "batch_size": 16, "learning_rate": 2e-4},
            }
        )
    )
    summary, epochs, report, png, robustness = _stages(spec, paths)
    assert [e for e, _ in epochs] == [0, 1, 2]
    assert epochs[-1][1]["train_loss"] < epochs[0][1]["train_loss"]
    assert summary["device"] == "cpu"
    assert set(report["per_class"]) == {"ORG", "MATERIAL", "LOCATION", "REGULATION"}
    assert report["entity_f1"] >= 0.5, report
    assert png[:4] == b"\x89PNG"
    assert set(robustness["perturbations"]) == {
        "typos",
        "casing",
        "punctuation",
        "word_dropout",
        "synonyms",
    }
    assert robustness["baseline"] == report["entity_f1"]  # same model, same clean test set
    assert pipeline.gates(spec, report, robustness).quality_passed


def test_language_model_end_to_end_and_cli(knowledgebase, write_spec, paths, capsys):
    from nexus_platform.cli import lm

    knowledgebase(kb_texts(150))
    spec = load_spec(
        write_spec(
            {
                "name": "kb_lm",
                "kind": "language_model",
                "source": "knowledgebase",
                "split": {"test_size": 0.1, "seed": 3},
                "model": {"order": 3, "window": 4, "min_count": 2},
            }
        )
    )
    summary, _, report, png, robustness = _stages(spec, paths)
    assert png is None and report["vocab_size"] > 20
    assert 1.0 < report["perplexity"] < 20.0  # held-out records reuse the corpus' sentences
    assert robustness["higher_is_better"] is False
    assert robustness["perturbations"]["typos"]["drop"] > 0  # misspelt words are unknown
    assert pipeline.gates(spec, report, robustness).quality_passed

    def cli(*argv):
        parser = argparse.ArgumentParser()
        lm.register(parser.add_subparsers())
        args = parser.parse_args(list(argv))
        code = args.func(args)
        return code, capsys.readouterr().out

    code, out = cli("lm", "related", "steel", "--json")
    related = [r["term"] for r in json.loads(out)]
    assert code == 0 and "recycled" in related[:5]
    _, fluent = cli(
        "lm", "score", "Recycled steel lowers the embodied carbon of the building.", "--json"
    )
    _, odd = cli("lm", "score", "Building the carbon of steel embodied lowers recycled.", "--json")
    assert json.loads(fluent)["perplexity"] < json.loads(odd)["perplexity"]


TOPICS = {
    "environment": ("emissions", "pollution", "spill", "renewable", "climate", "waste", "carbon"),
    "social": ("worker", "labour", "residents", "safety"),
}


def _multilabel_rows():
    rows = []
    for row in sentiment_rows(15):
        topics = [t for t, words in TOPICS.items() if any(w in row["text"].lower() for w in words)]
        rows.append({"text": row["text"], "labels": "|".join(topics or ["governance"])})
    return rows


@pytest.mark.slow
def test_multi_label_mlp_head(land, write_spec, paths):
    land("nlp/topics.csv", to_csv(_multilabel_rows()))
    spec = load_spec(
        write_spec(
            {
                "name": "topics",
                "kind": "text_classification",
                "source": "landing/nlp/topics.csv",
                "label_column": "labels",
                "multi_label": True,
                "split": {"test_size": 0.3, "seed": 2},
                "model": {"type": "mlp", "epochs": 60},
                "robustness": {"perturbations": ["casing"]},
            }
        )
    )
    summary, epochs, report, _, robustness = _stages(spec, paths)
    assert len(epochs) == 60 and epochs[-1][1]["train_loss"] < epochs[0][1]["train_loss"] / 3
    assert set(report["per_class"]) == {"environment", "governance", "social"}
    assert report["macro_f1"] >= 0.7, report
    assert report["confusion_axes"]["columns"] == ["TN", "FP", "FN", "TP"]
    assert list(robustness["perturbations"]) == ["casing"]


@pytest.mark.slow
def test_fine_tuning_the_backbone(tmp_path):
    from nexus_platform.embeddings.local import local_embedder
    from nexus_platform.ml.text_classification import (
        TextClassifier,
        TextClassifierConfig,
        train_text_classifier,
    )

    rows = sentiment_rows(8)
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    config = TextClassifierConfig.from_spec(
        {"type": "fine_tune", "fine_tune_epochs": 1, "batch_size": 8}
    )
    epochs = []
    model = train_text_classifier(
        texts,
        labels,
        ["negative", "neutral", "positive"],
        False,
        config,
        on_epoch=lambda e, m: epochs.append(m),
        work_dir=tmp_path / "work",
    )
    assert "fine_tune_loss" in epochs[0]
    model.save(tmp_path / "saved")
    loaded = TextClassifier.load(tmp_path / "saved")
    assert loaded.predict(texts[:6]) == model.predict(texts[:6])
    adapted, original = loaded.embed(texts[:4]), local_embedder().embed(texts[:4])
    assert not np.allclose(adapted, original, atol=1e-3)  # the encoder's weights moved
