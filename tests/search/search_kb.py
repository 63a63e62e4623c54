"""Test data of the search tests: the sample landing folder converted, embedded and indexed as
the assets do, a small annotations table in the platform's layout (esg_sentiment labels from
the sentiment file's own labels, and a water topic), and a way to change a record."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from nexus_platform.settings import NexusPaths

SAMPLE_LANDING = Path(__file__).resolve().parents[2] / "sample_data" / "landing"
SENTIMENT_FILE = "nlp/sentiment/esg_sentiment.csv"
WATER_TOPIC = "environment/water"


def build_sample_home(home: Path, embedder) -> NexusPaths:
    """Landing files -> Parquet -> knowledge base -> vectors -> lexical index, as the assets do."""
    from nexus_platform.embeddings.records import knowledgebase_file
    from nexus_platform.embeddings.store import embeddings_file, update_embeddings, write_manifest
    from nexus_platform.ingest.convert import ConvertConfig, convert_file
    from nexus_platform.ingest.ledger import Ledger
    from nexus_platform.knowledge.build import build_knowledgebase
    from nexus_platform.knowledge.config import load_config
    from nexus_platform.search.lexical import update_lexical_index

    shutil.copytree(SAMPLE_LANDING, home / "landing")
    paths = NexusPaths.from_uri(str(home))
    ledger = Ledger(paths)
    for file in sorted((home / "landing").rglob("*")):
        if file.is_file():
            relpath = file.relative_to(home / "landing").as_posix()
            ledger.put(convert_file(paths, relpath, ConvertConfig(), None))
    build_knowledgebase(paths, load_config())
    update = update_embeddings(knowledgebase_file(paths), embedder, embeddings_file(paths))
    write_manifest(paths, update, {"provider": "local"})
    update_lexical_index(knowledgebase_file(paths), paths.search)
    return paths


def write_annotations(paths: NexusPaths) -> dict[str, str]:
    """Annotations of the sample records in the table's own schema; record id -> sentiment."""
    from nexus_platform.annotation.table import ANNOTATIONS_SCHEMA, annotations_path
    from nexus_platform.embeddings.records import knowledgebase_file, read_records

    records = read_records(
        knowledgebase_file(paths), ["text", "source", "content_sha256", "metadata"]
    ).to_pylist()
    rows, sentiment = [], {}
    for record in records:
        base = {"record_id": record["id"], "content_sha256": record["content_sha256"]}
        if record["source"]["path"] == SENTIMENT_FILE:
            label = json.loads(record["metadata"])["label"]
            sentiment[record["id"]] = label
            rows.append(
                {
                    **base,
                    "model": "esg_sentiment",
                    "kind": "classification",
                    "model_version": "3",
                    "dvc_hash": "0f3c9a",
                    "label": label,
                    "score": 0.9,
                    "labels": None,
                    "entities": None,
                }
            )
        if "water" in record["text"].lower():
            rows.append(
                {
                    **base,
                    "model": "topics",
                    "kind": "topics",
                    "model_version": "t1",
                    "dvc_hash": "",
                    "label": None,
                    "score": None,
                    "labels": [{"label": WATER_TOPIC, "score": 0.61}],
                    "entities": None,
                }
            )
    target = Path(annotations_path(paths).path)
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=ANNOTATIONS_SCHEMA), target)
    return sentiment


def rewrite_record(paths, row: int, text: str) -> str:
    """Give record number `row` a new text, as a rebuilt knowledge base would; its id."""
    from nexus_platform.embeddings.records import knowledgebase_file

    kb = knowledgebase_file(paths).path
    table = pq.read_table(kb)
    records = table.to_pylist()
    records[row]["text"] = text
    records[row]["content_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    pq.write_table(pa.Table.from_pylist(records, schema=table.schema), kb)
    return records[row]["id"]
