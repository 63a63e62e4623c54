"""What the promoted models and the topic set say about texts.

`annotate_texts(paths, texts)` is the one call for "annotate these texts with every promoted
model and the topic set": `nexus annotate`, the search service's annotate endpoint and the
annotations asset all go through `Annotator`, so they agree. Models load once per process
(cached by version); a newly promoted version is picked up on the next call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from nexus_platform.annotation.models import ModelRef, load_model, promoted_models
from nexus_platform.annotation.table import ANNOTATIONS_SCHEMA, TOPICS_MODEL, as_json
from nexus_platform.annotation.topics import TopicScorer, TopicsError, TopicSet
from nexus_platform.embeddings.base import Embedder
from nexus_platform.ml.registry import ModelRegistry
from nexus_platform.settings import NexusPaths

log = logging.getLogger(__name__)


@dataclass
class Annotator:
    """Every annotating model of one moment: the promoted tasks and the topic set.

    `embedder_id` names the model of the record vectors handed to `predict` (kb_embeddings);
    `embedder` builds that model when texts must be embedded here (descriptions, or texts
    without a stored vector) and is called at most once.
    """

    registry: ModelRegistry
    tasks: list[ModelRef]
    topics: TopicSet | None
    embedder_id: str
    embedder: Callable[[], Embedder]
    device: str | None = None
    _embedder: Embedder | None = field(default=None, init=False, repr=False)
    _scorer: TopicScorer | None = field(default=None, init=False, repr=False)

    @property
    def refs(self) -> list[ModelRef]:
        """The tasks by name, then the topics."""
        refs = sorted(self.tasks, key=lambda ref: ref.name)
        if self.topics is not None:
            refs.append(ModelRef(TOPICS_MODEL, "topics", self.topics.version(self.embedder_id)))
        return refs

    def embedding_model(self) -> Embedder:
        """The model of the record vectors, built on first use."""
        if self._embedder is None:
            self._embedder = self.embedder()
            if self._embedder.model_id != self.embedder_id:
                raise ValueError(
                    f"the record vectors are from {self.embedder_id}, the configured embedder "
                    f"is {self._embedder.model_id}: refresh kb_embeddings first"
                )
        return self._embedder

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedding_model().embed(list(texts))

    def uses_record_vectors(self, ref: ModelRef) -> bool:
        """Whether `ref` predicts from the knowledge base's own vectors (no embedding)."""
        if ref.kind == "topics":
            return True
        if ref.kind != "classification":
            return False
        classifier = load_model(self.registry, ref, self.device)
        return classifier.encoder_dir is None and classifier.embedder_id == self.embedder_id

    def predict(
        self, ref: ModelRef, texts: Sequence[str], vectors: np.ndarray | None = None
    ) -> list[dict]:
        """Per text: the columns `label`, `score`, `labels`, `entities` of its row for `ref`.
        `vectors` are the texts' record vectors (of `embedder_id`), when known."""
        if not len(texts):
            return []
        if ref.kind == "topics":
            return [
                {"label": None, "score": None, "labels": chosen, "entities": None}
                for chosen in self._topic_scorer().labels(
                    vectors if vectors is not None else self.embed(texts)
                )
            ]
        model = load_model(self.registry, ref, self.device)
        if ref.kind == "entities":
            from nexus_platform.annotation.entities import predict_entities

            return [
                {"label": None, "score": None, "labels": None, "entities": spans}
                for spans in predict_entities(model, texts)
            ]
        if vectors is None or not self.uses_record_vectors(ref):
            vectors = model.embed(texts)
        return _classification_columns(model, model.scores(vectors))

    def _topic_scorer(self) -> TopicScorer:
        if self._scorer is None:
            assert self.topics is not None  # only the topics ref asks
            self._scorer = TopicScorer(self.topics, self.embedding_model())
        return self._scorer

    def annotate(self, texts: Sequence[str]) -> list[dict]:
        """The shape of `as_json` for each text, from every model."""
        texts = list(texts)
        shared = None
        if any(self.uses_record_vectors(ref) for ref in self.refs):
            shared = self.embed(texts) if texts else None
        rows: list[list[dict]] = [[] for _ in texts]
        for ref in self.refs:
            for index, columns in enumerate(self.predict(ref, texts, shared)):
                rows[index].append(row(ref, "", "", columns))
        return [as_json(_as_stored(r)) for r in rows]


