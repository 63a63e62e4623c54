"""The Neo4j export: CSVs neo4j-admin accepts, the LOAD CSV script, the optional push."""

from __future__ import annotations

import csv
import json
import logging

import dagster as dg
import pytest

from nexus_platform.knowledge import shards
from nexus_platform.knowledge.build import build_knowledgebase
from nexus_platform.knowledge.config import KnowledgeConfig
from nexus_platform.knowledge.graph_export import FILES, export_graph
from nexus_platform.resources.neo4j import Neo4jResource, resources_for


def _read(export, kind) -> tuple[list[str], list[dict]]:
    with open(export.file(kind).path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames), list(reader)


def test_neo4j_csvs_parse_with_expected_headers_and_counts(paths, corpus):
    build_knowledgebase(paths, KnowledgeConfig())
    export = export_graph(paths)
    records = [json.loads(x) for x in shards.jsonl_path(paths).read_text().splitlines()]
    entries = [e for e in corpus.ledger.entries() if e.status == "converted"]
    expected_folders = {""} | {
        "/".join(e.folders[: i + 1]) for e in entries for i in range(len(e.folders))
    }

    header, folders = _read(export, "folders")
    assert header == ["id:ID", "name", "path", "depth:int", ":LABEL"]
    assert {f["path"] for f in folders} == expected_folders
    assert {f[":LABEL"] for f in folders} == {"Folder"}
    deep = next(f for f in folders if f["path"] == "climate/reports/2023/q4/final")
    assert (deep["name"], deep["depth:int"]) == ("final", "5")

    header, documents = _read(export, "documents")
    assert header[0] == "id:ID" and header[-1] == ":LABEL"
    assert sorted(d["path"] for d in documents) == sorted(e.path for e in entries)

    header, nodes = _read(export, "records")
    assert header[:3] == ["id:ID", "record_id", "text"] and "row:long" in header
    assert [n["record_id"] for n in nodes] == [r["id"] for r in records]
    assert [n["text"] for n in nodes] == [r["text"] for r in records]  # multi-line texts survive

    header, contains = _read(export, "contains")
    assert header == [":START_ID", ":END_ID", ":TYPE"]
    assert len(contains) == len(expected_folders) - 1 + len(documents)
    node_ids = {n["id:ID"] for n in folders + documents + nodes}
    assert all(r[":START_ID"] in node_ids and r[":END_ID"] in node_ids for r in contains)

    header, part_of = _read(export, "part_of")
    assert header == [":START_ID", ":END_ID", ":TYPE"] and len(part_of) == len(records)
    assert {r[":TYPE"] for r in part_of} == {"PART_OF"}
    assert export.counts == {
        "folders": len(folders),
        "documents": len(documents),
        "records": len(nodes),
        "contains": len(contains),
        "part_of": len(part_of),
    }

    script = (export.directory / "load.cypher").read_text()
    for name in FILES.values():
        assert f"LOAD CSV WITH HEADERS FROM 'file:///{name}'" in script
    assert script.count("IN TRANSACTIONS") == len(FILES)


def test_push_is_skipped_with_a_log_line_when_not_configured(paths, corpus, caplog):
    build_knowledgebase(paths, KnowledgeConfig())
    export = export_graph(paths)
    with caplog.at_level(logging.INFO):
        assert Neo4jResource().push(export, logging.getLogger("kb")) is None
    assert "Neo4j push skipped" in caplog.text and "NEO4J_URI" in caplog.text


def test_push_without_the_driver_says_how_to_install_it(paths, corpus):
    try:
        import neo4j  # noqa: F401

        pytest.skip("the neo4j driver is installed here")
    except ImportError:
        pass
    export = export_graph(paths)
    resource = Neo4jResource(uri="bolt://127.0.0.1:7687", password="secret")
    with pytest.raises(RuntimeError, match=r"pip install 'neo4j"):
        resource.push(export, logging.getLogger("kb"))


def test_resources_come_from_env_vars_only_when_set(paths, monkeypatch):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    assert resources_for("local", paths)["neo4j"].is_configured() is False
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:7687")
    monkeypatch.setenv("NEO4J_PASSWORD", "secret")
    resource = resources_for("prod", paths)["neo4j"]
    assert resource.is_configured()
    # Secrets stay EnvVar references until Dagster resolves them at run time.
    assert isinstance(resource.password, dg.EnvVar) and resource.password != "secret"
