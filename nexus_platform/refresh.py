"""Headless refresh: discover landing files, convert what is new or changed in a few
in-process runs, then bring everything downstream up to date. The same Dagster instance as
`dagster dev` records it, so the UI shows these runs too."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from nexus_platform.assets.incoming import INCOMING_REPORT, partitions_to_check
from nexus_platform.assets.ingest import PARQUET_TABLES
from nexus_platform.assets.partitions import LANDING_FILES
from nexus_platform.ingest.changes import contiguous_ranges
from nexus_platform.ingest.ledger import Ledger, LedgerEntry
from nexus_platform.sensors.landing import MAX_FILES_PER_RUN, evaluate_landing, range_tags
from nexus_platform.settings import NexusPaths, dagster_home
from nexus_platform.storage import read_json

INSTANCE_YAML = """\
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
"""


def open_instance(paths: NexusPaths) -> dg.DagsterInstance:
    home = dagster_home(paths)
    os.makedirs(home, exist_ok=True)
    config = os.path.join(home, "dagster.yaml")
    if not os.path.exists(config):
        with open(config, "w") as fh:
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
    failed_runs: list[str] = field(default_factory=list)


def landing_state(paths: NexusPaths) -> dict[str, str]:
    """relpath -> sha256 of the current landing files, as the landing index knows them."""
    return {k: v[2] for k, v in read_json(paths.state / "landing_index.json", {}).items()}


def pending_keys(paths: NexusPaths) -> list[str]:
    """Landing files whose current bytes are not what the ledger last processed."""
    ledger = {e.path: e for e in Ledger(paths).entries()}
    pending = []
    for key, sha in landing_state(paths).items():
        entry = ledger.get(key)
        if entry is None or entry.sha256 != sha or entry.status == "stale":
            pending.append(key)
    return sorted(pending)


def refresh(
    defs: dg.Definitions, instance: dg.DagsterInstance, log=print, quiet: bool = False
) -> RefreshSummary:
    assert defs.resources is not None  # build_definitions always wires the resources
    storage = defs.resources["storage"]
    paths: NexusPaths = storage.paths()
    _, requests, summary_counts, _ = evaluate_landing(instance, storage, settle=0.0)
    for request in requests:
        if isinstance(request, dg.AddDynamicPartitionsRequest):
            instance.add_dynamic_partitions(LANDING_FILES, list(request.partition_keys))
        else:
            for key in request.partition_keys:
                instance.delete_dynamic_partition(LANDING_FILES, key)
    summary = RefreshSummary(deleted=summary_counts["deleted"])
    keys = pending_keys(paths)
    order = instance.get_dynamic_partitions(LANDING_FILES)
    run_config = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}} if quiet else {}
    job = defs.resolve_job_def("ingest")
    for batch in contiguous_ranges(order, keys, MAX_FILES_PER_RUN):
        log(f"converting {len(batch)} file(s): {batch[0]} .. {batch[-1]}")
        _run(job, instance, summary, tags=range_tags(batch), run_config=run_config)
    ledger = {e.path: e for e in Ledger(paths).entries()}
    for key in keys:
        entry = ledger.get(key)
        if entry is not None and entry.status == "quarantined":
            summary.quarantined.append(entry)
        elif entry is not None:
            summary.converted.append(key)
    # New tables that a drift rule applies to are checked before anything trains on them.
    checked = partitions_to_check(summary.converted)  # quarantined files have no table
    if checked:
        log(f"checking {len(checked)} incoming table file(s)")
    for batch in contiguous_ranges(order, checked, MAX_FILES_PER_RUN):
        _run(
            defs.resolve_implicit_global_asset_job_def(),
            instance,
            summary,
            asset_selection=[INCOMING_REPORT],
            tags=range_tags(batch),
            run_config=run_config,
        )
    summary.unchanged = len(landing_state(paths)) - len(keys)
    summary.downstream = _refresh_downstream(defs, instance, bool(keys), log, summary, run_config)
    return summary


def _run(job, instance, summary: RefreshSummary, **kwargs) -> None:
    result = job.execute_in_process(instance=instance, raise_on_error=False, **kwargs)
    summary.runs += 1
    if not result.success:
        summary.failed_runs.append(result.run_id)


def _refresh_downstream(defs, instance, tables_changed, log, summary, run_config) -> list[str]:
    """Unpartitioned assets (knowledge base, embeddings, models, ...) that are missing or
    whose upstream tables changed. Each of them is incremental by content hash itself."""
    graph = defs.resolve_asset_graph()
    # Only what the landed tables feed: external syncs (Airbyte, ÖKOBAUDAT) need a network
    # service and run on their own schedule or on request.
    downstream = (
        dg.AssetSelection.assets(PARQUET_TABLES).downstream()
        - dg.AssetSelection.assets(PARQUET_TABLES)
    ).resolve(graph)
    keys = []
    for key in sorted(downstream):
        node = graph.get(key)
        if node.partitions_def is not None or not node.is_materializable:
            continue
        missing = instance.get_latest_materialization_event(key) is None
        if tables_changed or missing:
            keys.append(key)
    if not keys:
        return []
    log(f"refreshing {len(keys)} downstream asset(s)")
    job = defs.resolve_implicit_global_asset_job_def()
    _run(job, instance, summary, asset_selection=keys, run_config=run_config)
    return [k.to_user_string() for k in keys]


def status_lines(paths: NexusPaths) -> list[dict]:
    """One object per current landing file: the contract of `nexus status --json`."""
    from nexus_platform.ingest.changes import detect
    from nexus_platform.ingest.landing import scan
    from nexus_platform.sensors.landing import landing_hasher

    landing = Path(paths.landing.path)
    index = read_json(paths.state / "landing_index.json", {})
    # Hash only what the index cannot vouch for; do not write the index (read-only command).
    current = detect(scan(landing), index, landing_hasher(landing), max_files=10**9).index
    ledger = {e.path: e for e in Ledger(paths).entries()}
    lines = []
    for key in sorted(current):
        sha = current[key][2]
        entry = ledger.get(key)
        status = "pending"
        if entry is not None and entry.sha256 == sha and entry.status != "stale":
            status = entry.status
        done = status != "pending"
        lines.append(
            {
                "path": key,
                "sha256": sha,
                "status": status,
                "tables": [
                    {"name": t.name, "path": t.path, "rows": t.rows, "columns": t.columns}
                    for t in (entry.tables if done and entry else [])
                ],
                "error": entry.error if done and entry and entry.error else None,
            }
        )
    return lines
