"""Headless refresh: discover landing files, convert what is new or changed in a few
in-process runs, then bring everything downstream up to date. The same Dagster instance as
`dagster dev` records it, so the UI shows these runs too."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from nexus_platform.assets.partitions import LANDING_FILES
from nexus_platform.automation_loop import automate, cursor_path
from nexus_platform.ingest.changes import DIGEST
from nexus_platform.ingest.ledger import MAX_ATTEMPTS, Ledger, LedgerEntry
from nexus_platform.jobs.local_launcher import fail_runs_of_dead_workers, in_process_worker_tags
from nexus_platform.sensors.landing import (
    RANGE_END,
    RANGE_START,
    TRIGGER_TAG,
    evaluate_landing,
    index_path,
)
from nexus_platform.settings import NexusPaths, dagster_home
from nexus_platform.storage import read_json

# The first line marks the file as the platform's own: it is rewritten when the platform's
# settings change. Remove that line to keep a hand-edited instance configuration.
MANAGED_MARKER = "# Managed by Nexus Platform"
_FIRST_RELEASE_HEADER = "# Local Dagster instance for Nexus Platform"  # written unmarked before
INSTANCE_YAML = f"""\
{MANAGED_MARKER}: rewritten on upgrade; delete this line to keep your own edits.
# Local Dagster instance for Nexus Platform (SQLite storage under this folder).
telemetry:
  enabled: false
run_queue:
  max_concurrent_runs: 2
auto_materialize:
  use_sensors: true
sensors:
  use_threads: true
  num_workers: 2
# A run worker that dies (kill -9, out of memory) is noticed and its run marked failed, so
# the landing sensor asks for its files again; see nexus_platform/jobs/local_launcher.py.
run_launcher:
  module: nexus_platform.jobs.local_launcher
  class: LocalRunLauncher
run_monitoring:
  enabled: true
  poll_interval_seconds: 15
  start_timeout_seconds: 300
  max_resume_run_attempts: 0
# A failed run is re-executed once by Dagster; files it still leaves behind are asked for
# again by the landing sensor.
run_retries:
  enabled: true
  max_retries: 1
"""


def open_instance(paths: NexusPaths) -> dg.DagsterInstance:
    home = dagster_home(paths)
    os.makedirs(home, exist_ok=True)
    config = os.path.join(home, "dagster.yaml")
    current = open(config, encoding="utf-8").read() if os.path.exists(config) else None
    managed = current is not None and current.startswith((MANAGED_MARKER, _FIRST_RELEASE_HEADER))
    if current is None or (managed and current != INSTANCE_YAML):
        with open(config, "w", encoding="utf-8") as fh:
            fh.write(INSTANCE_YAML)
    return dg.DagsterInstance.from_config(home)


@dataclass
class RefreshSummary:
    converted: list[str] = field(default_factory=list)
    quarantined: list[LedgerEntry] = field(default_factory=list)
    unchanged: int = 0
    deleted: int = 0
    runs: int = 0
    downstream: list[str] = field(default_factory=list)
    pending: list[tuple[str, str]] = field(default_factory=list)  # (key, why)
    failed_runs: list[str] = field(default_factory=list)


def landing_state(paths: NexusPaths) -> dict[str, str]:
    """key -> digest of the current landing entries, as the landing index knows them."""
    return {k: v[DIGEST] for k, v in read_json(index_path(paths), {}).items()}


# Each pass converts what the sensor asks for; a file left pending by a passing error waits
# for its retry time, so a few passes always end.
MAX_PASSES = 5


def refresh(
    defs: dg.Definitions, instance: dg.DagsterInstance, log=print, quiet: bool = False
) -> RefreshSummary:
    """Everything the daemon would do, once, in this process: the landing sensor's decision
    until it asks for nothing more, then the assets' automation conditions until they request
    nothing more. The same rules and the same gates as under the daemon; runs are tagged
    `nexus/trigger=cli`."""
    run_config = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}} if quiet else {}
    summary = RefreshSummary()
    paths: NexusPaths = defs.resources["storage"].paths()  # type: ignore[index]

    def execute(job, **kwargs) -> bool:
        return _run(job, instance, summary, run_config=run_config, **kwargs)

    # The first evaluation on a home sets the automation's baseline, before anything lands.
    first_time = not cursor_path(paths).exists()
    if first_time:
        summary.downstream += automate(defs, instance, paths, execute, log)
    attempted = convert_landing(defs, instance, summary, log, run_config)
    summary.downstream += automate(defs, instance, paths, execute, log)
    summary.unchanged = len(landing_state(paths)) - len(attempted)
    return summary


def convert_landing(
    defs: dg.Definitions, instance: dg.DagsterInstance, summary: RefreshSummary, log, run_config
) -> set[str]:
    """Tick the landing sensor's decision and run what it asks for, in this process, until it
    asks for nothing more; fills `summary` and returns the keys that were attempted."""
    assert defs.resources is not None  # build_definitions always wires the resources
    storage = defs.resources["storage"]
    job = defs.resolve_job_def("ingest")
    attempted: set[str] = set()
    fail_runs_of_dead_workers(instance)  # a killed earlier refresh must not hold its files
    for _ in range(MAX_PASSES):
        decision = evaluate_landing(instance, storage, settle=0.0, trigger="cli")
        summary.deleted += decision.summary["deleted"]
        _apply_partition_requests(instance, decision.partition_requests)
        if not decision.runs:
            break
        for request in decision.runs:
            log(
                f"converting {request.tags['nexus/files']} file(s): "
                f"{request.tags[RANGE_START]} .. {request.tags[RANGE_END]}"
            )
            _run(job, instance, summary, tags=dict(request.tags), run_config=run_config)
            attempted.update(_range_keys(instance, request.tags))
    ledger = Ledger(storage.paths())
    current = landing_state(storage.paths())
    for key in sorted(attempted):
        entry = ledger.get(key)
        if key not in current:
            continue  # deleted meanwhile
        if entry is None or not ledger.is_done(key, current[key]):
            attempt = ledger.attempt(key)
            summary.pending.append((key, attempt.message if attempt else "not converted yet"))
        elif entry.status == "quarantined":
            summary.quarantined.append(entry)
        else:
            summary.converted.append(key)
    return attempted


def _apply_partition_requests(instance: dg.DagsterInstance, requests) -> None:
    """What the sensor daemon does with a tick's partition requests."""
    for request in requests:
        if isinstance(request, dg.AddDynamicPartitionsRequest):
            instance.add_dynamic_partitions(LANDING_FILES, list(request.partition_keys))
        else:
            for key in request.partition_keys:
                instance.delete_dynamic_partition(LANDING_FILES, key)


