"""What the platform relies on in Dagster beyond its public API (nexus_platform.
dagster_internals) still holds: a Dagster upgrade that moves any of it fails here, loudly,
instead of in a run."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg
from upath import UPath

from nexus_platform import dagster_internals as internals


def test_tag_names_are_dagsters_own():
    from dagster._core.storage import tags

    assert internals.WILL_RETRY_TAG == tags.WILL_RETRY_TAG
    assert internals.PARENT_RUN_ID_TAG == tags.PARENT_RUN_ID_TAG
    assert internals.RANGE_START_TAG == tags.ASSET_PARTITION_RANGE_START_TAG
    assert internals.RANGE_END_TAG == tags.ASSET_PARTITION_RANGE_END_TAG
    assert internals.PARTITION_TAG == tags.PARTITION_NAME_TAG


def test_partitioned_check_evaluations_with_their_outputs_run_a_range():
    files = dg.DynamicPartitionsDefinition(name="files")
    key = dg.AssetKey("tables")

    @dg.asset(
        key=key,
        partitions_def=files,
        backfill_policy=dg.BackfillPolicy.single_run(),
        output_required=False,
        check_specs=[dg.AssetCheckSpec("ok", asset=key, partitions_def=files)],
    )
    def tables(context):
        for partition in context.partition_keys:
            yield dg.AssetMaterialization(asset_key=key, partition=partition)
            yield dg.AssetCheckEvaluation(
                asset_key=key, check_name="ok", passed=partition != "b", partition=partition
            )
        yield from internals.check_outputs_done(key, "ok")

    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("files", ["a", "b", "c"])
        result = dg.materialize(
            [tables],
            instance=instance,
            tags={internals.RANGE_START_TAG: "a", internals.RANGE_END_TAG: "c"},
        )
        assert result.success
        assert instance.get_materialized_partitions(key) == {"a", "b", "c"}
        assert [e.passed for e in result.get_asset_check_evaluations()] == [True, False, True]


def test_automation_cursor_round_trips_and_stale_status_reads(tmp_path):
    @dg.asset
    def upstream(): ...

    @dg.asset(deps=[upstream], automation_condition=dg.AutomationCondition.eager())
    def downstream(): ...

    defs = dg.Definitions(assets=[upstream, downstream])
    path = UPath(tmp_path) / "cursor.txt"
    with dg.instance_for_test() as instance:
        first = dg.evaluate_automation_conditions(
            defs=defs, instance=instance, cursor=internals.load_automation_cursor(path)
        )
        internals.save_automation_cursor(path, first.cursor)
        dg.materialize([upstream], instance=instance)
        second = dg.evaluate_automation_conditions(
            defs=defs, instance=instance, cursor=internals.load_automation_cursor(path)
        )
        assert second.get_num_requested(downstream.key) == 1
        assert internals.stale_status(defs, instance, downstream.key) == "MISSING"
        dg.materialize([upstream, downstream], instance=instance)
        assert internals.stale_status(defs, instance, downstream.key) == "FRESH"
    path.write_text("written by another version")
    assert internals.load_automation_cursor(path) is None


def test_the_local_launcher_tells_a_dead_worker_from_a_live_one():
    from nexus_platform.jobs.local_launcher import (
        WORKER_HOST_TAG,
        WORKER_PID_TAG,
        LocalRunLauncher,
        in_process_worker_tags,
    )

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with dg.instance_for_test() as instance:
        launcher = LocalRunLauncher()
        launcher.register_instance(instance)
        host = in_process_worker_tags()[WORKER_HOST_TAG]
        alive_run = instance.create_run_for_job(
            dg.GraphDefinition("g").to_job(), tags=in_process_worker_tags()
        )
        dead_run = instance.create_run_for_job(
            dg.GraphDefinition("g").to_job(),
            tags={WORKER_PID_TAG: str(dead.pid), WORKER_HOST_TAG: host},
        )
        assert launcher.supports_check_run_worker_health
        assert launcher.check_run_worker_health(alive_run).status == internals.WorkerStatus.RUNNING
        assert launcher.check_run_worker_health(dead_run).status == internals.WorkerStatus.FAILED
