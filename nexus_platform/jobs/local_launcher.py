"""Run workers on this machine that died are noticed, so their runs end as failed.

Dagster's `DefaultRunLauncher` (runs as subprocesses of the code server, as under `dagster
dev`) cannot tell run monitoring whether a run worker is alive: a worker killed with -9 or by
the OOM killer leaves its run "started" for ever, and the landing sensor would wait for it
for ever. `LocalRunLauncher` answers the health check from the worker's process id, which the
worker reports itself when it starts (or which `nexus refresh` tags on its in-process runs).
Kubernetes deployments use the K8s run launcher, which has its own health check.
"""

from __future__ import annotations

import os
import socket

import dagster as dg

from nexus_platform.dagster_internals import (
    CheckRunHealthResult,
    DefaultRunLauncher,
    WorkerStatus,
)

WORKER_PID_TAG = "nexus/worker_pid"
WORKER_HOST_TAG = "nexus/worker_host"


def in_process_worker_tags() -> dict[str, str]:
    """Tags for a run executed in this process (`nexus refresh`)."""
    return {WORKER_PID_TAG: str(os.getpid()), WORKER_HOST_TAG: socket.gethostname()}


def worker_pid(instance: dg.DagsterInstance, run: dg.DagsterRun) -> int | None:
    if run.tags.get(WORKER_PID_TAG) and run.tags.get(WORKER_HOST_TAG) == socket.gethostname():
        return int(run.tags[WORKER_PID_TAG])
    for record in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        event = record.dagster_event
        data = getattr(event, "event_specific_data", None) if event else None
        pid = (getattr(data, "metadata", None) or {}).get("pid")
        if pid is not None:
            return int(pid.value)
    return None


def worker_alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def fail_runs_of_dead_workers(instance: dg.DagsterInstance) -> list[str]:
    """Mark started runs whose in-process worker on this host is gone as failed (what run
    monitoring does under the daemon; `nexus refresh` calls it when no daemon may be up)."""
    failed = []
    for record in instance.get_run_records(
        dg.RunsFilter(
            statuses=[dg.DagsterRunStatus.STARTED], tags={WORKER_HOST_TAG: socket.gethostname()}
        )
    ):
        run = record.dagster_run
        pid = worker_pid(instance, run)
        if pid is not None and not worker_alive(pid):
            instance.report_run_failed(run, f"the run worker (pid {pid}) is no longer running")
            failed.append(run.run_id)
    return failed


class LocalRunLauncher(DefaultRunLauncher):
    """`DefaultRunLauncher` with a run-worker health check, for run monitoring."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        pid = worker_pid(self._instance, run)
        if pid is None:
            return CheckRunHealthResult(WorkerStatus.UNKNOWN, "the worker has not reported a pid")
        if worker_alive(pid):
            return CheckRunHealthResult(WorkerStatus.RUNNING, run_worker_id=str(pid))
        return CheckRunHealthResult(
            WorkerStatus.FAILED, f"the run worker (pid {pid}) is no longer running"
        )
