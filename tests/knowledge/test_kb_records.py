"""The record contract on a converted corpus, through the real build and real files."""

from __future__ import annotations

import hashlib
import json

import pyarrow as pa
import pyarrow.parquet as pq
from kb_corpus import POLICY_SECTIONS, SENTIMENT_TEXTS, sentiment_table

from nexus_platform.knowledge.build import build_knowledgebase
from nexus_platform.knowledge.config import KnowledgeConfig, TableRule


def _jsonl(paths) -> list[dict]:
    text = (paths.knowledgebase / "knowledgebase.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_record_contract_jsonl_and_parquet_agree(paths, corpus):
    stats = build_knowledgebase(paths, KnowledgeConfig())
    records = _jsonl(paths)
    table = pq.read_table((paths.knowledgebase / "knowledgebase.parquet").path)
    assert stats.records == len(records) == table.num_rows > 0
    assert table.schema.field("source").type.field("row").type == pa.int64()
    assert table.schema.field("metadata").type == pa.string()
    for record, row in zip(records, table.to_pylist(), strict=True):
        assert record["id"] == row["id"] and record["text"] == row["text"]
        assert record["source"] == row["source"]
        assert record["metadata"] == json.loads(row["metadata"])
        assert record["text"].strip() == record["text"] != ""
        assert record["content_sha256"] == hashlib.sha256(record["text"].encode()).hexdigest()
        source = record["source"]
        assert source["folders"] == source["path"].split("/")[:-1]
        assert source["file_type"] == source["path"].rsplit(".", 1)[-1]
    assert len({r["id"] for r in records}) == len(records)


def test_table_rows_become_records_with_other_columns_as_metadata(paths, corpus):
    build_knowledgebase(paths, KnowledgeConfig())
    rows = [r for r in _jsonl(paths) if r["source"]["path"] == "nlp/sentiment/esg_sentiment.csv"]
    assert [r["text"] for r in rows] == SENTIMENT_TEXTS
    assert [r["source"]["row"] for r in rows] == list(range(len(SENTIMENT_TEXTS)))
    assert {r["source"]["table"] for r in rows} == {"data"}
    assert rows[0]["metadata"] == {"id": 1, "label": "positive", "score": 0.9}
    assert rows[1]["metadata"]["score"] is None  # NaN is not JSON: stored as null
    assert all(r["source"]["page"] is None and r["source"]["chunk"] is None for r in rows)


def test_documents_keep_heading_path_and_page(paths, corpus):
    build_knowledgebase(paths, KnowledgeConfig())
    records = _jsonl(paths)
    policy = [r for r in records if r["source"]["path"].endswith("climate_transition_policy.md")]
    # The "Governance" section has no text: no record, never an empty one.
    assert [r["metadata"]["headings"] for r in policy] == [s[3] for s in POLICY_SECTIONS[:2]]
    assert policy[0]["text"] == (
        "This policy sets out how the group reaches net zero.\n\nIt applies to all plants."
    )
    assert [r["source"]["chunk"] for r in policy] == [0, 1]
    report = [r for r in records if r["source"]["table"] == "pages"]
    assert [r["source"]["page"] for r in report] == [1, 2]
    assert report[0]["source"]["folders"] == ["climate", "reports", "2023", "q4", "final"]


def test_tables_without_text_and_scanned_documents_are_reported(paths, corpus):
    stats = build_knowledgebase(paths, KnowledgeConfig())
    assert stats.tables_without_text == [
        "climate/emissions/scope_emissions.csv::data",
        "climate/reports/2023/q4/final/sustainability_report.pdf::page_2_table_1",
    ]
    assert stats.documents_without_text == ["_inbox/scanned_invoice.pdf"]
    assert not any(r["source"]["path"].startswith("_inbox/") for r in _jsonl(paths))


def test_exact_duplicates_across_files_are_marked(paths, corpus):
    repeated = SENTIMENT_TEXTS[:2] + [SENTIMENT_TEXTS[0]] + SENTIMENT_TEXTS[3:]
    corpus.put("social/reviews/copy.csv", {"data": sentiment_table(repeated)})
    stats = build_knowledgebase(paths, KnowledgeConfig())
    records = _jsonl(paths)
    original = next(
        r
        for r in records
        if r["source"]["path"] == "nlp/sentiment/esg_sentiment.csv"
        and r["text"] == SENTIMENT_TEXTS[0]
    )
    copies = [r for r in records if r["source"]["path"] == "social/reviews/copy.csv"]
    marked = [r for r in copies if r["duplicate_of"]]
    # Every copied row (one of them twice) points at its original in the first file by path.
    assert len(marked) == len(copies) == 6
    assert {r["metadata"]["duplicate_of"] for r in marked if r["text"] == SENTIMENT_TEXTS[0]} == {
        original["id"]
    }
    assert original["duplicate_of"] is None and "duplicate_of" not in original["metadata"]
    assert stats.duplicates == 6


def test_repeats_within_one_file_are_not_duplicates(paths, corpus):
    texts = ["Only said in this file, twice over."] * 2 + [
        t + " (echo)" for t in SENTIMENT_TEXTS[:4]
    ]
    corpus.put("social/reviews/echo.csv", {"data": sentiment_table(texts)})
    stats = build_knowledgebase(paths, KnowledgeConfig())
    echoed = [r for r in _jsonl(paths) if r["source"]["path"] == "social/reviews/echo.csv"]
    assert len(echoed) == 6
    assert stats.duplicates == 0 and not any(r["duplicate_of"] for r in echoed)


def test_text_is_normalised_and_the_stored_table_untouched(paths, corpus):
    raw = ["Cafe\u0301 visit\x07 by  the\tauditors\u200b went\nwell today, really well."]
    table = sentiment_table(raw * 6)
    entry = corpus.put("social/raw.csv", {"data": table})
    # One repeated value is not prose by the default detection: name the column.
    rule = TableRule(path="social/*.csv", text_columns=("text",))
    build_knowledgebase(paths, KnowledgeConfig(rules=(rule,)))
    texts = {r["text"] for r in _jsonl(paths) if r["source"]["path"] == "social/raw.csv"}
    assert texts == {"Café visit by the auditors went well today, really well."}
    assert pq.read_table(entry.tables[0].path).column("text").to_pylist() == raw * 6


def test_counts_by_topic_handles_files_at_the_landing_root():
    import pyarrow as pa

    from nexus_platform.knowledge.build import counts_by

    source = pa.array(
        [
            {"folders": []},
            {"folders": ["climate", "x"]},
            {"folders": ["climate"]},
            {"folders": None},
        ],
        pa.struct([("folders", pa.list_(pa.string()))]),
    )
    table = pa.table({"source": source})
    assert counts_by(table, "topic") == {"(root)": 2, "climate": 2}
