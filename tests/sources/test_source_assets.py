import dagster as dg
import pyarrow.parquet as pq
import pytest
from airbyte_credentials import CLIENT_ID, CLIENT_SECRET

from nexus_platform.assets.sources import (
    OEKOBAUDAT_PROCESSES,
    build_defs,
    landing_source_keys,
    oekobaudat_lcia_results,
    oekobaudat_processes,
    oekobaudat_processes_complete,
)
from nexus_platform.resources.airbyte import AirbyteResource
from nexus_platform.resources.oekobaudat import OekobaudatResource
from nexus_platform.resources.storage import NexusStorage
from nexus_platform.sources.connections import load_connections


def airbyte_resource(server):
    return AirbyteResource(
        server_url=server.url,
        client_id=dg.EnvVar("AIRBYTE_CLIENT_ID"),
        client_secret=dg.EnvVar("AIRBYTE_CLIENT_SECRET"),
        poll_interval_s=0.01,
        max_poll_interval_s=0.02,
        retry_for_s=2,
        retry_initial_s=0.01,
    )


@pytest.fixture(autouse=True)
def airbyte_env(monkeypatch):
    monkeypatch.setenv("AIRBYTE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("AIRBYTE_CLIENT_SECRET", CLIENT_SECRET)


def sync_assets(connections_file):
    defs = build_defs(connections_file)
    return [a for a in defs.assets if next(iter(a.keys)).path[0] == "airbyte"]


def failure_text(result) -> str:
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failures, "expected a step failure"
    return failures[0].step_failure_data.error.to_string()


def test_definitions_load_offline_with_stopped_schedule(connections_file):
    from nexus_platform.resources import airbyte, oekobaudat
    from nexus_platform.settings import NexusPaths

    defs = build_defs(connections_file)
    paths = NexusPaths.from_uri("/tmp/unused")
    resources = {
        **airbyte.resources_for("local", paths),
        **oekobaudat.resources_for("local", paths),
        "storage": NexusStorage(home="/tmp/unused"),
    }
    dg.Definitions.validate_loadable(
        dg.Definitions.merge(defs, dg.Definitions(resources=resources))
    )
    keys = {k.to_user_string() for a in defs.assets for k in a.keys}
    assert {
        "airbyte/oekobaudat/processes",
        "airbyte/oekobaudat/flows",
        "oekobaudat_processes",
        "oekobaudat_lcia_results",
    } <= keys
    (schedule,) = defs.schedules
    assert schedule.name == "airbyte_sync_schedule" and schedule.cron_schedule == "0 3 * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    (running,) = build_defs(connections_file, schedule_running=True).schedules
    assert running.default_status == dg.DefaultScheduleStatus.RUNNING
    declared = load_connections(connections_file)
    assert dg.AssetKey(["airbyte", "oekobaudat", "flows"]) in landing_source_keys(declared)


def test_sync_materialises_every_stream_with_job_metadata(airbyte, connections_file, capfd):
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            sync_assets(connections_file),
            resources={"airbyte": airbyte_resource(airbyte)},
            instance=instance,
        )
        assert result.success
        mats = result.get_asset_materialization_events()
        assert {m.asset_key.path[-1] for m in mats} == {"processes", "flows"}
        (job_id,) = airbyte.jobs
        for event in mats:
            meta = event.materialization.metadata
            assert meta["airbyte/job_id"].value == job_id
            assert meta["connection_rows_synced"].value == airbyte.rows
            assert meta["connection_bytes_synced"].value == airbyte.bytes
            assert meta["airbyte_duration"].value == "PT1M3S"
        logs = "\n".join(
            str(e.dagster_event or e.user_message) + e.user_message
            for e in instance.all_logs(result.run_id)
        )
    captured = capfd.readouterr()
    assert f"job {job_id}" in logs
    assert CLIENT_SECRET not in logs + captured.out + captured.err


def test_failed_sync_fails_the_asset_with_airbytes_message(airbyte, connections_file):
    airbyte.outcome = "failed"
    result = dg.materialize(
        sync_assets(connections_file),
        resources={"airbyte": airbyte_resource(airbyte)},
        raise_on_error=False,
    )
    assert not result.success
    assert airbyte.failure_message in failure_text(result)


def test_bad_credentials_fail_clearly_and_never_leak(airbyte, connections_file, monkeypatch, capfd):
    wrong = "not-the-secret-7781"
    monkeypatch.setenv("AIRBYTE_CLIENT_SECRET", wrong)
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            sync_assets(connections_file),
            resources={"airbyte": airbyte_resource(airbyte)},
            instance=instance,
            raise_on_error=False,
        )
        text = failure_text(result)
        logs = "\n".join(e.user_message for e in instance.all_logs(result.run_id))
    captured = capfd.readouterr()
    assert "HTTP 401" in text and "AIRBYTE_CLIENT_SECRET" in text
    for leak_surface in (text, logs, captured.out, captured.err):
        assert wrong not in leak_surface and CLIENT_SECRET not in leak_surface


def test_oekobaudat_assets_land_parquet_and_pass_the_check(soda, tmp_path):
    storage = NexusStorage(home=str(tmp_path / "nexus"))
    resource = OekobaudatResource(base_url=soda.base_url, page_size=10, lcia_limit=3)
    result = dg.materialize(
        [oekobaudat_processes, oekobaudat_lcia_results, oekobaudat_processes_complete],
        resources={"storage": storage, "oekobaudat": resource},
    )
    assert result.success
    meta = result.asset_materializations_for_node("oekobaudat_processes")[0].metadata
    assert meta["dagster/row_count"].value == len(soda.processes)
    assert meta["data_stock_name"].value == "OBD_2023_I"
    (check,) = result.get_asset_check_evaluations()
    assert check.passed and check.asset_key == OEKOBAUDAT_PROCESSES
    landed = tmp_path / "nexus" / "landing" / "external" / "oekobaudat"
    assert pq.read_metadata(landed / "processes.parquet").num_rows == len(soda.processes)
    lcia = pq.read_table(landed / "lcia_results.parquet")
    assert set(lcia.column("process_uuid").to_pylist()).__len__() == 3
