import logging
import statistics
from collections import Counter, defaultdict

import dagster as dg
import duckdb
import pytest
from dbt_fixtures import KB_FILES, write_knowledgebase
from fake_soda4lca import Soda4LcaServer

from nexus_platform.assets.dbt import build_dbt_assets, build_defs
from nexus_platform.assets.sources import oekobaudat_lcia_results, oekobaudat_processes
from nexus_platform.resources.oekobaudat import OekobaudatResource
from nexus_platform.resources.storage import NexusStorage


def resources(project, home):
    from dagster_dbt import DbtCliResource

    from nexus_platform.resources.dbt import dbt_executable

    return {
        "dbt": DbtCliResource(project_dir=project, target="dev", dbt_executable=dbt_executable()),
        "storage": NexusStorage(home=str(home)),
    }


def check_results(result) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


@pytest.mark.slow
def test_sources_and_models_materialise_into_duckdb(dbt_project, tmp_path):
    home = tmp_path / "nexus"
    kb_rows = write_knowledgebase(home)
    with Soda4LcaServer(n_processes=14) as soda:
        result = dg.materialize(
            [oekobaudat_processes, oekobaudat_lcia_results, build_dbt_assets(dbt_project)],
            resources={
                **resources(dbt_project, home),
                "oekobaudat": OekobaudatResource(base_url=soda.base_url, page_size=5),
            },
        )
        processes, extended = soda.processes, soda.extended
    assert result.success
    materialised = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {
        "stg_oekobaudat_processes",
        "materials_by_classification",
        "material_gwp_by_classification",
        "records_per_topic",
    } <= materialised
    checks = check_results(result)
    assert checks and all(checks.values()), checks
    assert "unique_stg_oekobaudat_processes_process_key" in checks

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        by_class = dict(
            con.sql(
                "select class_level_1 || '/' || class_level_2, processes "
                "from materials_by_classification"
            ).fetchall()
        )
        gwp = {
            r[0]: r[1:]
            for r in con.sql(
                "select class_level_2, processes_with_gwp, gwp_a1_a3_min, gwp_a1_a3_median, "
                "gwp_a1_a3_max from material_gwp_by_classification"
            ).fetchall()
        }
        topics = {
            (t, s): n
            for t, s, n in con.sql(
                "select topic, sub_topic, records from records_per_topic"
            ).fetchall()
        }

    expected_classes = Counter("/".join(p["classific"].split(" / ")[:2]) for p in processes)
    assert by_class == dict(expected_classes)
    a1a3 = defaultdict(list)
    for p in processes:
        anies = extended[p["uuid"]]["LCIAResults"]["LCIAResult"][0]["other"]["anies"]
        a1a3[p["classific"].split(" / ")[1]] += [
            float(a["value"]) for a in anies if a.get("module") == "A1-A3"
        ]
    for group, values in a1a3.items():
        n, low, median, high = gwp[group]
        assert n == len(values)
        assert (low, median, high) == pytest.approx(
            (min(values), statistics.median(values), max(values))
        )
    expected_topics = Counter()
    for path, n in KB_FILES:
        folders = path.split("/")[:-1]
        key = (folders[0] if folders else "(root)", folders[1] if len(folders) > 1 else "(none)")
        expected_topics[key] += n
    assert topics == dict(expected_topics) and sum(topics.values()) == len(kb_rows)


@pytest.mark.slow
def test_failing_dbt_test_is_a_failed_asset_check(dbt_project, tmp_path):
    home = tmp_path / "nexus"
    write_knowledgebase(home, duplicate_id=True)
    result = dg.materialize(
        [build_dbt_assets(dbt_project)],
        resources=resources(dbt_project, home),
        selection=[dg.AssetKey("stg_knowledgebase"), dg.AssetKey("records_per_topic")],
        raise_on_error=False,
    )
    checks = check_results(result)
    assert checks["unique_stg_knowledgebase_id"] is False
    assert checks["not_null_stg_knowledgebase_id"] is True
    assert not any(
        name.startswith(("unique_stg_oekobaudat", "not_null_stg_oekobaudat")) for name in checks
    )  # the ÖKOBAUDAT models were not selected


def test_definitions_load_without_a_manifest(tmp_path, caplog):
    import shutil

    from dbt_fixtures import REPO

    project_dir = tmp_path / "dbt"
    shutil.copytree(REPO / "dbt", project_dir, ignore=shutil.ignore_patterns("target", "logs"))
    caplog.set_level(logging.WARNING)
    defs = build_defs(project_dir)
    assert not list(defs.assets or [])
    assert "dbt parse" in caplog.text and "manifest" in caplog.text


def test_dbt_target_follows_the_environment(tmp_path):
    from nexus_platform.resources import dbt as dbt_resources
    from nexus_platform.settings import NexusPaths

    paths = NexusPaths.from_uri(str(tmp_path))
    local = dbt_resources.resources_for("local", paths)["dbt"]
    assert local.target == "dev" and local.dbt_executable.endswith("dbt")
    assert dbt_resources.resources_for("prod", paths)["dbt"].target == "prod"
