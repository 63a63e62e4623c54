"""Fixtures for the ML task tests: land a CSV through the real converter and ledger, write
task specs into NEXUS_HOME/tasks, and a knowledge base Parquet file."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml


@pytest.fixture
def land(paths, put):
    """land("nlp/x.csv", csv_text): write a landing file and convert it as the platform does."""
    from nexus_platform.ingest.convert import convert_file
    from nexus_platform.ingest.ledger import Ledger

    def _land(relpath: str, text: str):
        put(relpath, text)
        ledger = Ledger(paths)
        entry = convert_file(paths, relpath, previous=ledger.get(relpath))
        assert entry.status == "converted", entry.error
        ledger.put(entry)
        return entry

    return _land


@pytest.fixture
def write_spec(nexus_home):
    def _write(spec: dict) -> str:
        folder = nexus_home / "tasks"
        folder.mkdir(exist_ok=True)
        target = folder / f"{spec['name']}.yaml"
        target.write_text(yaml.safe_dump(spec), encoding="utf-8")
        return str(target)

    return _write


@pytest.fixture
def knowledgebase(paths):
    def _write(texts: list[str]) -> None:
        folder = paths.knowledgebase
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.table(
            {
                "id": [f"r{i}" for i in range(len(texts))],
                "text": texts,
                "metadata": [json.dumps({}) for _ in texts],
            }
        )
        pq.write_table(table, str(folder / "knowledgebase.parquet"))

    return _write
