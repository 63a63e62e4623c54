"""Small, seeded, learnable data sets for the ML task tests and the training benchmark."""

from __future__ import annotations

import csv
import io
import random

COMPANIES = [
    "Siemens",
    "BASF",
    "Holcim",
    "Volvo",
    "Orsted",
    "Bayer",
    "Heidelberg Materials",
    "Deutsche Bahn",
]
SENTIMENT_TEMPLATES = {
    "positive": [
        "{c} cut its carbon emissions by a third and exceeded its climate targets",
        "{c} won an award for excellent renewable energy investment",
        "{c} improved worker safety and reported strong sustainability results",
        "Investors praised {c} for outstanding progress on waste reduction",
    ],
    "negative": [
        "{c} was fined for illegal pollution of the river",
        "Emissions at {c} rose sharply and it failed its climate targets",
        "A toxic spill at the {c} plant harmed local residents",
        "{c} faces lawsuits over forced labour at a supplier",
    ],
    "neutral": [
        "{c} published its annual report on Tuesday",
        "The board of {c} met in Berlin to discuss the agenda",
        "{c} has offices in several European countries",
        "{c} released its quarterly figures this morning",
    ],
}
ENTITIES = {
    "ORG": [["Siemens"], ["BASF"], ["Holcim"], ["Deutsche", "Bahn"], ["Heidelberg", "Materials"]],
    "MATERIAL": [["steel"], ["cement"], ["recycled", "aluminium"], ["timber"], ["concrete"]],
    "LOCATION": [["Germany"], ["Berlin"], ["Lower", "Saxony"], ["Sweden"], ["Rotterdam"]],
    "REGULATION": [["CSRD"], ["EU", "Taxonomy"], ["SFDR"], ["LkSG"]],
}
ENTITY_TEMPLATES = [
    "{ORG} uses {MATERIAL} in {LOCATION} .",
    "Under the {REGULATION} , {ORG} reports {MATERIAL} emissions .",
    "{ORG} opened a {MATERIAL} plant in {LOCATION} .",
    "The {REGULATION} applies to {ORG} in {LOCATION} .",
]
KB_SENTENCES = [
    "The cement plant reduced carbon emissions by ten percent.",
    "Recycled steel lowers the embodied carbon of the building.",
    "The company reports scope one and scope two emissions under the CSRD.",
    "Timber frames store carbon and reduce the embodied emissions of housing.",
    "The supplier publishes an environmental product declaration for concrete.",
    "Renewable energy powers the steel mill in Sweden.",
]


def sentiment_rows(per_class: int = 20, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for label, templates in SENTIMENT_TEMPLATES.items():
        for i in range(per_class):
            company = COMPANIES[i % len(COMPANIES)]
            rows.append(
                {
                    "text": templates[i % len(templates)].format(c=company),
                    "label": label,
                    "company": company,
                    "year": 2020 + i % 4,
                }
            )
    rng.shuffle(rows)
    return rows


def entity_rows(count: int = 80, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        tokens, tags = [], []
        for word in ENTITY_TEMPLATES[i % len(ENTITY_TEMPLATES)].split():
            entity_type = word.strip("{}") if word.startswith("{") else None
            if entity_type:
                words = rng.choice(ENTITIES[entity_type])
                tokens += words
                tags += [f"B-{entity_type}"] + [f"I-{entity_type}"] * (len(words) - 1)
            else:
                tokens.append(word)
                tags.append("O")
        rows.append({"tokens": " ".join(tokens), "tags": " ".join(tags)})
    return rows


def kb_texts(count: int = 120, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.sample(KB_SENTENCES, 3)) for _ in range(count)]


def to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
