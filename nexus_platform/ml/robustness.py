"""Perturbation robustness: how much a model's metric drops under realistic input noise.

Each perturbation is seeded per (seed, perturbation name), so a report is reproducible and
adding a perturbation does not change the others. The drop is in the metric's own units for
scores in [0, 1] (0.10 = ten points of macro-F1 lost); for perplexity (lower is better) it is
the relative loss of predictive power, 1 - baseline / perturbed.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Sequence
from typing import Any

from nexus_platform.ml.lexicon import synonym_map

TEXT_PERTURBATIONS = ("typos", "casing", "whitespace", "punctuation", "word_dropout", "synonyms")
# Pre-tokenised sentences have no whitespace to disturb.
TOKEN_PERTURBATIONS = ("typos", "casing", "punctuation", "word_dropout", "synonyms")
_PUNCT = ",.;:!?-"
# The key to the right on a QWERTY keyboard (to the left at a row's end): a plausible slip.
_KEYBOARD_NEIGHBOURS = {
    row[i]: row[i + 1] if i + 1 < len(row) else row[i - 1]
    for row in ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    for i in range(len(row))
}


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(("swap", "drop", "double", "neighbour"))
    if op == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == "drop":
        return word[:i] + word[i + 1 :]
    if op == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + _KEYBOARD_NEIGHBOURS.get(word[i].lower(), word[i]) + word[i + 1 :]


def _recase(words: list[str], rng: random.Random) -> list[str]:
    style = rng.choice(("lower", "upper", "random"))
    if style == "lower":
        return [w.lower() for w in words]
    if style == "upper":
        return [w.upper() for w in words]
    return [w.upper() if rng.random() < 0.5 else w.lower() for w in words]


def _swap(word: str, rng: random.Random, lexicon: dict[str, tuple[str, ...]]) -> str:
    options = lexicon.get(word.lower())
    return rng.choice(options) if options else word


def perturb_text(
    text: str, name: str, rng: random.Random, rate: float = 0.15, lexicon: dict | None = None
) -> str:
    words = text.split()
    if not words:
        return text
    if name == "typos":
        words = [typo(w, rng) if rng.random() < rate else w for w in words]
    elif name == "casing":
        words = _recase(words, rng)
    elif name == "whitespace":
        gaps = [
            rng.choice(("  ", "\t", " \n ", "   ")) if rng.random() < 0.5 else " " for _ in words
        ]
        return " " + "".join(w + g for w, g in zip(words, gaps, strict=True))
    elif name == "punctuation":
        words = [
            (w.strip(string.punctuation) or w) + (rng.choice(_PUNCT) if rng.random() < rate else "")
            for w in words
        ]
    elif name == "word_dropout":
        kept = [w for w in words if rng.random() >= rate]
        words = kept or words[:1]
    elif name == "synonyms":
        lexicon = synonym_map() if lexicon is None else lexicon
        words = [_swap(w, rng, lexicon) for w in words]
    else:
        raise ValueError(f"unknown perturbation {name!r}; known: {TEXT_PERTURBATIONS}")
    return " ".join(words)


def perturb_tokens(
    tokens: list[str],
    tags: list[str],
    name: str,
    rng: random.Random,
    rate: float = 0.15,
    lexicon: dict | None = None,
) -> tuple[list[str], list[str]]:
    """Perturb a tagged sentence keeping tokens and BIO tags aligned and spans intact."""
    if name == "typos":
        return [typo(t, rng) if rng.random() < rate else t for t in tokens], list(tags)
    if name == "casing":
        return _recase(list(tokens), rng), list(tags)
    out_tokens: list[str] = []
    out_tags: list[str] = []
    for i, (token, tag) in enumerate(zip(tokens, tags, strict=True)):
        inside_next = i + 1 < len(tags) and tags[i + 1].startswith("I-")
        if name == "word_dropout" and tag == "O" and rng.random() < rate:
            continue
        if name == "synonyms" and tag == "O":
            replacement = _swap(token, rng, synonym_map() if lexicon is None else lexicon).split()
            out_tokens.extend(replacement)
            out_tags.extend(["O"] * len(replacement))
            continue
        out_tokens.append(token)
        out_tags.append(tag)
        if name == "punctuation" and not inside_next and rng.random() < rate:
            out_tokens.append(rng.choice(_PUNCT))
            out_tags.append("O")
    if name not in TOKEN_PERTURBATIONS:
        raise ValueError(f"unknown perturbation {name!r}; known: {TOKEN_PERTURBATIONS}")
    if not out_tokens:
        return list(tokens), list(tags)
    return out_tokens, out_tags


def metric_drop(baseline: float, perturbed: float, higher_is_better: bool) -> float:
    if higher_is_better:
        return round(baseline - perturbed, 4)
    if perturbed <= 0:
        return 0.0
    return round(1.0 - baseline / perturbed, 4)


def robustness_report(
    evaluate: Callable[[list[Any]], float],
    examples: Sequence[Any],
    perturb_one: Callable[[Any, str, random.Random], Any],
    perturbations: Sequence[str],
    seed: int,
    metric: str,
    higher_is_better: bool = True,
) -> dict:
    """Score the clean examples and each perturbed copy; the drop per perturbation."""
    baseline = float(evaluate(list(examples)))
    results: dict[str, dict] = {}
    for name in perturbations:
        rng = random.Random(f"{seed}:{name}")
        perturbed = [perturb_one(example, name, rng) for example in examples]
        changed = sum(1 for a, b in zip(examples, perturbed, strict=True) if a != b)
        score = float(evaluate(perturbed))
        results[name] = {
            metric: round(score, 4),
            "drop": metric_drop(baseline, score, higher_is_better),
            "changed_examples": changed,
        }
    drops = [r["drop"] for r in results.values()]
    worst = max(results, key=lambda n: results[n]["drop"]) if results else None
    return {
        "metric": metric,
        "higher_is_better": higher_is_better,
        "baseline": round(baseline, 4),
        "perturbations": results,
        "max_drop": max(drops) if drops else 0.0,
        "worst_perturbation": worst,
        "seed": seed,
        "examples": len(examples),
    }


def robustness_markdown(report: dict) -> str:
    metric = report["metric"]
    lines = [f"| perturbation | {metric} | drop | changed |", "|---|---|---|---|"]
    lines.append(f"| (clean) | {report['baseline']:.4f} | 0 | 0 |")
    for name, result in report["perturbations"].items():
        lines.append(
            f"| {name} | {result[metric]:.4f} | {result['drop']:+.4f} | {result['changed_examples']} |"
        )
    return "\n".join(lines)
