"""`make run-prod-local`: the production topology (PostgreSQL, one gRPC code server per code
location, daemon, webserver, the production instance of deploy/dagster.yaml) on this machine.
It materialises the sample data with no request from the test, survives a killed run worker
and a killed daemon without losing or double-converting a file, and stops completely."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from prod_topology import (
    REPO,
    Topology,
    children,
    graphql,
    processes_with,
    running_topology,
    stop_sensors_except,
    wait_until,
)

from nexus_platform.deployment.capacity import storage_kind
from nexus_platform.deployment.postgres import find_bin_dir

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_bin_dir() is None and os.geteuid() != 0,
        reason="no PostgreSQL server here and no root to install it (make install-postgres)",
    ),
]

SAMPLE_LANDING = REPO / "sample_data" / "landing"
INSTANCE = yaml.safe_load((REPO / "deploy" / "dagster.yaml").read_text())

STATUS = """
query {
  assetNodeOrError(assetKey: {path: ["parquet_tables"]}) {
    ... on AssetNode { partitionStats { numMaterialized numPartitions numFailed } }
  }
  instance {
    runQueueConfig { maxConcurrentRuns }
    poolConfig { defaultPoolLimit poolGranularity }
  }
}
"""


def _ledger(home: Path):
    from nexus_platform.ingest.ledger import Ledger
    from nexus_platform.settings import NexusPaths

    return {e.path: e for e in Ledger(NexusPaths.from_uri(str(home))).entries()}


def _landed(topology: Topology) -> list[str]:
    return sorted(p.relative_to(topology.landing).as_posix()
                  for p in topology.landing.rglob("*") if p.is_file())  # fmt: skip


def _all_done(topology: Topology) -> dict | None:
    """Every landed file committed in the ledger as converted or quarantined, and Dagster
    showing the converted ones materialised."""
    ledger = _ledger(topology.home)
    landed = _landed(topology)
    entries = [ledger.get(key) for key in landed]
    pending = [k for k, e in zip(landed, entries, strict=True)
               if not (e and e.status in ("converted", "quarantined") and e.committed)]  # fmt: skip
    data = graphql(topology.port, STATUS)
    stats = ((data or {}).get("assetNodeOrError") or {}).get("partitionStats")
    converted = sum(1 for e in entries if e and e.status == "converted")
    topology.note = f"{len(pending)} of {len(landed)} not done ({pending[:3]}), {stats}"
    if pending:
        return None
    if not stats or stats["numPartitions"] != len(landed) or stats["numMaterialized"] < converted:
        return None
    return {"stats": stats, "instance": data["instance"], "converted": converted}


def _assert_nothing_left(topology: Topology) -> None:
    assert topology.process.returncode == 0, topology.log_tail()
    left = processes_with(str(topology.home))
    assert left == [], f"processes left running: {left}"


def test_production_topology_materialises_the_sample_data_by_itself():
    with running_topology(seed=True) as topology:
        done = wait_until(lambda: _all_done(topology), 600, "sample data converted", topology)
        expected = sum(1 for p in SAMPLE_LANDING.rglob("*") if p.is_file())
        assert done["stats"]["numPartitions"] == expected
        assert done["stats"]["numFailed"] == 0
        # The production instance itself, its queue and pools read back from the webserver.
        instance_file = topology.home / "dagster" / "dagster.yaml"
        assert instance_file.read_text() == (REPO / "deploy" / "dagster.yaml").read_text()
        runs = INSTANCE["concurrency"]["runs"]["max_concurrent_runs"]
        assert done["instance"]["runQueueConfig"]["maxConcurrentRuns"] == runs
        assert done["instance"]["poolConfig"]["defaultPoolLimit"] == 1
        # Each piece is its own process: the supervisor started them, not `dagster dev`.
        commands = " ".join(cmd for _, cmd in children(topology.process.pid))
        for piece in ("postgres", "code-server start", "dagster-daemon run", "dagster-webserver"):
            assert piece in commands, commands
        assert commands.count("code-server start") == 2  # nexus_platform, nexus_warehouse
    _assert_nothing_left(topology)


# --- killed processes ---------------------------------------------------------------------

FILES_PER_BATCH = 300


def _land(topology: Topology, folder: str) -> list[str]:
    keys = []
    for i in range(FILES_PER_BATCH):
        path = topology.landing / folder / f"readings_{i:04d}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("site,value,day\n" + "".join(f"s{j},{i * j},2024-01-{j % 28 + 1:02d}\n"
                                                     for j in range(20)))  # fmt: skip
        keys.append(path.relative_to(topology.landing).as_posix())
    return keys


def _converting(instance, keys: list[str], topology: Topology):
    """The conversion run of `keys` once it has converted some but not all of them."""
    import dagster as dg

    ledger = _ledger(topology.home)
    staged = sum(1 for k in keys if k in ledger)
    topology.note = f"{staged} of {len(keys)} in the ledger"
    if not 0 < staged < len(keys) - 50:
        return None
    for run in instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
        if run.tags.get("dagster/asset_partition_range_end", "") in keys:
            return run
    return None


def _run_worker_pid(instance, run) -> int:
    import dagster as dg

    events = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)
    for record in events.records:
        pid = record.event_log_entry.dagster_event.event_specific_data.metadata.get("pid")
        if pid is not None:
            return int(pid.value)
    raise AssertionError(f"run {run.run_id} recorded no worker pid")


def _conversions_per_partition(instance) -> dict[str, int]:
    """How often each partition was converted (not reused) for the same bytes."""
    import dagster as dg

    result = instance.fetch_materializations(dg.AssetKey("parquet_tables"), limit=10_000)
    assert not result.has_more
    counts: dict[tuple, int] = {}
    for record in result.records:
        mat = record.asset_materialization
        meta = mat.metadata
        if meta.get("unchanged") is not None and meta["unchanged"].value:
            continue
        key = (mat.partition, meta["source_sha256"].value if "source_sha256" in meta else None)
        counts[key] = counts.get(key, 0) + 1
    return {k[0]: n for k, n in counts.items()}


def test_killed_run_worker_and_daemon_lose_no_file_and_convert_none_twice(monkeypatch):
    import dagster as dg

    with running_topology(seed=False) as topology:
        wait_until(lambda: graphql(topology.port, STATUS), 300, "webserver up", topology)
        # Only the conversion is under test: the automation downstream of it (knowledge base,
        # embeddings, training) is switched off, as a user can in the UI, to keep the CPU.
        stopped = stop_sensors_except(topology, "landing_sensor",
                                      ("nexus_platform", "nexus_warehouse"))  # fmt: skip
        assert "downstream_automation" in stopped
        for key, value in topology.instance_env().items():
            monkeypatch.setenv(key, value)
        with dg.DagsterInstance.get() as instance:
            assert storage_kind(instance) == "postgres"
            # 1. kill -9 the run worker in the middle of a conversion run.
            first = _land(topology, "batch_a")
            run = wait_until(lambda: _converting(instance, first, topology), 300,
                             "conversion of batch_a under way", topology, every=0.2)  # fmt: skip
            os.kill(_run_worker_pid(instance, run), signal.SIGKILL)
            wait_until(lambda: _all_done(topology), 400, "batch_a done after the kill", topology)
            retried = instance.get_runs(dg.RunsFilter(tags={"dagster/parent_run_id": run.run_id}))
            assert retried, "the killed run was not retried by Dagster's run retries"
            assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE

            # 2. kill -9 the daemon in the middle of the next conversion run.
            second = _land(topology, "batch_b")
            wait_until(lambda: _converting(instance, second, topology), 300,
                       "conversion of batch_b under way", topology, every=0.2)  # fmt: skip
            daemon = next(p for p, cmd in children(topology.process.pid) if "dagster-daemon" in cmd)
            os.kill(daemon, signal.SIGKILL)
            wait_until(lambda: _all_done(topology), 400, "batch_b done after the kill", topology)
            assert "daemon exited with -9: starting it again" in topology.log.read_text()

            twice = {k: n for k, n in _conversions_per_partition(instance).items() if n > 1}
            assert twice == {}, f"converted more than once: {twice}"
        ledger = _ledger(topology.home)
        for key in first + second:
            assert ledger[key].status == "converted", (key, ledger[key])
        # Every Parquet file the platform published is whole (temp files are never renamed).
        for path in (topology.home / "warehouse").rglob("*.parquet"):
            assert pq.read_table(path).num_rows >= 0  # raises on a truncated file
    _assert_nothing_left(topology)
