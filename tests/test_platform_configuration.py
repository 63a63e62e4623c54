"""A bad configuration file leaves out only what it defines: the code location loads, everything
else stays, and the UI (`platform_configuration`) and the CLI name the file, field and problem."""

from __future__ import annotations

import argparse
import json

import dagster as dg
import pytest
import yaml

from nexus_platform import configuration
from nexus_platform.assets.configuration import PLATFORM_CONFIGURATION
from nexus_platform.resources.storage import NexusStorage

GOOD = {
    "name": "mine",
    "kind": "text_classification",
    "source": "landing/nlp/mine.csv",
    "label_column": "label",
}
# Each of these used to raise out of the spec loader and take every asset down with it.
BAD = {
    "bad_size": ({"split": {"test_size": "abc"}}, "split.test_size"),
    "bad_seed": ({"split": {"seed": "x"}}, "split.seed"),
    "bad_perturbations": ({"robustness": {"perturbations": 5}}, "robustness.perturbations"),
    "bad_key": ({"labl_column": "label"}, "labl_column"),
}
SHIPPED_TASKS = ("esg_sentiment", "emotion", "esg_entities", "knowledge_lm")


def _write_specs(home) -> dict[str, str]:
    """The good spec, the bad ones and a latin-1 one; returns bad file -> field."""
    folder = home / "tasks"
    folder.mkdir(exist_ok=True)
    (folder / "mine.yaml").write_text(yaml.safe_dump(GOOD), encoding="utf-8")
    bad = {}
    for name, (change, field) in BAD.items():
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump({**GOOD, "name": name, **change}), encoding="utf-8")
        bad[str(path)] = field
    latin = folder / "bad_latin.yaml"
    latin.write_bytes(yaml.safe_dump({**GOOD, "name": "bad_latin"}).encode() + b"# \xe9t\xe9\n")
    bad[str(latin)] = "<file>"
    return bad


def _keys(defs: dg.Definitions) -> set[str]:
    return {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}


def _materialize_configuration(defs: dg.Definitions, home, instance=None):
    (asset,) = [
        a
        for a in defs.assets
        if isinstance(a, dg.AssetsDefinition) and a.key == PLATFORM_CONFIGURATION
    ]
    return dg.materialize(
        [asset], resources={"storage": NexusStorage(home=str(home))}, instance=instance
    )


def test_bad_specs_leave_out_only_their_tasks_and_are_named_in_the_ui(nexus_home):
    from nexus_platform.definitions import build_definitions

    bad = _write_specs(nexus_home)
    defs = build_definitions()
    dg.Definitions.validate_loadable(defs)
    keys = _keys(defs)
    assert {"mine/dataset", "mine/promoted_model", "parquet_tables", "knowledgebase"} <= keys
    assert {f"{task}/promoted_model" for task in SHIPPED_TASKS} <= keys
    assert not any(key.startswith("bad_") for key in keys)

    result = _materialize_configuration(defs, nexus_home)
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == "configuration_valid" and not check.passed
    assert check.severity == dg.AssetCheckSeverity.ERROR
    for file, field in bad.items():
        assert file in check.description
        assert field == "<file>" or f"field '{field}'" in check.description
    (materialization,) = result.asset_materializations_for_node("platform_configuration")
    metadata = materialization.metadata
    assert metadata["invalid_files"].value == len(bad)
    problems = {p["file"]: p for p in metadata["problems"].value}
    assert {file: problems[file]["field"] for file in bad} == bad
    assert "not UTF-8" in problems[str(nexus_home / "tasks" / "bad_latin.yaml")]["problem"]
    assert "| valid |" in metadata["files"].value  # the good files are listed too


