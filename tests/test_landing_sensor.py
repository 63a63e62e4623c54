"""The landing sensor: new, changed, touched-only and deleted files, runs per range, cursor."""

from __future__ import annotations

import json
import os

import dagster as dg
import pytest

from nexus_platform.ingest.changes import contiguous_ranges
from nexus_platform.ingest.ledger import Ledger
from nexus_platform.sensors import landing as landing_module
from nexus_platform.sensors.landing import RANGE_END, RANGE_START, landing_sensor


@pytest.fixture(autouse=True)
def no_settle(monkeypatch):
    monkeypatch.setattr(landing_module, "SETTLE_SECONDS", 0.0)


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def tick(instance, defs, cursor=None):
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"storage": defs.resources["storage"]}
    )
    result = landing_sensor(context)
    # Apply partition requests as the daemon does.
    for request in result.dynamic_partitions_requests or []:
        if isinstance(request, dg.AddDynamicPartitionsRequest):
            instance.add_dynamic_partitions("landing_files", list(request.partition_keys))
        else:
            for key in request.partition_keys:
                instance.delete_dynamic_partition("landing_files", key)
    return result


@pytest.fixture
def defs(nexus_home):
    from nexus_platform.definitions import build_definitions

    return build_definitions()


def ranges(result):
    return [(r.tags[RANGE_START], r.tags[RANGE_END]) for r in result.run_requests or []]


def test_new_files_become_partitions_and_one_run(instance, defs, put):
    for i in range(5):
        put(f"climate/f{i}.csv", f"a\n{i}\n")
    result = tick(instance, defs)
    assert instance.get_dynamic_partitions("landing_files") == [
        f"climate/f{i}.csv" for i in range(5)
    ]
    assert ranges(result) == [("climate/f0.csv", "climate/f4.csv")]
    assert result.run_requests[0].run_key
    cursor = json.loads(result.cursor)
    assert cursor["new"] == 5 and cursor["files"] == 5
    assert len(result.cursor) < 300  # the cursor stays small


def test_touch_does_nothing_and_change_reruns_only_that_file(instance, defs, put, nexus_home):
    for i in range(3):
        put(f"a/f{i}.csv", f"a\n{i}\n")
    first = tick(instance, defs)
    path = nexus_home / "landing" / "a" / "f1.csv"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns + 10**9, stat.st_mtime_ns + 10**9))
    touched = tick(instance, defs, first.cursor)
    assert not touched.run_requests
    assert json.loads(touched.cursor)["touched"] == 1
    put("a/f1.csv", "a\n42\n")
    changed = tick(instance, defs, touched.cursor)
    assert ranges(changed) == [("a/f1.csv", "a/f1.csv")]
    # Same bytes again later: same run key, so Dagster would not launch it twice.
    put("a/f2.csv", "a\n7\n")
    again = tick(instance, defs, changed.cursor)
    assert ranges(again) == [("a/f2.csv", "a/f2.csv")]
    assert again.run_requests[0].run_key != changed.run_requests[0].run_key


def test_deleted_file_drops_its_partition_and_marks_outputs_stale(
    instance, defs, put, nexus_home, paths
):
    put("a/keep.csv", "a\n1\n")
    put("a/gone.csv", "a\n2\n")
    first = tick(instance, defs)
    defs.resolve_job_def("ingest").execute_in_process(
        instance=instance, tags={RANGE_START: "a/gone.csv", RANGE_END: "a/keep.csv"}
    )
    parquet = nexus_home / "warehouse" / "a" / "gone.csv" / "data.parquet"
    assert parquet.exists()
    (nexus_home / "landing" / "a" / "gone.csv").unlink()
    result = tick(instance, defs, first.cursor)
    assert instance.get_dynamic_partitions("landing_files") == ["a/keep.csv"]
    assert not result.run_requests
    assert Ledger(paths).get("a/gone.csv").status == "stale"
    assert parquet.exists()  # nothing is deleted silently


