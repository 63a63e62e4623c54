"""Semantic search over the knowledge base, for notebooks and the `nexus search` command.

    from nexus_platform.embeddings.search import search
    for hit in search("embodied carbon of insulation", k=5, folder="materials"):
        print(hit.score, hit.source["path"], hit.text[:80])

The query is embedded by the same model that built the index (read from the embeddings
manifest); a different model is refused rather than compared.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from nexus_platform.embeddings.base import Embedder
from nexus_platform.embeddings.index import IndexLocation, open_index
from nexus_platform.embeddings.providers import EmbedderSpec, build_embedder
from nexus_platform.embeddings.store import read_manifest
from nexus_platform.settings import NexusPaths, is_local


@dataclass(frozen=True)
class SearchHit:
    id: str
    score: float
    text: str
    source: dict

    def to_dict(self) -> dict:
        return asdict(self)


def local_index_location(paths: NexusPaths) -> IndexLocation:
    if not is_local(paths.qdrant):
        raise ValueError(
            f"Qdrant local mode needs a local folder, NEXUS_HOME is {paths.home}: "
            "set a Qdrant server URL"
        )
    return IndexLocation(path=paths.qdrant.path)


def query_embedder(manifest: dict, api_key: str | None = None) -> Embedder:
    """The embedder that made the stored vectors, on whatever device this process has."""
    spec = EmbedderSpec.from_dict({**manifest["embedder"], "device": None})
    if spec.provider == "openai" and api_key is None:
        api_key = os.environ.get("OPENAI_API_KEY")
    return build_embedder(spec, api_key=api_key)


def search(
    query: str,
    k: int = 10,
    folder: str | None = None,
    file_type: str | None = None,
    paths: NexusPaths | None = None,
    *,
    source_paths: Sequence[str] | None = None,
    embedder: Embedder | None = None,
    location: IndexLocation | None = None,
) -> list[SearchHit]:
    """The `k` records closest in meaning to `query`, best first.

    `folder` keeps records at or below a landing folder ("climate/emissions"), `file_type`
    records of one file type ("pdf"), `source_paths` records of the given landing files.
    `paths` defaults to NEXUS_HOME; `location` to the local Qdrant folder under it.
    """
    if not query.strip():
        raise ValueError("search: the query is empty")
    if k < 1:
        raise ValueError(f"search: k must be at least 1, got {k}")
    paths = paths or NexusPaths.from_env()
    manifest = read_manifest(paths)
    if not manifest:
        raise LookupError(
            f"no embeddings under {paths.embeddings}: materialise kb_embeddings first"
        )
    embedder = embedder or query_embedder(manifest)
    if embedder.model_id != manifest["model"]:
        raise ValueError(
            f"the index holds vectors of {manifest['model']}, the query embedder is "
            f"{embedder.model_id}: vectors of different models are not comparable"
        )
    vector = embedder.embed([query])[0]
    location = location or local_index_location(paths)
    with open_index(location, manifest["model"], manifest["dim"], create=False) as index:
        hits = index.query(vector, k=k, folder=folder, file_type=file_type, paths=source_paths)
    return [
        SearchHit(
            id=h.record_id,
            score=h.score,
            text=h.payload.get("text") or "",
            source=h.payload.get("source") or {},
        )
        for h in hits
    ]