@pytest.fixture
def bad_config_files(tmp_path, monkeypatch):
    """Drift rules, knowledge-base rules and connections, each with a mistake, in place of the
    repository's files."""
    from nexus_platform.drift import config as drift_config
    from nexus_platform.knowledge import config as knowledge_config
    from nexus_platform.sources import connections

    files = {
        "drift rules": ("tables: [{incoming: 'nlp/**', refrence: previous}]", "tables[0].refrence"),
        "knowledge-base rules": ("chunking: {max_tokens: 100, overlap: 8}", "chunking.overlap"),
        "source connections": (
            "schedule: {cron: '0 3 * * *'}\nconnections: [{name: x, connection_id: nope, "
            "destination: {path: landing/x, format: csv}, streams: [s]}]",
            "connections[0].connection_id",
        ),
    }
    paths = {}
    for configures, (text, _) in files.items():
        paths[configures] = tmp_path / f"{configures.replace(' ', '_')}.yaml"
        paths[configures].write_text(text, encoding="utf-8")
    monkeypatch.setattr(drift_config, "DEFAULT_CONFIG", paths["drift rules"])
    monkeypatch.setattr(knowledge_config, "DEFAULT_CONFIG_PATH", paths["knowledge-base rules"])
    monkeypatch.setattr(connections, "DEFAULT_CONNECTIONS_FILE", paths["source connections"])
    return {str(paths[c]): field for c, (_, field) in files.items()}


def test_bad_config_files_leave_out_only_what_they_define(nexus_home, paths, bad_config_files):
    from nexus_platform.definitions import build_definitions

    defs = build_definitions()  # a bad connections file used to fail the code location here
    dg.Definitions.validate_loadable(defs)
    keys = _keys(defs)
    assert not any(key.startswith("airbyte/") for key in keys)  # the connections' assets
    assert {"oekobaudat_processes", "incoming_data_report", "knowledgebase"} <= keys
    assert {f"{task}/dataset" for task in SHIPPED_TASKS} <= keys
    states = {s.path: s for s in configuration.check_configuration(paths)}
    for file, field in bad_config_files.items():
        assert states[file].error is not None and states[file].error.field == field
    assert all(s.ok for s in states.values() if s.configures == "task spec")


def test_bad_knowledge_base_rules_fail_only_the_knowledge_base_run(
    nexus_home, paths, bad_config_files
):
    from nexus_platform.assets.knowledgebase import knowledgebase
    from nexus_platform.knowledge.config import DEFAULT_CONFIG_PATH

    result = dg.materialize(
        [knowledgebase],
        resources={"storage": NexusStorage(home=str(nexus_home))},
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = result.get_step_failure_events()
    error = failure.step_failure_data.error
    message = error.cause.message if error.cause else error.message  # what the UI shows
    assert str(DEFAULT_CONFIG_PATH) in message and "field 'chunking.overlap'" in message
    assert not paths.knowledgebase.exists() or not any(paths.knowledgebase.iterdir())


def test_configuration_is_validated_again_when_a_file_changed(nexus_home, paths):
    from nexus_platform.assets.configuration import build_defs

    def build_defs_with_storage() -> dg.Definitions:
        storage = dg.Definitions(resources={"storage": NexusStorage(home=str(nexus_home))})
        return dg.Definitions.merge(build_defs(paths), storage)

    instance = dg.DagsterInstance.ephemeral()
    defs = build_defs_with_storage()
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert first.total_requested == 1  # missing
    assert _materialize_configuration(defs, nexus_home, instance).success
    unchanged = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    assert unchanged.total_requested == 0
    _write_specs(nexus_home)  # a reload of the code location sees new files
    reloaded = build_defs_with_storage()
    changed = dg.evaluate_automation_conditions(
        defs=reloaded, instance=instance, cursor=unchanged.cursor
    )
    assert changed.total_requested == 1
    again = dg.evaluate_automation_conditions(
        defs=reloaded, instance=instance, cursor=changed.cursor
    )
    assert again.total_requested == 0  # once per change, not on every tick


def test_nexus_status_prints_the_configuration_errors_first(nexus_home, capsys):
    from nexus_platform.cli import core

    bad = _write_specs(nexus_home)
    parser = argparse.ArgumentParser()
    core.register(parser.add_subparsers())
    args = parser.parse_args(["status"])
    assert args.func(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"configuration: {len(bad)} file(s) do not validate")
    for line, (file, field) in zip(lines[1:], sorted(bad.items()), strict=False):
        assert file in line and (field == "<file>" or f"field '{field}'" in line)
    args = parser.parse_args(["status", "--json"])
    assert args.func(args) == 0
    out, err = capsys.readouterr()
    assert all(json.loads(line) for line in out.splitlines())  # stdout stays JSON lines
    assert "split.test_size" in err
