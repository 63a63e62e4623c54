"""Dense retrieval: the records nearest in meaning to a query vector.

Two back ends over the same vectors (those `kb_embeddings` made and `vector_index` holds):

- `MatrixDense` (local): the vectors in memory, exact cosine by one matrix product. Qdrant's
  local mode is exact search too, but it scans payloads in Python (measured at 100k points:
  ~120 ms a query unfiltered, ~1.7 s filtered) and holds an exclusive lock on its folder, which
  would stop `vector_index` from syncing while the service runs.
- `QdrantDense` (a Qdrant server, `QDRANT_URL`): the query goes to the server with every filter
  pushed down (folder and file type as payload conditions, annotation filters as point ids).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from nexus_platform.embeddings.index import IndexLocation, open_index
from nexus_platform.embeddings.store import (
    embeddings_file,
    read_embeddings,
    read_manifest,
    vectors_of,
)
from nexus_platform.search.catalog import Catalog
from nexus_platform.search.filters import FILE_TYPE, FOLDER, Where
from nexus_platform.search.lexical import records_fingerprint
from nexus_platform.settings import NexusPaths

# Below this share of rows passing the filters, score only those rows.
_SUBSET_SHARE = 0.25
# A full scan reads a half-precision copy (half the memory traffic: ~2x faster measured at 100k
# x 384) and rescores this many best candidates, at least, in float32: the ranking is exact
# (half precision moves a cosine by ~1e-4; the exact top 100 was inside the top 200 at 100k).
_RESCORE = 200


class DenseIndex(Protocol):
    """What the engine asks of a dense back end."""

    kind: str
    model: str
    fingerprint: str  # of the (id, content hash) pairs its vectors were made from

    def search(
        self, vector: np.ndarray, k: int, allowed: np.ndarray | None, wheres: Sequence[Where] = ()
    ) -> list[tuple[int, float]]: ...

    def close(self) -> None: ...


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    if len(scores) > k:
        best = np.argpartition(-scores, k - 1)[:k]
    else:
        best = np.arange(len(scores))
    return best[np.argsort(-scores[best], kind="stable")]


class MatrixDense:
    kind = "memory"

    def __init__(self, matrix: np.ndarray, has_vector: np.ndarray, model: str, fingerprint: str):
        import torch  # the embedding model's library: its half-precision matrix-vector product

        self.matrix = matrix  # rows in catalog order; zeros where a record has no vector
        self.half = torch.from_numpy(matrix).half()
        self.has_vector = has_vector
        self.all_vectors = bool(has_vector.all())
        self.model = model
        self.fingerprint = fingerprint

    @classmethod
    def load(cls, paths: NexusPaths, catalog: Catalog) -> MatrixDense | None:
        manifest = read_manifest(paths)
        table = read_embeddings(embeddings_file(paths), ["id", "content_sha256", "vector"])
        if not manifest or table is None:
            return None
        ids = table.column("id").to_pylist()
        vectors = vectors_of(table)
        matrix = np.zeros((len(catalog), vectors.shape[1]), dtype=np.float32)
        has_vector = np.zeros(len(catalog), dtype=bool)
        rows = np.array([catalog.row_of.get(i, -1) for i in ids], dtype=np.int64)
        known = rows >= 0
        matrix[rows[known]] = vectors[known]
        has_vector[rows[known]] = True
        fingerprint = records_fingerprint(ids, table.column("content_sha256").to_pylist())
        return cls(matrix, has_vector, manifest["model"], fingerprint)

    def search(
        self, vector: np.ndarray, k: int, allowed: np.ndarray | None, wheres: Sequence[Where] = ()
    ) -> list[tuple[int, float]]:
        keep = self.has_vector if allowed is None else (allowed & self.has_vector)
        query = np.asarray(vector, dtype=np.float32)
        if keep.mean() < _SUBSET_SHARE:
            rows = np.flatnonzero(keep)
            scores = self.matrix[rows] @ query
            best = _top(scores, k)
            return [(int(rows[i]), float(scores[i])) for i in best]
        import torch

        rough = torch.mv(self.half, torch.from_numpy(query).half()).numpy().astype(np.float32)
        if allowed is not None or not self.all_vectors:
            rough[~keep] = -np.inf
        candidates = [i for i in _top(rough, max(k, _RESCORE)) if np.isfinite(rough[i])]
        exact = self.matrix[candidates] @ query
        best = _top(exact, k)
        return [(int(candidates[i]), float(exact[i])) for i in best]

    def close(self) -> None:
        return None


class QdrantDense:
    kind = "qdrant"

    def __init__(self, location: IndexLocation, paths: NexusPaths, catalog: Catalog):
        manifest = read_manifest(paths)
        if not manifest:
            raise LookupError(f"no embeddings under {paths.embeddings}: materialise kb_embeddings")
        self.model = manifest["model"]
        self.catalog = catalog
        table = read_embeddings(embeddings_file(paths), ["id", "content_sha256"])
        self.fingerprint = (
            records_fingerprint(
                table.column("id").to_pylist(), table.column("content_sha256").to_pylist()
            )
            if table is not None
            else ""
        )
        self._stack = contextlib.ExitStack()
        self.index = self._stack.enter_context(
            open_index(location, self.model, manifest["dim"], create=False)
        )

    def search(
        self, vector: np.ndarray, k: int, allowed: np.ndarray | None, wheres: Sequence[Where] = ()
    ) -> list[tuple[int, float]]:
        folder = next((w.value for w in wheres if w.key == FOLDER), None)
        file_type = next((w.value for w in wheres if w.key == FILE_TYPE), None)
        pushed = {FOLDER: folder, FILE_TYPE: file_type}
        rest = [w for w in wheres if pushed.get(w.key) != w.value]
        record_ids = None
        if rest and allowed is not None:
            record_ids = [self.catalog.ids[i] for i in np.flatnonzero(allowed)]
        hits = self.index.query(
            vector, k=k, folder=folder, file_type=file_type, record_ids=record_ids
        )
        out = []
        for hit in hits:
            row = self.catalog.row_of.get(hit.record_id)
            if row is not None and (allowed is None or allowed[row]):
                out.append((row, hit.score))
        return out

    def close(self) -> None:
        self._stack.close()
