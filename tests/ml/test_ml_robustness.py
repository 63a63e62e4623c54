"""Perturbations are seeded and keep entity spans aligned; a brittle model fails `robust_ok`."""

from __future__ import annotations

import random

from nexus_platform.ml.pipeline import gates
from nexus_platform.ml.robustness import (
    TEXT_PERTURBATIONS,
    perturb_text,
    perturb_tokens,
    robustness_report,
)
from nexus_platform.ml.spec import parse_spec

TEXT = "Siemens cut its carbon emissions and reported strong sustainability results."


def test_perturbations_are_seeded_and_change_the_text():
    for name in TEXT_PERTURBATIONS:
        one = perturb_text(TEXT, name, random.Random("42:" + name), rate=0.5)
        two = perturb_text(TEXT, name, random.Random("42:" + name), rate=0.5)
        assert one == two, name
        assert one != TEXT, name
    swapped = perturb_text("The company cut emissions", "synonyms", random.Random(1), lexicon=None)
    assert swapped.split()[0] == "The" and swapped.split()[1] != "company"
    dropped = perturb_text(TEXT, "word_dropout", random.Random(3), rate=0.3)
    assert len(dropped.split()) < len(TEXT.split())


def test_token_perturbations_keep_tags_aligned_and_spans_intact():
    tokens = "Heidelberg Materials uses recycled aluminium in Lower Saxony under the CSRD .".split()
    tags = "B-ORG I-ORG O B-MATERIAL I-MATERIAL O B-LOCATION I-LOCATION O O B-REGULATION O".split()
    entities = [(t, g) for t, g in zip(tokens, tags, strict=True) if g != "O"]
    for name in ("punctuation", "word_dropout", "synonyms", "typos", "casing"):
        new_tokens, new_tags = perturb_tokens(tokens, tags, name, random.Random(name), rate=0.6)
        assert len(new_tokens) == len(new_tags)
        # Every I- tag still follows the B-/I- of its own type.
        for previous, tag in zip(["O", *new_tags], new_tags, strict=False):
            if tag.startswith("I-"):
                assert previous[2:] == tag[2:], (name, new_tags)
        if name in ("punctuation", "word_dropout", "synonyms"):
            assert [
                (t, g) for t, g in zip(new_tokens, new_tags, strict=True) if g != "O"
            ] == entities


class KeywordModel:
    """Deliberately brittle: exact, case-sensitive keyword lookup."""

    KEYWORDS = {
        "fined": "negative",
        "spill": "negative",
        "improved": "positive",
        "award": "positive",
    }

    def predict(self, texts):
        out = []
        for text in texts:
            hits = [label for word, label in self.KEYWORDS.items() if word in text.split()]
            out.append(hits[0] if hits else "neutral")
        return out


def test_brittle_model_shows_a_drop_and_fails_robust_ok():
    examples = [
        ("BASF was fined for pollution", "negative"),
        ("A spill at the plant", "negative"),
        ("Holcim improved its safety record", "positive"),
        ("Volvo won an award for clean trucks", "positive"),
        ("The board met on Tuesday", "neutral"),
        ("Siemens opened an office", "neutral"),
    ] * 5
    model = KeywordModel()

    def accuracy(batch):
        predicted = model.predict([t for t, _ in batch])
        return sum(p == y for p, (_, y) in zip(predicted, batch, strict=True)) / len(batch)

    report = robustness_report(
        accuracy,
        examples,
        lambda ex, name, rng: (perturb_text(ex[0], name, rng, rate=0.5), ex[1]),
        ["casing", "typos", "punctuation", "whitespace"],
        seed=42,
        metric="macro_f1",
    )
    assert report["baseline"] == 1.0
    assert report["perturbations"]["casing"]["drop"] > 0.2  # upper-cased keywords are missed
    assert report["perturbations"]["whitespace"]["drop"] == 0.0  # split() ignores spacing
    assert report["max_drop"] == max(r["drop"] for r in report["perturbations"].values())
    spec = parse_spec(
        {
            "name": "kw",
            "kind": "text_classification",
            "source": "x.csv",
            "label_column": "label",
            "thresholds": {"min_macro_f1": 0.5, "max_robustness_drop": 0.1},
        },
        "kw.yaml",
    )
    result = gates(spec, {"macro_f1": report["baseline"]}, report)
    assert result.quality_passed and not result.robust_passed and not result.passed
    assert result.worst_perturbation in ("casing", "typos", "punctuation")
    assert (
        robustness_report(accuracy, examples, lambda ex, n, r: ex, ["casing"], 1, "m")["max_drop"]
        == 0
    )
