"""Incremental kb_embeddings.parquet with the real bundled model."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from embeddings_kb import edit_text, make_records, write_knowledge_base

from nexus_platform.embeddings.local import SentenceTransformerEmbedder, bundled_model_path
from nexus_platform.embeddings.records import KnowledgeBaseError, knowledgebase_file
from nexus_platform.embeddings.store import (
    embeddings_file,
    read_embeddings,
    update_embeddings,
    vectors_of,
)


def _update(paths, embedder):
    return update_embeddings(knowledgebase_file(paths), embedder, embeddings_file(paths))


def test_first_run_embeds_every_record_with_the_contract_schema(nexus_paths, bundled_embedder):
    records = make_records()
    write_knowledge_base(nexus_paths, records)
    update = _update(nexus_paths, bundled_embedder)
    assert (update.total, update.embedded, update.reused) == (len(records), len(records), 0)
    # Two records share one text: it is encoded once.
    assert update.texts_encoded == len({r["content_sha256"] for r in records})

    schema = pq.read_schema(embeddings_file(nexus_paths).path)
    assert schema.field("vector").type == pa.list_(pa.float32(), 384)
    table = read_embeddings(embeddings_file(nexus_paths))
    assert table.column("id").to_pylist() == [r["id"] for r in records]
    assert set(table.column("model").to_pylist()) == {bundled_embedder.model_id}
    assert "@" in bundled_embedder.model_id  # name@revision
    assert set(table.column("dim").to_pylist()) == {384}
    vectors = vectors_of(table)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    direct = bundled_embedder.embed([records[3]["text"]])[0]
    assert float(direct @ vectors[3]) > 0.9999


def test_unchanged_changed_and_removed_records(nexus_paths, bundled_embedder):
    records = make_records()
    write_knowledge_base(nexus_paths, records)
    _update(nexus_paths, bundled_embedder)
    before = vectors_of(read_embeddings(embeddings_file(nexus_paths)))

    again = _update(nexus_paths, bundled_embedder)
    assert (again.embedded, again.reused, again.written) == (0, len(records), False)

    records[4] = edit_text(records[4], "Sheep wool insulation batts for timber frame walls.")
    write_knowledge_base(nexus_paths, records)
    changed = _update(nexus_paths, bundled_embedder)
    assert (changed.embedded, changed.reused, changed.removed) == (1, len(records) - 1, 0)
    after = vectors_of(read_embeddings(embeddings_file(nexus_paths)))
    untouched = [i for i in range(len(records)) if i != 4]
    np.testing.assert_array_equal(after[untouched], before[untouched])
    assert float(after[4] @ before[4]) < 0.95

    removed_id = records.pop(0)["id"]
    write_knowledge_base(nexus_paths, records)
    shrunk = _update(nexus_paths, bundled_embedder)
    assert (shrunk.embedded, shrunk.removed, shrunk.total) == (0, 1, len(records))
    ids = read_embeddings(embeddings_file(nexus_paths)).column("id").to_pylist()
    assert removed_id not in ids and len(ids) == len(records)


def test_another_model_never_reuses_vectors(nexus_paths, bundled_embedder):
    records = make_records()[:4]
    write_knowledge_base(nexus_paths, records)
    _update(nexus_paths, bundled_embedder)
    renamed = SentenceTransformerEmbedder(model_path=bundled_model_path(), model_name="other-model")
    assert renamed.model_id != bundled_embedder.model_id
    update = _update(nexus_paths, renamed)
    assert (update.embedded, update.reused) == (4, 0)
    models = set(read_embeddings(embeddings_file(nexus_paths)).column("model").to_pylist())
    assert models == {renamed.model_id}


def test_bad_knowledge_base_names_file_and_field(nexus_paths, bundled_embedder):
    with pytest.raises(KnowledgeBaseError, match="knowledgebase.parquet.*not found"):
        _update(nexus_paths, bundled_embedder)
    records = make_records()[:3]
    records[2] = {**records[2], "id": records[0]["id"]}
    write_knowledge_base(nexus_paths, records)
    with pytest.raises(KnowledgeBaseError, match="knowledgebase.parquet: field 'id' is not unique"):
        _update(nexus_paths, bundled_embedder)
    kb = knowledgebase_file(nexus_paths).path
    pq.write_table(pq.read_table(kb).drop_columns(["content_sha256"]), kb)
    with pytest.raises(KnowledgeBaseError, match="field 'content_sha256' missing"):
        _update(nexus_paths, bundled_embedder)
