"""Zero-shot ESG topics: labels defined by descriptions, matched by meaning, not by spelling.

`config/topics.yaml` (or the user's copy in `NEXUS_HOME/config/topics.yaml`, which replaces
it) lists labels with one or more descriptions and one threshold. A record's score for a label
is the best cosine between the record's embedding and the label's description embeddings;
every label at or above the threshold applies (multi-label). The record vectors are the ones
kb_embeddings already holds: only the descriptions are embedded here, by the same model.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import Field

from nexus_platform.config_files import (
    ConfigFileError,
    ConfigModel,
    Names,
    NonEmpty,
    Number,
    load_yaml_file,
)
from nexus_platform.embeddings.base import Embedder
from nexus_platform.settings import NexusPaths, is_local

REPO_TOPICS_FILE = Path(__file__).resolve().parents[2] / "config" / "topics.yaml"


class TopicsError(ConfigFileError):
    """The topics file cannot be used; the message names the file and the field."""


class TopicsFile(ConfigModel):
    threshold: Annotated[Number, Field(ge=-1.0, le=1.0)]
    topics: Annotated[dict[NonEmpty, Names], Field(min_length=1)]


@dataclass(frozen=True)
class TopicSet:
    labels: tuple[str, ...]
    descriptions: tuple[tuple[str, ...], ...]  # per label, in the order of `labels`
    threshold: float
    source: str

    @property
    def fingerprint(self) -> str:
        """Changes with any label, description or the threshold (not with the file's path)."""
        recipe = [self.labels, self.descriptions, self.threshold]
        return hashlib.sha256(json.dumps(recipe).encode()).hexdigest()

    def version(self, embedder_id: str) -> str:
        """The topics' `model_version`: the set and the model that embeds it, as one hash
        (vectors of another model give other scores, so they are another version)."""
        digest = hashlib.sha256(f"{self.fingerprint}|{embedder_id}".encode()).hexdigest()
        return digest[:16]


def topics_file(paths: NexusPaths) -> Path:
    """The user's copy when there is one, else the shipped set."""
    user = paths.home / "config" / "topics.yaml"
    if is_local(user) and Path(user.path).is_file():
        return Path(user.path)
    return REPO_TOPICS_FILE


def load_topics(path: Path | str) -> TopicSet:
    parsed = load_yaml_file(Path(path), TopicsFile, error=TopicsError)
    for label, descriptions in parsed.topics.items():
        if not descriptions:
            raise TopicsError(path, f"topics.{label}", "needs at least one description")
    labels = tuple(parsed.topics)
    return TopicSet(
        labels=labels,
        descriptions=tuple(tuple(parsed.topics[label]) for label in labels),
        threshold=float(parsed.threshold),
        source=str(path),
    )


class TopicScorer:
    """A topic set with its descriptions embedded once; scores record vectors in bulk."""

    def __init__(self, topics: TopicSet, embedder: Embedder):
        self.topics = topics
        self.embedder_id = embedder.model_id
        self.version = topics.version(embedder.model_id)
        flat = [d for group in topics.descriptions for d in group]
        self._owner = np.repeat(
            np.arange(len(topics.labels)), [len(group) for group in topics.descriptions]
        )
        self._vectors = np.asarray(embedder.embed(flat), dtype=np.float32)

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """(records, labels): each label's best cosine over its descriptions."""
        cosines = np.asarray(vectors, dtype=np.float32) @ self._vectors.T
        best = np.full((cosines.shape[0], len(self.topics.labels)), -1.0, dtype=np.float32)
        np.maximum.at(best.T, self._owner, cosines.T)
        return best

    def labels(self, vectors: np.ndarray) -> list[list[dict]]:
        """Per record: `[{label, score}]` of every label at or above the threshold, best first."""
        scores = self.scores(vectors)
        out = []
        for row in scores:
            chosen = np.flatnonzero(row >= self.topics.threshold)
            chosen = chosen[np.argsort(-row[chosen], kind="stable")]
            out.append([{"label": self.topics.labels[i], "score": float(row[i])} for i in chosen])
        return out
