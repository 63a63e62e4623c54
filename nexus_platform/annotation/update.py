"""Keeping the annotations table in step with the knowledge base and the promoted models.

A row (record, model) is reused as it is while the record's text (`content_sha256`) and the
model's version and DVC hash are those it was made with. So a changed record re-annotates
only its own rows, a newly promoted version re-annotates every record with that model and
nothing else, and a refresh where nothing moved reads two small columns and writes nothing.
Records that share a text are predicted once. Rows are ordered like the knowledge base (then
by model), so an unchanged row keeps its place and its bytes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from nexus_platform.annotation.distribution import (
    label_distribution,
    read_distribution,
    write_distribution,
)
from nexus_platform.annotation.models import ModelRef
from nexus_platform.annotation.predict import Annotator, row
from nexus_platform.annotation.table import ANNOTATIONS_SCHEMA, annotations_path, read_annotations
from nexus_platform.embeddings.records import knowledgebase_file, read_records
from nexus_platform.embeddings.store import (
    ROW_GROUP_ROWS,
    embeddings_file,
    read_embeddings,
    vectors_of,
)
from nexus_platform.settings import NexusPaths
from nexus_platform.storage import atomic_local_path

KEY_COLUMNS = ["record_id", "content_sha256", "model", "model_version", "dvc_hash"]


@dataclass
class AnnotationUpdate:
    records: int
    rows: int
    models: list[ModelRef]
    annotated: dict[str, int] = field(default_factory=dict)  # records (re)annotated per model
    texts_predicted: dict[str, int] = field(default_factory=dict)  # distinct texts per model
    predict_seconds: dict[str, float] = field(default_factory=dict)
    reused_rows: int = 0
    removed_rows: int = 0
    written: bool = False
    distribution: dict = field(default_factory=dict)
    previous_distribution: dict | None = None

    @property
    def annotated_total(self) -> int:
        return sum(self.annotated.values())


def update_annotations(
    paths: NexusPaths, annotator: Annotator, log: Callable[[str], None] = lambda _m: None
) -> AnnotationUpdate:
    """Bring the annotations table in line with the knowledge base and `annotator`'s models."""
    records = read_records(knowledgebase_file(paths), ["content_sha256"])
    ids = records.column("id").to_pylist()
    shas = records.column("content_sha256").to_pylist()
    old = read_annotations(paths)
    refs = annotator.refs
    update = AnnotationUpdate(records=len(ids), rows=0, models=refs)
    update.previous_distribution = read_distribution(paths)

    current = {(rid, sha) for rid, sha in zip(ids, shas, strict=True)}
    old_keys = old.select(KEY_COLUMNS).to_pylist()
    ref_of = {(r.name, r.model_version, r.dvc_hash): r for r in refs}
    keep = np.zeros(len(old_keys), dtype=bool)
    done: dict[str, set[str]] = {r.name: set() for r in refs}
    for index, key in enumerate(old_keys):
        ref = ref_of.get((key["model"], key["model_version"], key["dvc_hash"]))
        if ref is not None and (key["record_id"], key["content_sha256"]) in current:
            if key["record_id"] not in done[ref.name]:  # a duplicate row never survives
                keep[index] = True
                done[ref.name].add(key["record_id"])
    todo = {r.name: [i for i, rid in enumerate(ids) if rid not in done[r.name]] for r in refs}
    update.reused_rows = int(keep.sum())
    update.removed_rows = len(old_keys) - update.reused_rows
    if not any(todo.values()) and not update.removed_rows:
        update.rows = len(old_keys)
        update.distribution = label_distribution(old)
        return update

    fresh = _predict(paths, annotator, refs, todo, ids, shas, update, log)
    table = pa.concat_tables([old.filter(pa.array(keep)), fresh])
    position = {rid: i for i, rid in enumerate(ids)}
    order = {r.name: i for i, r in enumerate(refs)}
    table = table.append_column(
        "_order",
        pa.array(
            [
                position[rid] * len(refs) + order[model]
                for rid, model in zip(
                    table.column("record_id").to_pylist(),
                    table.column("model").to_pylist(),
                    strict=True,
                )
            ],
            pa.int64(),
        ),
    )
    table = table.sort_by("_order").drop_columns(["_order"])
    _write(paths, table)
    update.rows, update.written = len(table), True
    update.distribution = label_distribution(table)
    write_distribution(paths, update.distribution)
    return update


def _predict(paths, annotator, refs, todo, ids, shas, update, log) -> pa.Table:
    """Rows of every (record, model) in `todo`, each distinct text predicted once per model."""
    needed = sorted({i for rows in todo.values() for i in rows})
    if not needed:
        return ANNOTATIONS_SCHEMA.empty_table()
    texts = _texts_by_sha(paths, {shas[i] for i in needed})
    vectors = (
        _vectors_by_sha(paths, set(texts), annotator.embedder_id)
        if any(todo[r.name] and annotator.uses_record_vectors(r) for r in refs)
        else {}
    )
    rows: list[dict] = []
    for ref in refs:
        indices = todo[ref.name]
        if not indices:
            continue
        distinct = list(dict.fromkeys(shas[i] for i in indices))
        log(f"{ref.name} {ref.model_version}: annotating {len(indices)} records")
        started = time.perf_counter()
        columns = dict(
            zip(distinct, _predict_texts(annotator, ref, distinct, texts, vectors), strict=True)
        )
        update.predict_seconds[ref.name] = round(time.perf_counter() - started, 3)
        update.annotated[ref.name] = len(indices)
        update.texts_predicted[ref.name] = len(distinct)
        rows += [row(ref, ids[i], shas[i], columns[shas[i]]) for i in indices]
    return pa.Table.from_pylist(rows, schema=ANNOTATIONS_SCHEMA)


def _predict_texts(annotator: Annotator, ref: ModelRef, distinct, texts, vectors) -> list[dict]:
    batch = [texts[sha] for sha in distinct]
    if not annotator.uses_record_vectors(ref):
        return annotator.predict(ref, batch)
    # Texts whose stored vector is missing or stale (embeddings not yet refreshed) are
    # embedded here, so that a record is never left without its topics.
    missing = [sha for sha in distinct if sha not in vectors]
    if missing:
        fresh = annotator.embed([texts[sha] for sha in missing])
        vectors = {**vectors, **dict(zip(missing, fresh, strict=True))}
    return annotator.predict(ref, batch, np.stack([vectors[sha] for sha in distinct]))


def _texts_by_sha(paths: NexusPaths, wanted: set[str]) -> dict[str, str]:
    table = read_records(knowledgebase_file(paths), ["content_sha256", "text"])
    mask = pc.is_in(table.column("content_sha256"), pa.array(sorted(wanted), pa.string()))
    table = table.filter(mask)
    return dict(
        zip(
            table.column("content_sha256").to_pylist(),
            table.column("text").to_pylist(),
            strict=True,
        )
    )


def _vectors_by_sha(paths: NexusPaths, wanted: set[str], model_id: str) -> dict[str, np.ndarray]:
    table = read_embeddings(embeddings_file(paths), ["content_sha256", "model", "vector"])
    if table is None:
        return {}
    mask = pc.and_(
        pc.is_in(table.column("content_sha256"), pa.array(sorted(wanted), pa.string())),
        pc.equal(table.column("model"), model_id),
    )
    table = table.filter(mask)
    return dict(zip(table.column("content_sha256").to_pylist(), vectors_of(table), strict=True))


def _write(paths: NexusPaths, table: pa.Table) -> None:
    with atomic_local_path(annotations_path(paths), ".parquet") as tmp:
        pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP_ROWS)
