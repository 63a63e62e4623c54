"""The lexical side on its own: terms, incremental index, BM25 ranking, rank fusion."""

from __future__ import annotations

import hashlib
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nexus_platform.knowledge.records import SOURCE_TYPE
from nexus_platform.search.engine import reciprocal_rank_fusion
from nexus_platform.search.lexical import (
    BUILDS_DIR,
    LexicalIndex,
    read_lexical_manifest,
    update_lexical_index,
)
from nexus_platform.search.tokenize import tokenize
from nexus_platform.settings import NexusPaths


def write_kb(paths: NexusPaths, texts: dict[str, str]) -> None:
    folder = paths.knowledgebase.path
    ids = list(texts)
    table = pa.table(
        {
            "id": ids,
            "text": [texts[i] for i in ids],
            "content_sha256": [hashlib.sha256(texts[i].encode()).hexdigest() for i in ids],
            "source": pa.array(
                [{"path": f"{i}.csv", "folders": [], "file_type": "csv", "row": 0} for i in ids],
                SOURCE_TYPE,
            ),
            "metadata": [json.dumps({}) for _ in ids],
        }
    )
    os.makedirs(folder, exist_ok=True)
    pq.write_table(table, f"{folder}/knowledgebase.parquet")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CEM III/A", ["cem", "iii/a", "iii", "a"]),
        ("EPD-DE-2023-001", ["epd-de-2023-001", "epd", "de", "2023", "001"]),
        ("the emissions of the companies", ["emiss", "compani"]),
        ("Regulation (EU) 2020/852.", ["regul", "eu", "2020/852", "2020", "852"]),
    ],
)
def test_terms_keep_codes_whole_and_stem_words(text, expected):
    assert tokenize(text) == expected


def test_a_changed_record_alone_is_tokenised_again(paths):
    texts = {f"r{i}": f"record number {i} about clinker and kilns" for i in range(20)}
    write_kb(paths, texts)
    kb = paths.knowledgebase / "knowledgebase.parquet"
    first = update_lexical_index(kb, paths.search)
    assert (first.total, first.tokenized, first.reused, first.written) == (20, 20, 0, True)

    again = update_lexical_index(kb, paths.search)
    assert (again.tokenized, again.written) == (0, False)

    texts["r3"] = "Wetzlar lime works were sold"
    del texts["r7"]
    write_kb(paths, texts)
    update = update_lexical_index(kb, paths.search)
    assert (update.total, update.tokenized, update.reused, update.removed) == (19, 1, 18, 1)
    # One build folder: the previous one goes once the manifest points at the new one.
    builds = list((paths.search / BUILDS_DIR).iterdir())
    assert [b.name for b in builds] == [read_lexical_manifest(paths.search)["build"]]

    index = LexicalIndex.load(paths.search)
    hits = index.search(tokenize("Wetzlar lime"), k=5)
    assert [index.ids[row] for row, _ in hits] == ["r3"]
    assert "r7" not in index.ids


def test_bm25_prefers_the_rare_exact_term_and_honours_the_mask(paths):
    texts = {
        "a": "Portland cement CEM I 42.5 R",
        "b": "Blast-furnace cement CEM III/A",
        "c": "cement cement cement screed",
    }
    write_kb(paths, texts)
    update_lexical_index(paths.knowledgebase / "knowledgebase.parquet", paths.search)
    index = LexicalIndex.load(paths.search)
    ranked = [index.ids[row] for row, _ in index.search(tokenize("CEM III/A"), k=3)]
    assert ranked[0] == "b"
    assert index.search(tokenize("unknownword"), k=3) == []
    allowed = pa.array([i != "b" for i in index.ids]).to_numpy(zero_copy_only=False)
    masked = [index.ids[row] for row, _ in index.search(tokenize("CEM III/A"), 3, allowed)]
    assert "b" not in masked and masked


def test_reciprocal_rank_fusion_rewards_agreement():
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1, 4]], k=4)
    assert [row for row, _ in fused] == [1, 3, 2, 4]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
