"""The landing sensor: files that are not done become partitions and conversion runs.

Per tick it lists the landing folder (never opening anything but regular files), hashes only
entries whose size, mtime or kind moved (capped), adds a dynamic partition per new key,
removes the partitions of deleted files (their outputs stay, marked stale in the ledger), and
asks for as few runs as possible: one per contiguous range of partitions, tagged with the
range so a single run converts them all.

What it asks for is every file that is not done — new, changed, or left behind by a run that
failed, was killed or never started — except files a live run (or Dagster's retry of a failed
one) is converting, files waiting for a retry after a passing error, and files asked for
moments ago. So nothing depends on a run succeeding, and no manual command is ever needed.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from nexus_platform.asset_keys import PARQUET_TABLES
from nexus_platform.assets.partitions import LANDING_FILES, landing_files
from nexus_platform.dagster_internals import (
    PARENT_RUN_ID_TAG,
    PARTITION_TAG,
    RANGE_END_TAG,
    RANGE_START_TAG,
    WILL_RETRY_TAG,
)
from nexus_platform.deployment.capacity import partition_capacity, storage_kind
from nexus_platform.ingest.changes import DIGEST, Changes, contiguous_ranges, detect, mark_done
from nexus_platform.ingest.keys import fs_name
from nexus_platform.ingest.landing import digest_of, inspect, scan
from nexus_platform.ingest.ledger import Ledger, retry_delay
from nexus_platform.jobs import ingest_job
from nexus_platform.resources.storage import NexusStorage
from nexus_platform.settings import NexusPaths
from nexus_platform.storage import read_json, write_json

# Kept for callers that build range runs themselves.
RANGE_START = RANGE_START_TAG
RANGE_END = RANGE_END_TAG
MAX_FILES_PER_RUN = 2_000
MAX_FILES_HASHED_PER_TICK = 10_000
SETTLE_SECONDS = 2.0  # a file still being copied is left for the next tick
TRIGGER_TAG = "nexus/trigger"

_LIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def landing_hasher(landing: Path):
    def hasher(key: str) -> str:
        item = inspect(landing, fs_name(key))
        return digest_of(landing, item) if item is not None else "unreadable:gone"

    return hasher


def range_tags(keys: list[str]) -> dict[str, str]:
    return {RANGE_START_TAG: keys[0], RANGE_END_TAG: keys[-1]}


@dataclass
class LandingDecision:
    runs: list[dg.RunRequest]
    partition_requests: list[dg.AddDynamicPartitionsRequest | dg.DeleteDynamicPartitionsRequest]
    summary: dict
    changes: Changes
    waiting: dict[str, str] = field(default_factory=dict)  # key -> why it is not asked for


def index_path(paths: NexusPaths):
    return paths.state / "landing_index.json"


def requests_path(paths: NexusPaths):
    return paths.state / "landing_requests.json"


def evaluate_landing(
    instance: dg.DagsterInstance,
    storage: NexusStorage,
    settle: float,
    trigger: str = "landing_sensor",
    now: float | None = None,
) -> LandingDecision:
    """The sensor's decision, separate from the decorator so `nexus refresh` and tests share
    it. Writes the landing index and the request log under NEXUS_HOME/state."""
    now = time.time() if now is None else now
    paths = storage.paths()
    landing = Path(paths.landing.path)
    index = read_json(index_path(paths), {})
    changes = detect(
        scan(landing, settle_seconds=settle),
        index,
        landing_hasher(landing),
        max_files=MAX_FILES_HASHED_PER_TICK,
    )
    # Read on every tick, quiet ones too: the index may outlive the instance (a new Dagster
    # home, a move from SQLite to PostgreSQL), and its files must become partitions again.
    existing = instance.get_dynamic_partitions(LANDING_FILES)
    known = set(existing)
    gone = {k for k in changes.deleted if k in known}
    new_keys = [k for k in sorted(changes.index) if k not in known]
    capacity = partition_capacity(storage_kind(instance), len(known) - len(gone), len(new_keys))
    if capacity.allowed < len(new_keys):
        # Files beyond what the instance storage takes wait, out of the index, and are seen
        # again on a later tick (once the storage is moved to PostgreSQL).
        for key in new_keys[capacity.allowed :]:
            changes.index.pop(key, None)
        new_keys = new_keys[: capacity.allowed]
    ledger = Ledger(paths)
    for key in changes.deleted:
        ledger.mark_stale(key)
    order = [k for k in existing if k not in gone] + new_keys

    requested: dict[str, list] = read_json(requests_path(paths), {})
    in_flight = keys_in_flight(instance, order)
    committed: dict[str, str] = {}
    wanted: list[str] = []
    waiting: dict[str, str] = {}
    fresh = {key for key, _ in changes.to_convert}
    for key in changes.pending():
        digest = changes.index[key][DIGEST]
        if key in in_flight:
            waiting[key] = "being converted"
        elif key in fresh:
            # New bytes seen on this tick: ask, without reading the ledger (a conversion of
            # them already done is reused by the run). Reading two small files per file on
            # a tick would cost seconds at 100,000 files.
            wanted.append(key)
        elif (why := _asked_recently(digest, requested.get(key), now)) is not None:
            waiting[key] = why  # its run is being started or has just ended: no reads yet
        elif ledger.is_done(key, digest):
            committed[key] = digest
        elif (why := _retry_later(ledger, key, now)) is not None:
            waiting[key] = why
        else:
            wanted.append(key)
    mark_done(changes.index, committed)
    settled = [key for key in requested if key not in changes.index or key in committed]
    for key in settled:
        del requested[key]

    runs = []
    for keys in contiguous_ranges(order, wanted, MAX_FILES_PER_RUN):
        for key in keys:
            digest = changes.index[key][DIGEST]
            earlier = requested.get(key)
            count = earlier[1] + 1 if earlier and earlier[0] == digest else 1
            requested[key] = [digest, count, now]
        token = "".join(f"{k}\0{requested[k][0]}\0{requested[k][1]}\n" for k in keys)
        digest = hashlib.sha256(token.encode()).hexdigest()
        runs.append(
            dg.RunRequest(
                run_key=f"{keys[0]}..{keys[-1]}#{digest[:16]}",
                tags={**range_tags(keys), "nexus/files": str(len(keys)), TRIGGER_TAG: trigger},
            )
        )
    partition_requests: list[
        dg.AddDynamicPartitionsRequest | dg.DeleteDynamicPartitionsRequest
    ] = []
    if new_keys:
        partition_requests.append(landing_files.build_add_request(new_keys))
    if gone:
        partition_requests.append(landing_files.build_delete_request(sorted(gone)))
    if changes.index != index:
        write_json(index_path(paths), changes.index, durable=False)
    if settled or runs:  # a quiet tick over many files writes nothing
        write_json(requests_path(paths), requested, durable=False)
    summary = {
        "storage": capacity.message or "ok",
        "new": len(changes.new),
        "changed": len(changes.changed),
        "touched": len(changes.touched),
        "deleted": len(changes.deleted),
        "deferred": changes.deferred,
        "requested": len(wanted),
        "waiting": len(waiting),
        "runs": len(runs),
    }
    return LandingDecision(runs, partition_requests, summary, changes, waiting)


def _asked_recently(digest: str, requested: list | None, now: float) -> str | None:
    """`requested` is the request log's `[digest, count, when]` for the file: a file asked
    for moments ago is not asked for again (a new version is asked for at once)."""
    if requested is not None and requested[0] == digest:
        _, count, last = requested
        if now < last + retry_delay(count):
            return f"asked for {int(now - last)}s ago ({count} time(s))"
    return None


def _retry_later(ledger: Ledger, key: str, now: float) -> str | None:
    """A file left pending by a passing error waits for its retry time."""
    attempt = ledger.attempt(key)
    if attempt is not None and attempt.reason and not attempt.due(now):
        when = time.strftime("%H:%M:%S", time.localtime(attempt.next_try_at))
        return f"retry after {attempt.reason} at {when}"
    return None


def keys_in_flight(instance: dg.DagsterInstance, order: list[str]) -> set[str]:
    """Landing keys a live conversion run covers, or a failed one that Dagster will retry."""
    position = {k: i for i, k in enumerate(order)}
    runs = [r.dagster_run for r in instance.get_run_records(dg.RunsFilter(statuses=_LIVE))]
    retrying = instance.get_run_records(
        dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE], tags={WILL_RETRY_TAG: "true"}),
        limit=50,
    )
    for record in retrying:
        run = record.dagster_run
        retried = instance.get_run_records(
            dg.RunsFilter(tags={PARENT_RUN_ID_TAG: run.run_id}), limit=1
        )
        if not retried:
            runs.append(run)
    keys: set[str] = set()
    for run in runs:
        if run.job_name != ingest_job.name and PARQUET_TABLES not in (run.asset_selection or ()):
            continue
        tags = run.tags
        if PARTITION_TAG in tags:
            keys.add(tags[PARTITION_TAG])
        elif RANGE_START_TAG in tags and RANGE_END_TAG in tags:
            start, end = position.get(tags[RANGE_START_TAG]), position.get(tags[RANGE_END_TAG])
            if start is not None and end is not None:
                keys.update(order[start : end + 1])
    return keys


@dg.sensor(
    name="landing_sensor",
    job=ingest_job,
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Turns landing files that are not converted yet (new, changed, or left behind "
    "by a failed run) into partitions and conversion runs.",
)
def landing_sensor(context: dg.SensorEvaluationContext, storage: NexusStorage) -> dg.SensorResult:
    decision = evaluate_landing(context.instance, storage, SETTLE_SECONDS)
    summary = decision.summary
    if any(summary[k] for k in ("new", "changed", "deleted", "deferred", "requested")):
        context.log.info(f"landing: {summary}")
    # The cursor stays small: the per-file index lives under NEXUS_HOME/state.
    cursor = json.dumps({"files": len(decision.changes.index), **summary})
    if not decision.runs and not decision.partition_requests:
        return dg.SensorResult(skip_reason=f"nothing to convert ({summary})", cursor=cursor)
    return dg.SensorResult(
        run_requests=decision.runs,
        dynamic_partitions_requests=decision.partition_requests,
        cursor=cursor,
    )
