"""A small ESG synonym lexicon for the synonym-swap perturbation.

Kept as code rather than a data file so it ships with the package without packaging rules.
Each group holds interchangeable words in the sustainability-reporting register; a swap
replaces a word by another from its group, which a robust model must not care about.
"""

from __future__ import annotations

ESG_SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("emissions", "discharges", "releases"),
    ("reduce", "cut", "lower", "decrease"),
    ("reduced", "cut", "lowered", "decreased"),
    ("increase", "raise", "grow"),
    ("increased", "raised", "grew"),
    ("company", "firm", "business", "corporation"),
    ("companies", "firms", "businesses", "corporations"),
    ("sustainable", "green", "eco-friendly"),
    ("sustainability", "environmental responsibility"),
    ("renewable", "clean"),
    ("pollution", "contamination"),
    ("waste", "refuse", "rubbish"),
    ("target", "goal", "objective"),
    ("targets", "goals", "objectives"),
    ("report", "disclosure", "statement"),
    ("improve", "enhance", "strengthen"),
    ("improved", "enhanced", "strengthened"),
    ("strong", "robust", "solid"),
    ("weak", "poor", "feeble"),
    ("failed", "fell short", "did not manage"),
    ("fine", "penalty", "sanction"),
    ("workers", "employees", "staff"),
    ("supplier", "vendor", "provider"),
    ("suppliers", "vendors", "providers"),
    ("carbon", "CO2"),
    ("energy", "power"),
    ("plant", "facility", "site"),
    ("plants", "facilities", "sites"),
    ("good", "positive", "favourable"),
    ("bad", "negative", "unfavourable"),
    ("happy", "glad", "pleased"),
    ("angry", "furious", "irritated"),
    ("afraid", "scared", "fearful"),
    ("sad", "unhappy", "disappointed"),
    ("surprised", "astonished", "amazed"),
    ("worried", "concerned", "anxious"),
    ("excellent", "outstanding", "exemplary"),
    ("announced", "declared", "stated"),
    ("invest", "put money into"),
    ("investment", "funding", "capital"),
)


def synonym_map() -> dict[str, tuple[str, ...]]:
    """word -> the other words of its group (lower case keys)."""
    mapping: dict[str, tuple[str, ...]] = {}
    for group in ESG_SYNONYM_GROUPS:
        for word in group:
            mapping[word.lower()] = tuple(w for w in group if w != word)
    return mapping