def test_many_new_files_are_capped_per_run(instance, defs, put, monkeypatch):
    monkeypatch.setattr(landing_module, "MAX_FILES_PER_RUN", 4)
    for i in range(10):
        put(f"bulk/f{i:02d}.csv", "a\n1\n")
    result = tick(instance, defs)
    assert ranges(result) == [
        ("bulk/f00.csv", "bulk/f03.csv"),
        ("bulk/f04.csv", "bulk/f07.csv"),
        ("bulk/f08.csv", "bulk/f09.csv"),
    ]


def test_a_range_run_converts_every_file_in_it(instance, defs, put, paths):
    for i in range(4):
        put(f"r/f{i}.csv", f"x,y\n{i},{i}\n")
    result = tick(instance, defs)
    run = defs.resolve_job_def("ingest").execute_in_process(
        instance=instance, tags=result.run_requests[0].tags
    )
    assert run.success
    partitions = {m.partition for m in run.asset_materializations_for_node("parquet_tables")}
    assert partitions == {f"r/f{i}.csv" for i in range(4)}
    assert all(e.status == "converted" for e in Ledger(paths).entries())


def test_files_still_being_written_wait_for_the_next_tick(instance, defs, put, monkeypatch):
    monkeypatch.setattr(landing_module, "SETTLE_SECONDS", 3600.0)
    put("a/copying.csv", "a\n1\n")
    result = tick(instance, defs)
    assert not result.run_requests


def test_contiguous_ranges_follow_partition_order():
    order = ["a", "b", "c", "d", "e"]
    assert contiguous_ranges(order, ["e", "a", "b", "d"], 10) == [["a", "b"], ["d", "e"]]
    assert contiguous_ranges(order, ["a", "b", "c"], 2) == [["a", "b"], ["c"]]
    assert contiguous_ranges(order, ["zz"], 2) == []


def test_sqlite_storage_takes_files_up_to_its_ceiling_and_the_rest_wait(
    instance, defs, put, monkeypatch
):
    from nexus_platform.deployment import capacity

    monkeypatch.setattr(capacity, "SQLITE_WARN_PARTITIONS", 2)
    monkeypatch.setattr(capacity, "SQLITE_MAX_PARTITIONS", 3)
    for i in range(5):
        put(f"many/f{i}.csv", f"a\n{i}\n")
    first = tick(instance, defs)
    assert instance.get_dynamic_partitions("landing_files") == [f"many/f{i}.csv" for i in range(3)]
    assert "SQLite" in json.loads(first.cursor)["storage"]
    # The two that did not fit are not forgotten: they are asked for once there is room.
    monkeypatch.setattr(capacity, "SQLITE_MAX_PARTITIONS", 10)
    tick(instance, defs, first.cursor)
    assert len(instance.get_dynamic_partitions("landing_files")) == 5


def test_files_done_before_the_instance_was_replaced_become_partitions_again(instance, defs, put):
    """The landing index outlives a Dagster instance (a new DAGSTER_HOME, a move from SQLite
    to PostgreSQL): its converted files are partitions of the new instance at once, and
    nothing is converted again."""
    from nexus_platform.ingest.changes import DIGEST, mark_done
    from nexus_platform.sensors.landing import index_path
    from nexus_platform.storage import read_json, write_json

    keys = [f"water/f{i}.csv" for i in range(3)]
    for i, key in enumerate(keys):
        put(key, f"a\n{i}\n")
    tick(instance, defs)
    index_file = index_path(defs.resources["storage"].paths())
    index = read_json(index_file, {})
    mark_done(index, {key: entry[DIGEST] for key, entry in index.items()})  # as after commits
    write_json(index_file, index)

    with dg.instance_for_test() as replaced:
        result = tick(replaced, defs)
        assert replaced.get_dynamic_partitions("landing_files") == keys
        assert not result.run_requests
