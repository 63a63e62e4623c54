"""`kb_embeddings.parquet`: one vector per knowledge record, kept incrementally.

Columns: id, content_sha256, model, dim, vector (fixed_size_list<float32>[dim]). A vector is
reused when a record's `content_sha256` and the model id match a stored one, so unchanged
text is never embedded again; records that left the knowledge base leave the file; vectors of
another model are never reused.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from upath import UPath

from nexus_platform.embeddings.base import Embedder
from nexus_platform.embeddings.records import read_parquet, read_records
from nexus_platform.settings import NexusPaths
from nexus_platform.storage import atomic_local_path, read_json, write_json

EMBEDDINGS_FILE = "kb_embeddings.parquet"
MANIFEST_FILE = "kb_embeddings.json"
ROW_GROUP_ROWS = 131_072


def embeddings_file(paths: NexusPaths) -> UPath:
    return paths.embeddings / EMBEDDINGS_FILE


def manifest_file(paths: NexusPaths) -> UPath:
    """Model id, dimension and the (secret-free) embedder spec that made the vectors."""
    return paths.embeddings / MANIFEST_FILE


def embeddings_schema(dim: int) -> pa.Schema:
    return pa.schema(
        [
            ("id", pa.string()),
            ("content_sha256", pa.string()),
            ("model", pa.string()),
            ("dim", pa.int32()),
            ("vector", pa.list_(pa.float32(), dim)),
        ]
    )


def vectors_of(table: pa.Table) -> np.ndarray:
    """The `vector` column as an (n, dim) float32 array."""
    column = table.column("vector").combine_chunks()
    dim = column.type.list_size
    return column.flatten().to_numpy(zero_copy_only=False).reshape(-1, dim).astype(np.float32)


def read_embeddings(path: UPath, columns: list[str] | None = None) -> pa.Table | None:
    return read_parquet(path, columns) if path.exists() else None


def write_embeddings(
    path: UPath, ids: pa.Array, shas: pa.Array, model_id: str, vectors: np.ndarray
) -> None:
    n, dim = vectors.shape
    flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1))
    table = pa.table(
        [
            ids,
            shas,
            pa.array([model_id] * n, pa.string()),
            pa.array(np.full(n, dim, dtype=np.int32)),
            pa.FixedSizeListArray.from_arrays(flat, dim),
        ],
        schema=embeddings_schema(dim),
    )
    with atomic_local_path(path, ".parquet") as tmp:
        pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP_ROWS)


@dataclass(frozen=True)
class EmbeddingUpdate:
    total: int
    embedded: int
    reused: int
    removed: int
    texts_encoded: int
    model_id: str
    dim: int
    embed_seconds: float
    written: bool

    def as_dict(self) -> dict:
        return asdict(self)


def update_embeddings(kb_path: UPath, embedder: Embedder, target: UPath) -> EmbeddingUpdate:
    """Bring `target` in line with the knowledge base at `kb_path`, embedding only new text."""
    records = read_records(kb_path, ["content_sha256"])
    ids = records.column("id").combine_chunks()
    shas = records.column("content_sha256").combine_chunks()
    model_id, n = embedder.model_id, len(ids)

    old = read_embeddings(target, ["id", "content_sha256", "model"])
    if old is not None:
        same_model = pc.all(pc.equal(old.column("model"), model_id)).as_py() is not False
        if (
            same_model
            and old.column("id").equals(records.column("id"))
            and old.column("content_sha256").equals(records.column("content_sha256"))
        ):
            # Nothing changed: do not even read the vectors.
            return EmbeddingUpdate(n, 0, n, 0, 0, model_id, embedder.dim, 0.0, False)

    reusable: dict[str, int] = {}
    old_vectors = np.zeros((0, embedder.dim), dtype=np.float32)
    removed = 0
    if old is not None:
        old_full = read_parquet(target)
        mask = pc.equal(old_full.column("model"), model_id)
        kept = old_full.filter(mask)
        if len(kept) and kept.column("vector").type.list_size == embedder.dim:
            old_vectors = vectors_of(kept)
            reusable = {sha: i for i, sha in enumerate(kept.column("content_sha256").to_pylist())}
        removed = len(set(old_full.column("id").to_pylist()) - set(ids.to_pylist()))

    sha_list = shas.to_pylist()
    missing = [i for i, sha in enumerate(sha_list) if sha not in reusable]
    unique_missing = list(dict.fromkeys(sha_list[i] for i in missing))
    vectors = np.empty((n, embedder.dim), dtype=np.float32)
    embed_seconds = 0.0
    if missing:
        texts_table = read_records(kb_path, ["content_sha256", "text"])
        text_by_sha = dict(
            zip(
                texts_table.column("content_sha256").to_pylist(),
                texts_table.column("text").to_pylist(),
                strict=True,
            )
        )
        started = time.perf_counter()
        fresh = embedder.embed([text_by_sha[sha] for sha in unique_missing])
        embed_seconds = time.perf_counter() - started
        if fresh.shape != (len(unique_missing), embedder.dim):
            raise ValueError(
                f"{model_id} returned vectors of shape {fresh.shape}, "
                f"expected ({len(unique_missing)}, {embedder.dim})"
            )
        fresh_row = {sha: row for row, sha in enumerate(unique_missing)}
        vectors[missing] = fresh[[fresh_row[sha_list[i]] for i in missing]]
    reused_rows = [i for i in range(n) if sha_list[i] in reusable]
    if reused_rows:
        vectors[reused_rows] = old_vectors[[reusable[sha_list[i]] for i in reused_rows]]

    write_embeddings(target, ids, shas, model_id, vectors)
    return EmbeddingUpdate(
        total=n,
        embedded=len(missing),
        reused=len(reused_rows),
        removed=removed,
        texts_encoded=len(unique_missing),
        model_id=model_id,
        dim=embedder.dim,
        embed_seconds=embed_seconds,
        written=True,
    )


def write_manifest(paths: NexusPaths, update: EmbeddingUpdate, spec: dict) -> None:
    write_json(
        manifest_file(paths),
        {"model": update.model_id, "dim": update.dim, "count": update.total, "embedder": spec},
    )


def read_manifest(paths: NexusPaths) -> dict | None:
    return read_json(manifest_file(paths))
