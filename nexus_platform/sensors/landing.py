"""The landing sensor: new or changed files become partitions and conversion runs.
Per tick it lists the landing folder, hashes only files whose size or mtime moved (capped),
adds a dynamic partition per new file, removes the partitions of deleted files (their
outputs stay, marked stale in the ledger) and asks for as few runs as possible: one per
contiguous range of partitions to convert, tagged with the range so a single run converts
them all.
"""

import hashlib
import json
from pathlib import Path

import dagster as dg

from nexus_platform.assets.partitions import LANDING_FILES, landing_files
from nexus_platform.ingest.changes import contiguous_ranges, detect
from nexus_platform.ingest.landing import resolve_inside, scan, sha256_file
from nexus_platform.ingest.ledger import Ledger
from nexus_platform.ingest.model import IngestError
from nexus_platform.jobs import ingest_job
from nexus_platform.resources.storage import NexusStorage
from nexus_platform.storage import read_json, write_json

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
MAX_FILES_PER_RUN = 2_000
MAX_FILES_HASHED_PER_TICK = 10_000
SETTLE_SECONDS = 2.0  # a file still being copied is left for the next tick


def landing_hasher(landing: Path):
    def hasher(relpath: str) -> str:
        try:
            return sha256_file(resolve_inside(landing, relpath))
        except IngestError:
            # Never read what lies outside the landing root; the converter quarantines it.
            return "outside:" + hashlib.sha256(relpath.encode()).hexdigest()
        except OSError as exc:
            return f"unreadable:{type(exc).__name__}"

    return hasher


def range_tags(keys: list[str]) -> dict[str, str]:
    return {RANGE_START: keys[0], RANGE_END: keys[-1]}


def evaluate_landing(instance: dg.DagsterInstance, storage: NexusStorage, settle: float):
    """The sensor's decision, separate from the decorator so the CLI and tests share it."""
    paths = storage.paths()
    landing = Path(paths.landing.path)
    index_path = paths.state / "landing_index.json"
    index = read_json(index_path, {})
    changes = detect(
        scan(landing, settle_seconds=settle),
        index,
        landing_hasher(landing),
        max_files=MAX_FILES_HASHED_PER_TICK,
    )
    existing = instance.get_dynamic_partitions(LANDING_FILES)
    known = set(existing)
    shas = dict(changes.to_convert)
    new_keys = [k for k in sorted(shas) if k not in known]
    deleted = [k for k in changes.deleted if k in known]
    ledger = Ledger(paths)
    for key in changes.deleted:
        ledger.mark_stale(key)
    gone = set(deleted)
    order = [k for k in existing if k not in gone] + new_keys
    runs = []
    for keys in contiguous_ranges(order, shas, MAX_FILES_PER_RUN):
        digest = hashlib.sha256("".join(f"{k}\0{shas[k]}\n" for k in keys).encode()).hexdigest()
        runs.append(
            dg.RunRequest(
                run_key=f"{keys[0]}..{keys[-1]}#{digest[:16]}",
                tags={**range_tags(keys), "nexus/files": str(len(keys))},
            )
        )
    requests: list[dg.AddDynamicPartitionsRequest | dg.DeleteDynamicPartitionsRequest] = []
    if new_keys:
        requests.append(landing_files.build_add_request(new_keys))
    if deleted:
        requests.append(landing_files.build_delete_request(deleted))
    if changes.index != index:
        write_json(index_path, changes.index)
    summary = {
        "new": len(changes.new),
        "changed": len(changes.changed),
        "touched": len(changes.touched),
        "deleted": len(changes.deleted),
        "deferred": changes.deferred,
        "runs": len(runs),
    }
    return runs, requests, summary, changes


@dg.sensor(
    name="landing_sensor",
    job=ingest_job,
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Turns new or changed landing files into partitions and conversion runs.",
)
def landing_sensor(context: dg.SensorEvaluationContext, storage: NexusStorage) -> dg.SensorResult:
    runs, requests, summary, changes = evaluate_landing(context.instance, storage, SETTLE_SECONDS)
    if any(summary[k] for k in ("new", "changed", "deleted", "deferred")):
        context.log.info(f"landing: {summary}")
    # The cursor stays small: the per-file index lives under NEXUS_HOME/state.
    cursor = json.dumps({"files": len(changes.index), **summary})
    if not runs and not requests:
        return dg.SensorResult(skip_reason=f"no new or changed files ({summary})", cursor=cursor)
    return dg.SensorResult(run_requests=runs, dynamic_partitions_requests=requests, cursor=cursor)
