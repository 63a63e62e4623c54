"""The Dagster assets, their checks and the `nexus kb` commands on a temp NEXUS_HOME."""

from __future__ import annotations

import argparse
import json

import dagster as dg
import pytest
from kb_corpus import SENTIMENT_TEXTS, sentiment_table

from nexus_platform.assets.knowledgebase import build_defs, knowledge_graph, knowledgebase
from nexus_platform.resources.neo4j import Neo4jResource
from nexus_platform.resources.storage import NexusStorage


def _materialize(nexus_home, **run_config):
    return dg.materialize(
        [knowledgebase, knowledge_graph],
        resources={"storage": NexusStorage(home=str(nexus_home)), "neo4j": Neo4jResource()},
        run_config=run_config or None,
    )


def _checks(result) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_materialize_writes_records_and_reports_checks(nexus_home, paths, corpus):
    corpus.put("social/copy.csv", {"data": sentiment_table()})  # 6 of 16 records duplicated
    result = _materialize(nexus_home)
    assert result.success
    checks = _checks(result)
    for name in (
        "knowledgebase_no_empty_text",
        "knowledgebase_ids_unique",
        "knowledgebase_sources_converted",
        "knowledgebase_files_readable",
    ):
        assert checks[name].passed, name
    duplicates = checks["knowledgebase_duplicate_share"]
    assert not duplicates.passed and duplicates.severity == dg.AssetCheckSeverity.WARN
    tables = checks["knowledgebase_tables_have_text"]
    assert not tables.passed and "climate/emissions/scope_emissions.csv::data" in tables.description
    documents = checks["knowledgebase_documents_have_text"]
    assert not documents.passed and "_inbox/scanned_invoice.pdf" in documents.description

    materializations = {
        m.asset_key.to_user_string(): m.materialization.metadata
        for m in result.get_asset_materialization_events()
    }
    lines = (paths.knowledgebase / "knowledgebase.jsonl").read_text().splitlines()
    kb_meta = materializations["knowledgebase"]
    # Two sentiment tables, two policy sections with text, two report pages.
    assert kb_meta["dagster/row_count"].value == len(lines) == 2 * len(SENTIMENT_TEXTS) + 4
    assert kb_meta["records_per_topic"].value == {"climate": 4, "nlp": 6, "social": 6}
    graph_meta = materializations["knowledge_graph"]
    assert graph_meta["records_rows"].value == len(lines)
    assert graph_meta["neo4j_push"].value == "skipped"
    assert (paths.knowledgebase / "graph" / "rels_part_of.csv").exists()


def test_duplicate_threshold_comes_from_the_configuration_file(nexus_home, tmp_path, corpus):
    corpus.put("social/copy.csv", {"data": sentiment_table()})
    config_file = tmp_path / "kb.yaml"
    config_file.write_text("duplicates:\n  max_share: 0.9\n")
    result = _materialize(
        nexus_home, ops={"knowledgebase": {"config": {"config_file": str(config_file)}}}
    )
    assert _checks(result)["knowledgebase_duplicate_share"].passed


def test_second_materialization_reuses_every_file(nexus_home, corpus):
    _materialize(nexus_home)
    result = _materialize(nexus_home)
    kb = next(
        m
        for m in result.get_asset_materialization_events()
        if m.asset_key == dg.AssetKey("knowledgebase")
    )
    assert kb.materialization.metadata["files_rebuilt"].value == 0
    assert kb.materialization.metadata["files_reused"].value == 5


def test_definitions_load_with_the_resources(paths):
    from nexus_platform.resources.neo4j import resources_for

    defs = dg.Definitions.merge(
        build_defs(),
        dg.Definitions(
            resources={
                "storage": NexusStorage(home=str(paths.home)),
                **resources_for("local", paths),
            }
        ),
    )
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey("knowledgebase")).automation_condition is not None
    assert dg.AssetKey("parquet_tables") in graph.get(dg.AssetKey("knowledgebase")).parent_keys


def _cli(argv: list[str]) -> int:
    from nexus_platform.cli import kb

    parser = argparse.ArgumentParser(prog="nexus")
    kb.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_stats_and_show(nexus_home, paths, corpus, capsys):
    with pytest.raises(FileNotFoundError, match="materialize the `knowledgebase` asset"):
        _cli(["kb", "stats"])
    _materialize(nexus_home)
    assert _cli(["kb", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["by_topic"]["nlp"]["csv"] == len(SENTIMENT_TEXTS)
    assert stats["records"] == sum(sum(v.values()) for v in stats["by_topic"].values())
    assert _cli(["kb", "stats"]) == 0
    table = capsys.readouterr().out
    assert "top-level folder" in table and "climate" in table and "nlp" in table

    record = json.loads((paths.knowledgebase / "knowledgebase.jsonl").read_text().splitlines()[0])
    assert _cli(["kb", "show", record["id"]]) == 0
    assert json.loads(capsys.readouterr().out) == record
    assert _cli(["kb", "show", "no-such-id"]) == 1