def _range_keys(instance: dg.DagsterInstance, tags: Mapping[str, str]) -> list[str]:
    order = list(instance.get_dynamic_partitions(LANDING_FILES))
    start, end = order.index(tags[RANGE_START]), order.index(tags[RANGE_END])
    return order[start : end + 1]


def _run(job, instance, summary: RefreshSummary, **kwargs) -> bool:
    tags = {TRIGGER_TAG: "cli", **kwargs.pop("tags", {}), **in_process_worker_tags()}
    result = job.execute_in_process(instance=instance, raise_on_error=False, tags=tags, **kwargs)
    summary.runs += 1
    if not result.success:
        summary.failed_runs.append(result.run_id)
    return result.success


def status_lines(paths: NexusPaths) -> list[dict]:
    """One object per current landing entry: the contract of `nexus status --json`."""
    from nexus_platform.ingest.changes import detect
    from nexus_platform.ingest.landing import scan
    from nexus_platform.sensors.landing import landing_hasher

    landing = Path(paths.landing.path)
    index = read_json(index_path(paths), {})
    # Hash only what the index cannot vouch for; do not write the index (read-only command).
    current = detect(scan(landing), index, landing_hasher(landing), max_files=10**9).index
    ledger = Ledger(paths)
    lines = []
    for key in sorted(current):
        digest = current[key][DIGEST]
        entry = ledger.get(key)
        done = ledger.is_done(key, digest)
        line: dict = {
            "path": key,
            "sha256": digest,
            "status": entry.status if done and entry else "pending",
            "tables": [
                {"name": t.name, "path": t.path, "rows": t.rows, "columns": t.columns}
                for t in (entry.tables if done and entry else [])
            ],
            "error": entry.error if done and entry and entry.error else None,
            # Which parser read the file (and its version): "pypdfium2+pdfplumber 5.1.0".
            "reader": (f"{entry.reader} {entry.reader_version}".strip() or None)
            if done and entry
            else None,
        }
        if done and entry and entry.ocr:
            line["ocr"] = entry.ocr  # engine, version, languages and the pages recognised
        if done and entry and entry.members:  # archives and e-mails: each member's outcome
            line["members"] = [
                {k: m.get(k) for k in ("path", "status", "reader", "error")} for m in entry.members
            ]
        if not done:
            attempt = ledger.attempt(key)
            line["attempts"] = attempt.count if attempt and attempt.digest != "?" else 0
            line["max_attempts"] = MAX_ATTEMPTS
            line["reason"] = (
                f"{attempt.reason}: {attempt.message}"
                if attempt and attempt.reason
                else "waiting for conversion"
            )
        lines.append(line)
    return lines
