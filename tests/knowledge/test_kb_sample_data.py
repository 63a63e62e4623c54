"""The record contract on the repository's sample landing folder, converted for real."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from nexus_platform.knowledge.build import build_knowledgebase
from nexus_platform.knowledge.chunking import count_tokens
from nexus_platform.knowledge.config import load_config

SAMPLE_LANDING = Path(__file__).resolve().parents[2] / "sample_data" / "landing"


@pytest.mark.slow
@pytest.mark.skipif(not SAMPLE_LANDING.is_dir(), reason="no sample_data/landing in this checkout")
def test_record_contract_on_the_sample_data(nexus_home, paths):
    from nexus_platform.ingest.convert import ConvertConfig, convert_file
    from nexus_platform.ingest.ledger import Ledger

    shutil.copytree(SAMPLE_LANDING, nexus_home / "landing", dirs_exist_ok=True)
    ledger = Ledger(paths)
    for file in sorted((nexus_home / "landing").rglob("*")):
        if file.is_file():
            relpath = file.relative_to(nexus_home / "landing").as_posix()
            ledger.put(convert_file(paths, relpath, ConvertConfig(), None))
    converted = {e.path: e for e in ledger.entries() if e.status == "converted"}
    config = load_config()
    stats = build_knowledgebase(paths, config)

    records = [
        json.loads(line)
        for line in (paths.knowledgebase / "knowledgebase.jsonl").read_text("utf-8").splitlines()
    ]
    assert stats.records == len(records) > 0
    assert len({r["id"] for r in records}) == len(records)
    for record in records:
        source = record["source"]
        assert source["path"] in converted  # never a quarantined file
        assert source["folders"] == converted[source["path"]].folders
        assert source["file_type"] == converted[source["path"]].file_type
        assert record["text"] and record["text"] == record["text"].strip()
        assert record["content_sha256"] == hashlib.sha256(record["text"].encode()).hexdigest()
        assert count_tokens(record["text"]) <= config.chunking.max_tokens
        if source["row"] is None:  # a document chunk
            assert isinstance(record["metadata"]["headings"], list)
    documents = {r["source"]["path"] for r in records if r["source"]["row"] is None}
    tables = {r["source"]["path"] for r in records if r["source"]["row"] is not None}
    assert documents and tables
    assert stats.rebuilt_paths == sorted(converted)
    again = build_knowledgebase(paths, config)
    assert again.files_rebuilt == 0 and again.records == stats.records