def _classification_columns(model, probabilities: np.ndarray) -> list[dict]:
    classes = model.classes
    out = []
    for probs in probabilities:
        best = int(np.argmax(probs))
        if not model.multi_label:
            out.append(
                {
                    "label": classes[best],
                    "score": float(probs[best]),
                    "labels": None,
                    "entities": None,
                }
            )
            continue
        chosen = [
            i for i in np.argsort(-probs, kind="stable") if probs[i] >= model.config.threshold
        ]
        labels = [{"label": classes[i], "score": float(probs[i])} for i in chosen]
        top = labels[0] if labels else {"label": None, "score": None}
        out.append({**top, "labels": labels, "entities": None})
    return out


def row(ref: ModelRef, record_id: str, content_sha256: str, columns: dict) -> dict:
    """One row of the annotations table."""
    return {
        "record_id": record_id,
        "content_sha256": content_sha256,
        "model": ref.name,
        "kind": ref.kind,
        "model_version": ref.model_version,
        "dvc_hash": ref.dvc_hash,
        **columns,
    }


def _as_stored(rows: list[dict]) -> list[dict]:
    """Rows as the table gives them back (float32 scores), so that every interface shows the
    same values."""
    import pyarrow as pa

    return pa.Table.from_pylist(rows, schema=ANNOTATIONS_SCHEMA).to_pylist()


# -- the service / command-line entry point ----------------------------------------------------
_ANNOTATORS: dict[tuple, Annotator] = {}
_ANNOTATORS_LOCK = threading.Lock()


def annotate_texts(
    paths: NexusPaths, texts: Sequence[str], registry: ModelRegistry | None = None
) -> list[dict]:
    """Annotate `texts` with every promoted model and the topic set.

    Returns one dict per text, in the shape of `table.as_json`:
    `{"<task>": {"label", "score", "model_version", "dvc_hash"}, "topics": [{"label",
    "score"}], "entities": [{"text", "type", "start", "end"}]}` (entity tasks add
    `{"<task>": {"model_version", "dvc_hash"}}`). Texts are embedded with the model of the
    knowledge base's vectors (the bundled model before there are any). Safe to call
    repeatedly and from several threads: models and the topic set are loaded once per version
    and reused; a new promotion or an edited topics file is picked up on the next call.
    `registry` defaults to the environment's model registry.
    """
    return annotator_for(paths, registry).annotate(texts)


def annotator_for(paths: NexusPaths, registry: ModelRegistry | None = None) -> Annotator:
    """The current annotator of `paths` (cached while nothing it depends on changes)."""
    from nexus_platform.annotation.topics import load_topics, topics_file
    from nexus_platform.embeddings.store import read_manifest

    registry = registry or _default_registry(paths)
    tasks = promoted_models(registry)
    source = topics_file(paths)
    try:
        topics: TopicSet | None = load_topics(source)
    except TopicsError as exc:
        log.error("topics left out: %s", exc)
        topics = None
    manifest = read_manifest(paths)
    embedder_id, build = _embedder_of(manifest)
    key = (str(paths.home), tuple(tasks), topics, embedder_id)
    with _ANNOTATORS_LOCK:
        if key not in _ANNOTATORS:
            _ANNOTATORS.clear()  # one current annotator per process is enough
            _ANNOTATORS[key] = Annotator(registry, tasks, topics, embedder_id, build)
        return _ANNOTATORS[key]


def _embedder_of(manifest: dict | None) -> tuple[str, Callable[[], Embedder]]:
    if manifest:
        from nexus_platform.embeddings.search import query_embedder

        return manifest["model"], lambda: query_embedder(manifest)
    from nexus_platform.embeddings.local import local_embedder

    bundled = local_embedder()
    return bundled.model_id, lambda: bundled


def _default_registry(paths: NexusPaths) -> ModelRegistry:
    from nexus_platform.resources.dvc import registry_for
    from nexus_platform.settings import environment

    return registry_for(environment(), paths).registry()
