"""Drift of text columns: embeddings and simple text properties.

Embedding drift is deepchecks' TextEmbeddingsDrift: a domain classifier learns to tell
reference vectors from incoming ones; its AUC (0.5 = indistinguishable) maps to a drift score
2 * AUC - 1. The vectors come from the platform's local embedder, always the same model, so
two runs are comparable. Text properties are computed here (length, words, characters) rather
than by deepchecks' built-ins, several of which download models or NLTK data at run time.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd

from nexus_platform.drift.config import CheckSettings
from nexus_platform.drift.integrity import run_check
from nexus_platform.drift.results import CheckOutcome, not_enough_rows

_WORD = re.compile(r"\w+")


def text_properties(texts: Sequence[str]) -> pd.DataFrame:
    s = pd.Series(list(texts), dtype="string").fillna("")
    length = s.str.len().astype(float)
    words = s.map(lambda t: _WORD.findall(t))
    word_count = words.map(len).astype(float)
    letters = s.str.count(r"[A-Za-z]").astype(float)
    safe = length.where(length > 0, 1.0)
    return pd.DataFrame(
        {
            "Text Length": length,
            "Word Count": word_count,
            "Average Word Length": words.map(
                lambda w: float(np.mean([len(x) for x in w])) if w else 0.0
            ),
            "% Special Characters": s.str.count(r"[^\w\s]").astype(float) / safe,
            "% Digits": s.str.count(r"\d").astype(float) / safe,
            "% Uppercase": s.str.count(r"[A-Z]").astype(float) / letters.where(letters > 0, 1.0),
        }
    )


def _text_data(texts: list[str], embeddings: np.ndarray | None = None):
    from deepchecks.nlp import TextData

    return TextData(
        raw_text=texts,
        embeddings=embeddings,
        properties=text_properties(texts),
        categorical_properties=[],
        name=None,
    )


def _sample(texts: list[str], rows: int, seed: int) -> list[str]:
    if len(texts) <= rows:
        return texts
    index = np.sort(np.random.default_rng(seed).choice(len(texts), size=rows, replace=False))
    return [texts[i] for i in index]


def run_text_integrity(texts: list[str], column: str, settings: CheckSettings):
    """Outliers in text length and the other properties (a warning, never blocking)."""
    from deepchecks.nlp.checks import TextPropertyOutliers

    name = f"text_outliers:{column}"
    if len(texts) < settings.min_rows:
        return not_enough_rows(name, "incoming", len(texts), settings.min_rows), None
    texts = _sample(texts, settings.sample_rows, settings.seed)
    result, error = run_check(TextPropertyOutliers(), _text_data(texts))
    if result is None:
        return CheckOutcome(name, "warn", error or "", blocking=False), None
    ratios = {
        p: round(float(v.get("outlier_ratio", 0.0)), 4)
        for p, v in result.value.items()
        if isinstance(v, dict)
    }
    flagged = {p: r for p, r in ratios.items() if r > 0.05}
    outcome = CheckOutcome(
        name,
        "warn" if flagged else "pass",
        f"outliers in {column!r}: {flagged}" if flagged else f"no unusual texts in {column!r}",
        {"outlier_ratio": ratios},
        blocking=False,
    )
    return outcome, result


def run_text_drift(
    reference: list[str], incoming: list[str], column: str, embedder, settings: CheckSettings
) -> tuple[dict | None, list[CheckOutcome], list]:
    """(info for `DriftReport.embedding_drift[column]`, outcomes, deepchecks results)."""
    from deepchecks.nlp.checks import PropertyDrift, TextEmbeddingsDrift

    t = settings.thresholds
    name = f"embedding_drift:{column}"
    small = min(len(reference), len(incoming))
    if small < settings.min_rows:
        which = "incoming" if len(incoming) < settings.min_rows else "reference"
        return None, [not_enough_rows(name, which, small, settings.min_rows)], []

    results, outcomes = [], []
    info: dict = {
        "column": column,
        "threshold": t.embedding_drift,
        "property_threshold": t.property_drift,
    }

    ref_emb = _sample(reference, settings.embedding_sample_rows, settings.seed)
    inc_emb = _sample(incoming, settings.embedding_sample_rows, settings.seed + 1)
    info["embedded_rows"] = {"reference": len(ref_emb), "incoming": len(inc_emb)}
    started = time.perf_counter()
    vectors = embedder.embed(ref_emb + inc_emb)
    info["embed_seconds"] = round(time.perf_counter() - started, 2)
    info["model_id"] = getattr(embedder, "model_id", "")
    check = TextEmbeddingsDrift(
        sample_size=settings.embedding_sample_rows,
        random_state=settings.seed,
        dimension_reduction_method="pca",  # UMAP costs far more and only improves the plot
        num_samples_in_display=min(500, len(ref_emb) + len(inc_emb)),
    ).add_condition_overall_drift_value_less_than(t.embedding_drift)
    result, error = run_check(
        check,
        _text_data(ref_emb, vectors[: len(ref_emb)]),
        _text_data(inc_emb, vectors[len(ref_emb) :]),
    )
    if result is not None:
        results.append(result)
        info["domain_classifier_auc"] = round(float(result.value["domain_classifier_auc"]), 4)
        info["drift_score"] = round(float(result.value["domain_classifier_drift_score"]), 4)
        info["embedding_drifted"] = info["drift_score"] >= t.embedding_drift
    else:
        info["embedding_drifted"] = False
        outcomes.append(CheckOutcome(name, "warn", error or "", blocking=False))

    ref_props = _sample(reference, settings.sample_rows, settings.seed)
    inc_props = _sample(incoming, settings.sample_rows, settings.seed + 1)
    result, error = run_check(PropertyDrift(), _text_data(ref_props), _text_data(inc_props))
    drifted_props = []
    if result is not None:
        results.append(result)
        scores = {p: round(float(v["Drift score"]), 4) for p, v in result.value.items()}
        info["property_drift"] = scores
        drifted_props = sorted(p for p, s in scores.items() if s >= t.property_drift)
    info["drifted_properties"] = drifted_props
    info["drifted"] = bool(info["embedding_drifted"] or drifted_props)

    if "drift_score" in info:
        reasons = []
        if info["embedding_drifted"]:
            reasons.append(
                f"embedding drift {info['drift_score']:.3f} (AUC {info['domain_classifier_auc']:.3f})"
            )
        if drifted_props:
            reasons.append(f"property drift in {drifted_props}")
        outcomes.append(
            CheckOutcome(
                name,
                "fail" if reasons else "pass",
                "; ".join(reasons)
                or f"{column!r} within thresholds (drift {info['drift_score']:.3f})",
                {k: info[k] for k in ("drift_score", "domain_classifier_auc", "threshold")},
            )
        )
    return info, outcomes, results
