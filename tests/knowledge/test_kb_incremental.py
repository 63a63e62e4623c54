"""Stable ids and incremental rebuilds: only the records of changed files are recomputed."""

from __future__ import annotations

import json
import shutil

import pyarrow as pa
import pytest
from kb_corpus import SENTIMENT_TEXTS, sentiment_table

from nexus_platform.knowledge import shards
from nexus_platform.knowledge.build import build_knowledgebase
from nexus_platform.knowledge.config import KnowledgeConfig, KnowledgeConfigError, TableRule

CONFIG = KnowledgeConfig()


def _lines_by_path(paths) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in shards.jsonl_path(paths).read_text("utf-8").splitlines():
        out.setdefault(json.loads(line)["source"]["path"], []).append(line)
    return out


def _ids(paths) -> list[str]:
    return [json.loads(line)["id"] for line in shards.jsonl_path(paths).read_text().splitlines()]


def test_ids_are_the_same_across_runs_and_from_scratch(paths, corpus):
    first = build_knowledgebase(paths, CONFIG)
    ids = _ids(paths)
    second = build_knowledgebase(paths, CONFIG)
    assert _ids(paths) == ids
    assert (first.files_rebuilt, second.files_rebuilt) == (first.files, 0)
    # Nothing changed: the outputs are kept as they are, not even re-assembled.
    assert (second.blocks_from_previous_output, second.shards_read) == (0, 0)
    assert second.records == first.records and second.duplicates == first.duplicates
    shutil.rmtree(paths.knowledgebase.path)  # a different run on another day, from nothing
    build_knowledgebase(paths, CONFIG)
    assert _ids(paths) == ids


def test_renaming_an_unrelated_file_keeps_other_ids(paths, corpus):
    build_knowledgebase(paths, CONFIG)
    before = _lines_by_path(paths)
    corpus.rename("nlp/sentiment/esg_sentiment.csv", "nlp/sentiment/renamed.csv")
    stats = build_knowledgebase(paths, CONFIG)
    after = _lines_by_path(paths)
    assert stats.rebuilt_paths == ["nlp/sentiment/renamed.csv"]
    assert stats.files_removed == 1
    assert "nlp/sentiment/esg_sentiment.csv" not in after
    for path, lines in before.items():
        if path != "nlp/sentiment/esg_sentiment.csv":
            assert after[path] == lines  # same ids, byte-identical records
    old_ids = {json.loads(x)["id"] for x in before["nlp/sentiment/esg_sentiment.csv"]}
    new_ids = {json.loads(x)["id"] for x in after["nlp/sentiment/renamed.csv"]}
    assert len(new_ids) == len(old_ids) and not new_ids & old_ids  # the source is part of the id


def test_changing_one_file_rebuilds_only_its_records(paths, corpus):
    first = build_knowledgebase(paths, CONFIG)
    before = _lines_by_path(paths)
    changed = SENTIMENT_TEXTS[:-1] + ["A new statement about recycled aggregates in 2024."]
    corpus.put("nlp/sentiment/esg_sentiment.csv", {"data": sentiment_table(changed)})
    stats = build_knowledgebase(paths, CONFIG)
    assert stats.rebuilt_paths == ["nlp/sentiment/esg_sentiment.csv"]
    assert stats.files_reused == first.files - 1
    assert stats.shards_read == 0  # the rest came from the previous output in one read
    assert stats.blocks_from_previous_output == len(before) - 1
    after = _lines_by_path(paths)
    new = after["nlp/sentiment/esg_sentiment.csv"]
    old = before["nlp/sentiment/esg_sentiment.csv"]
    assert new[:-1] == old[:-1] and new[-1] != old[-1]  # unchanged rows keep their ids
    assert json.loads(new[-1])["text"] == changed[-1]
    assert {p: v for p, v in after.items() if p != "nlp/sentiment/esg_sentiment.csv"} == {
        p: v for p, v in before.items() if p != "nlp/sentiment/esg_sentiment.csv"
    }
    live = {p.stem for p in shards.shards_dir(paths).iterdir()}
    manifest = shards.load_manifest(paths)
    assert live == {info["key"] for info in manifest["files"].values()}  # old shard removed


def test_a_rule_change_rebuilds_only_the_files_it_matches(paths, corpus):
    build_knowledgebase(paths, CONFIG)
    rule = TableRule(path="climate/emissions/*.csv", text_columns=("scope",))
    stats = build_knowledgebase(paths, KnowledgeConfig(rules=(rule,)))
    assert stats.rebuilt_paths == ["climate/emissions/scope_emissions.csv"]
    texts = [
        json.loads(x)["text"]
        for x in _lines_by_path(paths)["climate/emissions/scope_emissions.csv"]
    ]
    assert texts == ["1", "2"]


