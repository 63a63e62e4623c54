"""Declarative automation, evaluated in this process: what `nexus refresh` runs after the
landing files converted.

It asks the assets' own automation conditions (`automation.py`) what they request — the same
evaluation the automation sensor makes under the daemon — runs that, and asks again until
nothing more is requested. It has no rule of its own about what is stale. The evaluation
cursor is kept under NEXUS_HOME/state, so each refresh continues where the last one stopped,
as the sensor's cursor does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import dagster as dg

from nexus_platform.dagster_internals import load_automation_cursor, save_automation_cursor
from nexus_platform.ingest.changes import contiguous_ranges
from nexus_platform.sensors.landing import MAX_FILES_PER_RUN, TRIGGER_TAG, range_tags
from nexus_platform.settings import NexusPaths

# A chain (dataset -> model -> evaluation -> promotion) is requested in one evaluation and
# runs in one run; a few more rounds cover what waits on another run (a task's dataset waits
# for its file's incoming-data report). Beyond this a loop would be a bug: stop and say so.
MAX_ROUNDS = 12


def cursor_path(paths: NexusPaths):
    return paths.state / "automation_cursor.txt"


def evaluate(defs: dg.Definitions, instance: dg.DagsterInstance, paths: NexusPaths):
    """One evaluation of every automation condition; returns what it requests
    (key -> partition keys, None for unpartitioned) and remembers the cursor."""
    result = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, cursor=load_automation_cursor(cursor_path(paths))
    )
    save_automation_cursor(cursor_path(paths), result.cursor)
    requested: dict[dg.AssetKey | dg.AssetCheckKey, set[str | None]] = {}
    for evaluation in result.results:
        if evaluation.true_subset.size:
            key = evaluation.key
            requested[key] = (
                set(result.get_requested_partitions(key))
                if isinstance(key, dg.AssetKey)
                else {None}
            )
    return requested


def automate(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    paths: NexusPaths,
    execute: Callable[..., bool],
    log=print,
) -> list[str]:
    """Evaluate, run what is requested, repeat until nothing is. `execute(job, **kwargs)`
    runs one job in process and says whether it succeeded. Returns what ran."""
    ran: list[str] = []
    for _ in range(MAX_ROUNDS):
        requested = evaluate(defs, instance, paths)
        if not requested:
            return ran
        for job, kwargs, names in _runs(defs, instance, requested):
            log(f"automation requested: {', '.join(names)}")
            execute(job, **kwargs)
            ran.extend(n for n in names if n not in ran)
    raise RuntimeError(
        f"automation kept requesting work after {MAX_ROUNDS} rounds: {', '.join(ran)}"
    )


def _runs(defs: dg.Definitions, instance: dg.DagsterInstance, requested):
    """Group requests into runs as the automation sensor does: everything unpartitioned in
    one run (in dependency order, blocking checks gating within it), each partitioned asset
    in runs over contiguous ranges of its requested partitions."""
    graph = defs.resolve_asset_graph()
    global_job = defs.resolve_implicit_global_asset_job_def()
    tags = {TRIGGER_TAG: "cli"}
    unpartitioned: set[dg.AssetKey] = set()
    checks: set[dg.AssetCheckKey] = set()
    partitioned: dict[dg.AssetKey, set[str]] = defaultdict(set)
    for key, partitions in requested.items():
        if isinstance(key, dg.AssetCheckKey):
            checks.add(key)
        elif None in partitions:
            unpartitioned.add(key)
        else:
            partitioned[key].update(p for p in partitions if p is not None)
    if unpartitioned or checks:
        own_checks = {c for c in checks if c.asset_key in unpartitioned}
        for key in unpartitioned:
            own_checks.update(graph.get(key).check_keys)
        job = global_job.get_subset(
            asset_selection=unpartitioned, asset_check_selection=own_checks | checks
        )
        names = sorted(k.to_user_string() for k in unpartitioned)
        names += sorted(f"{c.asset_key.to_user_string()}:{c.name}" for c in checks - own_checks)
        yield job, {"tags": tags}, names
    for key, partitions in sorted(partitioned.items()):
        definition = graph.get(key).partitions_def
        assert definition is not None
        order = list(definition.get_partition_keys(dynamic_partitions_store=instance))
        job = global_job.get_subset(asset_selection={key})
        for keys in contiguous_ranges(order, partitions, MAX_FILES_PER_RUN):
            yield (
                job,
                {"tags": {**tags, **range_tags(keys)}},
                [f"{key.to_user_string()}[{keys[0]}..{keys[-1]}]"],
            )
