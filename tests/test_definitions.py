"""The code location loads, locally and with the production profile, without network."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg
import pytest


def test_local_definitions_load(nexus_home):
    from nexus_platform.definitions import build_definitions

    defs = build_definitions()
    dg.Definitions.validate_loadable(defs)
    assert defs.resources["storage"].home == str(nexus_home)
    graph = defs.resolve_asset_graph()
    assert dg.AssetKey("parquet_tables") in graph.get_all_asset_keys()
    sensors = {s.name: s for s in defs.sensors}
    assert sensors["landing_sensor"].default_status == dg.DefaultSensorStatus.RUNNING


def test_warehouse_location_loads_with_the_dbt_models(nexus_home):
    from nexus_platform.definitions import build_definitions
    from nexus_platform.warehouse import build_warehouse_definitions

    warehouse = build_warehouse_definitions()
    dg.Definitions.validate_loadable(warehouse)
    keys = warehouse.resolve_asset_graph().get_all_asset_keys()
    assert dg.AssetKey("records_per_topic") in keys
    # Its sources are the platform's assets: the lineage joins across the two locations.
    upstream = warehouse.resolve_asset_graph().get(dg.AssetKey("stg_knowledgebase")).parent_keys
    assert dg.AssetKey("knowledgebase") in upstream
    platform = build_definitions().resolve_asset_graph().get_all_asset_keys()
    assert (
        dg.AssetKey("knowledgebase") in platform
        and dg.AssetKey("records_per_topic") not in platform
    )
    # Headless runs see both.
    both = build_definitions(with_warehouse=True).resolve_asset_graph().get_all_asset_keys()
    assert {dg.AssetKey("records_per_topic"), dg.AssetKey("knowledgebase")} <= both


def test_production_definitions_load_offline(monkeypatch):
    monkeypatch.setenv("NEXUS_ENV", "prod")
    monkeypatch.setenv("NEXUS_HOME", "gs://nexus-bucket/platform")
    monkeypatch.setenv("DAGSTER_HOME", "/tmp/unused-dagster-home")
    from nexus_platform.definitions import build_definitions
    from nexus_platform.settings import NexusPaths

    defs = build_definitions(with_warehouse=True)
    dg.Definitions.validate_loadable(defs)
    paths: NexusPaths = defs.resources["storage"].paths()
    assert str(paths.landing) == "gs://nexus-bucket/platform/landing"
    assert paths.warehouse.protocol == "gs"
    assert defs.executor is not None and defs.executor.name == "k8s"


def test_production_profile_needs_a_bucket(monkeypatch):
    monkeypatch.setenv("NEXUS_ENV", "prod")
    monkeypatch.delenv("NEXUS_HOME", raising=False)
    from nexus_platform.definitions import build_definitions

    with pytest.raises(ValueError, match="gs://"):
        build_definitions()


def test_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("NEXUS_ENV", "staging")
    from nexus_platform.settings import environment

    with pytest.raises(ValueError, match="NEXUS_ENV"):
        environment()


def test_importing_the_definitions_does_not_load_the_heavy_stack(nexus_home):
    # Every run and `dagster dev` import the code location: torch and friends must wait
    # until an asset needs them.
    heavy = [
        "torch",
        "transformers",
        "sentence_transformers",
        "deepchecks",
        "wandb",
        "dvc",
        "qdrant_client",
        "sklearn",
        "pdfplumber",
        "openai",
    ]
    code = (
        "import sys, nexus_platform.definitions\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_every_asset_says_who_owns_it_what_it_is_and_when_it_runs(nexus_home):
    """What a Dagster user expects to see on every asset in the UI."""
    from nexus_platform.definitions import build_definitions

    graph = build_definitions(with_warehouse=True).resolve_asset_graph()
    external = dg.AssetSelection.groups("external_sources").downstream().resolve(graph)
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        name = key.to_user_string()
        assert node.owners == ["team:nexus-data"], name
        assert node.tags.get("domain") == node.group_name, name
        assert node.description, name
        if key.path[-1] in ("evaluation", "robustness"):
            assert node.kinds, name
        # Everything that may be built locally is built by automation, bar the landing
        # files (the landing sensor) and the external sources (their schedules).
        if key not in external and name != "parquet_tables":
            assert node.automation_condition is not None, name
        for check in node.check_keys:
            assert graph.get(check).description, f"{name}:{check.name}"
    fresh = {
        k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).freshness_policy
    }
    assert {"vector_index", "oekobaudat_processes", "airbyte/oekobaudat/processes"} <= fresh
