"""The few places the platform relies on Dagster behaviour that is not public API.

Gathered here, each with why, so that a Dagster upgrade that moves one of them breaks one
module and its test (tests/test_dagster_internals.py), not a run in production.
"""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg

# Run-worker health checks for a run launcher of our own (jobs/local_launcher.py): public
# classes, but exported only from this internal package.
from dagster._core.launcher import (  # noqa: F401  (re-exported)
    CheckRunHealthResult,
    DefaultRunLauncher,
    WorkerStatus,
)

# Tags Dagster's run-retry machinery sets: a failed run that will be retried carries
# WILL_RETRY_TAG, its retry carries PARENT_RUN_ID_TAG. The landing sensor leaves the files of
# such a run to the retry instead of asking for them a second time.
WILL_RETRY_TAG = "dagster/will_retry"
PARENT_RUN_ID_TAG = "dagster/parent_run_id"

# A run over a range of partitions of one asset: Dagster hands the asset the whole range in
# `context.partition_keys`. (RunRequest(partition_key_range=...) was dropped by sensors in
# 1.13; the tags are what backfills themselves use.)
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
PARTITION_TAG = "dagster/partition"


def load_automation_cursor(path):
    """The cursor of in-process automation evaluations (`evaluate_automation_conditions`),
    kept between runs of `nexus refresh`. Its class is not exported; its serialised form is
    Dagster's own."""
    from dagster._core.definitions.asset_daemon_cursor import AssetDaemonCursor

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return dg.deserialize_value(text, AssetDaemonCursor)
    except Exception:  # written by another Dagster version: start afresh, as the daemon would
        return None


def save_automation_cursor(path, cursor) -> None:
    from nexus_platform.storage import write_text

    write_text(path, dg.serialize_value(cursor), durable=False)


def stale_status(defs: dg.Definitions, instance: dg.DagsterInstance, key: dg.AssetKey) -> str:
    """ "FRESH", "STALE" or "MISSING": what the UI shows for an asset (its "Upstream data"
    badge), computed as the webserver does. Used by tests that follow staleness."""
    from dagster._core.definitions.data_version import CachingStaleStatusResolver
    from dagster._core.loader import LoadingContextForTest

    resolver = CachingStaleStatusResolver(
        instance, defs.resolve_asset_graph(), LoadingContextForTest(instance)
    )
    return resolver.get_status(key).value


def check_outputs_done(asset_key: dg.AssetKey, *check_names: str) -> Iterator[dg.Output]:
    """An asset that reports partitioned check results as `AssetCheckEvaluation` events (one
    per partition, as it goes) still owes the framework one output per check spec, which it
    emits itself for `AssetCheckResult`. Their names are `<asset name>_<check name>`."""
    for name in check_names:
        yield dg.Output(None, output_name=f"{asset_key.path[-1]}_{name}")


def hold_connections(storage, **engine_kwargs) -> None:
    """Give dagster-postgres's run, event-log and schedule storages pooled engines in place
    of their NullPool ones (a new connection for every statement). dagster-postgres builds
    its engines in each storage's constructor, from its URL and token provider, with no
    option for a pool outside the webserver (`optimize_for_webserver` swaps `_engine` the
    same way); `_engine` is what every storage method connects through."""
    from dagster_postgres.utils import create_pg_engine

    for part in (storage.run_storage, storage.event_log_storage, storage.schedule_storage):
        old = part._engine
        part._engine = create_pg_engine(part.postgres_url, part._token_provider, **engine_kwargs)
        old.dispose()
