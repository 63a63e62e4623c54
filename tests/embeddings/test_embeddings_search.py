"""Semantic search (the Python function) over an index built by the platform; `nexus search`
is tested with hybrid search in tests/search."""

from __future__ import annotations

import pytest
from embeddings_kb import QUERIES, make_records, write_knowledge_base

from nexus_platform.embeddings.index import IndexLocation, open_index, record_payloads
from nexus_platform.embeddings.records import knowledgebase_file, read_records, source_dicts
from nexus_platform.embeddings.search import search
from nexus_platform.embeddings.store import (
    embeddings_file,
    read_embeddings,
    update_embeddings,
    vectors_of,
    write_manifest,
)
from nexus_platform.settings import NexusPaths

RECORDS = make_records()
PATH_OF = {r["id"]: r["source"]["path"] for r in RECORDS}


@pytest.fixture(scope="module")
def indexed_home(tmp_path_factory, bundled_embedder) -> NexusPaths:
    paths = NexusPaths.from_uri(str(tmp_path_factory.mktemp("search") / "nexus"))
    write_knowledge_base(paths, RECORDS)
    update = update_embeddings(knowledgebase_file(paths), bundled_embedder, embeddings_file(paths))
    write_manifest(paths, update, {"provider": "local"})
    table = read_embeddings(embeddings_file(paths))
    records = read_records(knowledgebase_file(paths), ["text", "source"])
    ids = records.column("id").to_pylist()
    payloads = record_payloads(
        ids,
        table.column("content_sha256").to_pylist(),
        records.column("text").to_pylist(),
        source_dicts(records),
        update.model_id,
    )
    with open_index(IndexLocation(path=paths.qdrant.path), update.model_id, update.dim) as index:
        index.sync(ids, vectors_of(table), payloads)
    return paths


@pytest.mark.parametrize(("query", "expected_id"), QUERIES)
def test_written_queries_find_their_record_first(indexed_home, query, expected_id):
    hits = search(query, k=5, paths=indexed_home)
    assert hits[0].id == expected_id
    assert hits[0].score > hits[1].score
    assert hits[0].source["path"] == PATH_OF[expected_id]
    assert hits[0].text == next(r["text"] for r in RECORDS if r["id"] == expected_id)


def test_folder_and_file_type_filters(indexed_home):
    everything = search("carbon footprint of building materials", k=20, paths=indexed_home)
    assert len(everything) == len(RECORDS)
    assert [h.score for h in everything] == sorted((h.score for h in everything), reverse=True)

    materials = search("carbon footprint", k=20, folder="materials", paths=indexed_home)
    assert {PATH_OF[h.id].split("/")[0] for h in materials} == {"materials"}
    assert len(materials) == sum(r["source"]["folders"][0] == "materials" for r in RECORDS)

    insulation = search(
        "carbon footprint", k=20, folder="/materials/insulation/", paths=indexed_home
    )
    assert {PATH_OF[h.id] for h in insulation} == {"materials/insulation/oekobaudat.csv"}

    pdfs = search("carbon", k=20, file_type="PDF", paths=indexed_home)
    assert pdfs and all(PATH_OF[h.id].endswith(".pdf") for h in pdfs)
    assert len(pdfs) == sum(r["source"]["file_type"] == "pdf" for r in RECORDS)

    both = search("ethics", k=20, folder="governance", file_type="docx", paths=indexed_home)
    assert {PATH_OF[h.id] for h in both} == {
        "governance/board/diversity.docx",
        "governance/ethics/anticorruption.docx",
    }
    only = search("ethics", k=20, source_paths=["water/usage/sites.csv"], paths=indexed_home)
    assert [h.id for h in only] == ["water/usage/sites.csv#data#0"]
    assert search("carbon", folder="no/such/folder", paths=indexed_home) == []


def test_query_embedder_must_match_index_model(indexed_home):
    from nexus_platform.embeddings.local import SentenceTransformerEmbedder, bundled_model_path

    other = SentenceTransformerEmbedder(model_path=bundled_model_path(), model_name="other")
    with pytest.raises(ValueError, match="not comparable"):
        search("anything", paths=indexed_home, embedder=other)