def test_a_damaged_previous_output_falls_back_to_the_shards(paths, corpus):
    build_knowledgebase(paths, CONFIG)
    expected = shards.jsonl_path(paths).read_bytes()
    # As if the process died between writing the JSONL and the Parquet file.
    shards.jsonl_path(paths).write_bytes(expected[: len(expected) // 2])
    stats = build_knowledgebase(paths, CONFIG)
    assert stats.files_rebuilt == 0 and stats.blocks_from_previous_output == 0
    assert stats.shards_read > 0
    assert shards.jsonl_path(paths).read_bytes() == expected


def test_duplicate_marks_follow_the_files_that_hold_the_text(paths, corpus):
    corpus.put("social/copy.csv", {"data": sentiment_table()})
    build_knowledgebase(paths, CONFIG)
    assert all(json.loads(x)["duplicate_of"] for x in _lines_by_path(paths)["social/copy.csv"])
    corpus.ledger.mark_stale("nlp/sentiment/esg_sentiment.csv")
    stats = build_knowledgebase(paths, CONFIG)
    copies = [json.loads(x) for x in _lines_by_path(paths)["social/copy.csv"]]
    assert stats.duplicates == 0 and stats.rebuilt_paths == []
    assert all(r["duplicate_of"] is None and "duplicate_of" not in r["metadata"] for r in copies)


def test_an_unreadable_table_is_reported_and_keeps_its_last_records(paths, corpus):
    build_knowledgebase(paths, CONFIG)
    before = _lines_by_path(paths)["nlp/sentiment/esg_sentiment.csv"]
    entry = corpus.put("nlp/sentiment/esg_sentiment.csv", {"data": sentiment_table()[:3]})
    with open(entry.tables[0].path, "wb") as fh:
        fh.write(b"PAR1 this is not parquet")
    stats = build_knowledgebase(paths, CONFIG)
    assert list(stats.errors) == ["nlp/sentiment/esg_sentiment.csv"]
    assert _lines_by_path(paths)["nlp/sentiment/esg_sentiment.csv"] == before
    assert stats.files == 5


def test_a_rule_naming_a_missing_column_fails_naming_file_and_column(paths, corpus):
    rule = TableRule(path="nlp/**", text_columns=("comment",))
    config = KnowledgeConfig(rules=(rule,), source="config/knowledgebase.yaml")
    with pytest.raises(KnowledgeConfigError) as error:
        build_knowledgebase(paths, config)
    message = str(error.value)
    assert "config/knowledgebase.yaml" in message and "tables[0]" in message
    assert "'comment'" in message and "nlp/sentiment/esg_sentiment.csv" in message


def test_long_table_cells_become_numbered_chunks_within_budget(paths, corpus):
    from nexus_platform.knowledge.chunking import count_tokens
    from nexus_platform.knowledge.config import ChunkingConfig

    long_text = " ".join(SENTIMENT_TEXTS * 4)
    corpus.put("social/long.csv", {"data": pa.table({"text": [long_text, SENTIMENT_TEXTS[0]]})})
    config = KnowledgeConfig(chunking=ChunkingConfig(max_tokens=40, overlap_tokens=8))
    build_knowledgebase(paths, config)
    rows = [json.loads(x) for x in _lines_by_path(paths)["social/long.csv"]]
    first_row = [r for r in rows if r["source"]["row"] == 0]
    assert len(first_row) > 3
    assert [r["source"]["chunk"] for r in first_row] == list(range(len(first_row)))
    assert all(count_tokens(r["text"]) <= 40 for r in first_row)
    assert [r["source"]["chunk"] for r in rows if r["source"]["row"] == 1] == [None]


def test_incremental_output_equals_a_build_from_scratch(paths, corpus):
    build_knowledgebase(paths, CONFIG)
    # A new file sorting first takes over as the original of texts already in the base:
    # the reused records of esg_sentiment.csv must now be marked as its duplicates.
    corpus.put("a_first/copy.csv", {"data": sentiment_table()})
    changed = SENTIMENT_TEXTS[:-1] + ["A changed last statement about rail freight."]
    corpus.put("nlp/sentiment/esg_sentiment.csv", {"data": sentiment_table(changed)})
    stats = build_knowledgebase(paths, CONFIG)
    assert stats.rebuilt_paths == ["a_first/copy.csv", "nlp/sentiment/esg_sentiment.csv"]
    assert stats.duplicates == len(SENTIMENT_TEXTS) - 1
    incremental_jsonl = shards.jsonl_path(paths).read_bytes()
    incremental_table = shards.read_parquet(shards.parquet_path(paths))

    shutil.rmtree(paths.knowledgebase.path)
    build_knowledgebase(paths, CONFIG)
    assert shards.jsonl_path(paths).read_bytes() == incremental_jsonl
    assert shards.read_parquet(shards.parquet_path(paths)).equals(incremental_table)
