"""The Qdrant collection that serves semantic search, kept in sync with `kb_embeddings`.

Local mode (a folder under NEXUS_HOME, exact search) by default, a Qdrant server in
production. One collection per model id, so vectors of different models never meet. Points
carry the record's source as payload (path, folders, file type...) for filtered search, plus
a fingerprint of what they were built from, so a sync rewrites only what changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

# Point ids must be UUIDs or integers; record ids are arbitrary strings.
_POINT_NAMESPACE = uuid.UUID("5b0f3c1e-7f6a-4f49-9d53-2f3c0e1a9b77")
UPSERT_BATCH = 512
SCROLL_BATCH = 2048


@dataclass(frozen=True)
class IndexLocation:
    """Where the collection lives: `path` (local mode) or `url` (+ `api_key`) of a server."""

    path: str | None = None
    url: str | None = None
    api_key: str | None = None
    collection_prefix: str = "kb"

    def __post_init__(self):
        if bool(self.path) == bool(self.url):
            raise ValueError("vector index: give exactly one of path (local mode) or url (server)")


@dataclass(frozen=True)
class SyncResult:
    upserted: int
    deleted: int
    unchanged: int
    count: int


@dataclass(frozen=True)
class IndexHit:
    record_id: str
    score: float
    payload: dict


def point_id(record_id: str) -> str:
    return str(uuid.uuid5(_POINT_NAMESPACE, record_id))


def collection_name(prefix: str, model_id: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", model_id).strip("_")[:40]
    return f"{prefix}_{slug}_{hashlib.sha256(model_id.encode()).hexdigest()[:8]}"


def folder_prefixes(folders: Sequence[str]) -> list[str]:
    """["climate", "emissions"] -> ["climate", "climate/emissions"]: a folder filter matches
    everything below it."""
    return ["/".join(folders[: i + 1]) for i in range(len(folders))]


def record_payloads(
    ids: list[str], shas: list[str], texts: list[str], sources: list[dict], model_id: str
) -> list[dict]:
    payloads = []
    for record_id, sha, text, source in zip(ids, shas, texts, sources, strict=True):
        fingerprint = hashlib.sha256(
            json.dumps([sha, model_id, source], sort_keys=True, default=str).encode()
        ).hexdigest()
        folders = list(source.get("folders") or [])
        payloads.append(
            {
                "record_id": record_id,
                "content_sha256": sha,
                "model": model_id,
                "fingerprint": fingerprint,
                "text": text,
                "source": source,
                "path": source.get("path"),
                "file_type": (source.get("file_type") or "").lower() or None,
                "folder_prefixes": folder_prefixes(folders),
            }
        )
    return payloads


class VectorIndex:
    def __init__(self, client, collection: str, dim: int):
        self.client = client
        self.collection = collection
        self.dim = dim

    def _ensure_collection(self, server: bool) -> None:
        from qdrant_client import models

        if self.client.collection_exists(self.collection):
            return
        self.client.create_collection(
            self.collection,
            vectors_config=models.VectorParams(size=self.dim, distance=models.Distance.COSINE),
        )
        if server:  # local mode has no payload indexes (it scans)
            for field in ("folder_prefixes", "file_type", "path"):
                self.client.create_payload_index(
                    self.collection, field, models.PayloadSchemaType.KEYWORD
                )

    def count(self) -> int:
        return int(self.client.count(self.collection, exact=True).count)

    def fingerprints(self) -> dict[str, str | None]:
        """point id -> fingerprint of every point in the collection."""
        out: dict[str, str | None] = {}
        offset = None
        while True:
            points, offset = self.client.scroll(
                self.collection, limit=SCROLL_BATCH, offset=offset, with_payload=["fingerprint"]
            )
            out.update({str(p.id): (p.payload or {}).get("fingerprint") for p in points})
            if offset is None:
                return out

    def sync(self, ids: list[str], vectors: np.ndarray, payloads: list[dict]) -> SyncResult:
        """Make the collection hold exactly these records: upsert changed, delete gone."""
        from qdrant_client import models

        existing = self.fingerprints()
        wanted = {point_id(rid): i for i, rid in enumerate(ids)}
        stale: list = [pid for pid in existing if pid not in wanted]
        changed = [
            (pid, i) for pid, i in wanted.items() if existing.get(pid) != payloads[i]["fingerprint"]
        ]
        for start in range(0, len(stale), UPSERT_BATCH):
            self.client.delete(
                self.collection, models.PointIdsList(points=stale[start : start + UPSERT_BATCH])
            )
        for start in range(0, len(changed), UPSERT_BATCH):
            batch = changed[start : start + UPSERT_BATCH]
            self.client.upsert(
                self.collection,
                points=[
                    models.PointStruct(id=pid, vector=vectors[i].tolist(), payload=payloads[i])
                    for pid, i in batch
                ],
            )
        return SyncResult(
            upserted=len(changed),
            deleted=len(stale),
            unchanged=len(wanted) - len(changed),
            count=self.count(),
        )

    def query(
        self,
        vector: np.ndarray,
        k: int = 10,
        folder: str | None = None,
        file_type: str | None = None,
        paths: Sequence[str] | None = None,
        record_ids: Sequence[str] | None = None,
    ) -> list[IndexHit]:
        """The `k` nearest points; every filter is pushed down to Qdrant (AND), `record_ids`
        as a has-id condition (filters the payload does not hold, such as annotations)."""
        from qdrant_client import models

        conditions: list = []
        if folder:
            conditions.append(
                models.FieldCondition(
                    key="folder_prefixes", match=models.MatchValue(value=folder.strip("/"))
                )
            )
        if file_type:
            conditions.append(
                models.FieldCondition(
                    key="file_type", match=models.MatchValue(value=file_type.lower().lstrip("."))
                )
            )
        if paths:
            conditions.append(
                models.FieldCondition(key="path", match=models.MatchAny(any=list(paths)))
            )
        if record_ids is not None:
            conditions.append(models.HasIdCondition(has_id=[point_id(r) for r in record_ids]))
        response = self.client.query_points(
            self.collection,
            query=np.asarray(vector, dtype=np.float32).tolist(),
            limit=k,
            query_filter=models.Filter(must=conditions) if conditions else None,
            with_payload=True,
        )
        return [
            IndexHit(record_id=p.payload["record_id"], score=float(p.score), payload=p.payload)
            for p in response.points
        ]


@contextlib.contextmanager
def open_index(
    location: IndexLocation, model_id: str, dim: int, create: bool = True
) -> Iterator[VectorIndex]:
    """The collection for `model_id`; local mode holds a folder lock, so always close it."""
    from qdrant_client import QdrantClient

    if location.path:
        client = QdrantClient(path=location.path)
    else:
        client = QdrantClient(url=location.url, api_key=location.api_key, timeout=60)
    try:
        index = VectorIndex(client, collection_name(location.collection_prefix, model_id), dim)
        if create:
            index._ensure_collection(server=bool(location.url))
        elif not client.collection_exists(index.collection):
            raise LookupError(
                f"no vector index for model {model_id} at {location.path or location.url}: "
                "materialise vector_index first"
            )
        yield index
    finally:
        client.close()
