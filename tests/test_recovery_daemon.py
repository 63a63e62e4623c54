"""Recovery under the real Dagster daemon, with no manual command: a run that fails, a run
worker killed with -9, and the daemon itself killed with -9 in the middle of a conversion.
Afterwards every landing file is converted or quarantined, none twice for the same bytes,
and the ledger, the landing index and Dagster's materialisations agree.

The code location here holds the conversion part of the platform only (the asset, its job,
the landing sensor): what is under test is recovery of conversions, and the rest of the
graph would only add minutes of model training to each scenario.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import pytest

from nexus_platform.ingest.ledger import Ledger

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

BIN = Path(sys.executable).parent
DEFS = """
import dagster as dg
from nexus_platform.assets import ingest
from nexus_platform.jobs import ingest_job
from nexus_platform.resources.storage import NexusStorage
from nexus_platform.sensors.landing import landing_sensor
from nexus_platform.settings import NexusPaths

defs = dg.Definitions.merge(
    ingest.build_defs(),
    dg.Definitions(
        jobs=[ingest_job],
        sensors=[landing_sensor],
        resources={"storage": NexusStorage(home=str(NexusPaths.from_env().home))},
    ),
)
"""


@pytest.fixture
def platform(nexus_home, tmp_path):
    """A DAGSTER_HOME with the platform's local instance settings (run monitoring faster, so
    the test waits seconds rather than a minute), a workspace, and a daemon to start."""
    from nexus_platform.refresh import INSTANCE_YAML

    dagster_home = nexus_home / "dagster"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text(
        INSTANCE_YAML.replace("poll_interval_seconds: 15", "poll_interval_seconds: 2")
    )
    (tmp_path / "landing_defs.py").write_text(DEFS)
    (tmp_path / "workspace.yaml").write_text(
        textwrap.dedent(f"""\
        load_from:
          - python_file:
              relative_path: landing_defs.py
              location_name: landing
              working_directory: {tmp_path}
        """)
    )
    env = {
        **os.environ,
        "NEXUS_HOME": str(nexus_home),
        "DAGSTER_HOME": str(dagster_home),
        "NEXUS_RETRY_BASE_SECONDS": "3",
    }
    daemons: list[subprocess.Popen] = []

    def start_daemon() -> subprocess.Popen:
        log = open(tmp_path / f"daemon-{len(daemons)}.log", "wb")
        proc = subprocess.Popen(
            [str(BIN / "dagster-daemon"), "run", "-w", str(tmp_path / "workspace.yaml")],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        daemons.append(proc)
        return proc

    yield start_daemon, dagster_home
    for proc in daemons:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        # Whatever the daemon started (code server, run workers) goes with its session.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def land(put, folder: str, count: int, rows: int = 2000) -> list[str]:
    keys = []
    for i in range(count):
        body = "\n".join(f"{i},{r},{r * 0.5},site {r % 7}" for r in range(rows))
        keys.append(f"{folder}/file_{i:03d}.csv")
        put(keys[-1], "file,row,value,site\n" + body + "\n")
    return keys


def wait_for(predicate, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def all_done(paths, keys) -> bool:
    ledger = Ledger(paths)
    return all((e := ledger.get(k)) is not None and e.committed for k in keys)


def running_worker_pid(dagster_home) -> int | None:
    from nexus_platform.jobs.local_launcher import worker_pid

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        started = instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
        return worker_pid(instance, started[0]) if started else None


def assert_converted_once_and_agreeing(paths, dagster_home, keys):
    from tests.ingest.test_unattended import assert_agreement

    ledger = Ledger(paths)
    for key in keys:
        entry = ledger.get(key)
        assert entry.status == "converted", (key, entry.error)
        assert sum(note.startswith("took ") for note in entry.notes) == 1, key
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        assert_agreement(paths, instance)


def failed_ingest_runs(dagster_home) -> int:
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        return len(instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE])))


def test_killed_worker_failed_run_and_killed_daemon_leave_no_file_behind(platform, paths, put):
    """One daemon history, three accidents (one test: each daemon start costs seconds)."""
    start_daemon, dagster_home = platform
    first = land(put, "first", 120)
    daemon = start_daemon()

    # 1. The run worker is killed with -9 after a few conversions.
    wait_for(lambda: len(Ledger(paths).entries()) >= 5, 180, "the first conversions")
    pid = wait_for(lambda: running_worker_pid(dagster_home), 30, "the run worker's pid")
    os.kill(pid, signal.SIGKILL)
    assert not all_done(paths, first)
    wait_for(lambda: all_done(paths, first), 240, "recovery from the killed worker")
    assert failed_ingest_runs(dagster_home) >= 1  # run monitoring noticed the dead worker

    # 2. Runs fail: the ledger cannot be written (its folder replaced by a file).
    entries = Path(paths.ledger.path) / "entries"
    entries.rename(entries.with_name("entries.moved"))
    entries.write_text("not a folder")
    failed_before = failed_ingest_runs(dagster_home)
    second = land(put, "second", 3, rows=10)
    wait_for(lambda: failed_ingest_runs(dagster_home) > failed_before, 120, "a failed run")
    entries.unlink()
    entries.with_name("entries.moved").rename(entries)
    wait_for(lambda: all_done(paths, second), 180, "the files of the failed runs")

    # 3. The daemon (with its code server and run worker) is killed with -9 mid-run.
    third = land(put, "third", 120)
    wait_for(lambda: sum(Ledger(paths).get(k) is not None for k in third) >= 5, 180, "conversions")
    os.killpg(daemon.pid, signal.SIGKILL)
    daemon.wait()
    assert not all_done(paths, third)
    start_daemon()
    wait_for(lambda: all_done(paths, third), 300, "the restarted daemon to finish the batch")

    assert_converted_once_and_agreeing(paths, dagster_home, first + second + third)
