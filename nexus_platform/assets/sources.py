"""External sources as assets: one asset per declared Airbyte stream, and ÖKOBAUDAT read
directly from its soda4LCA API (the zero-setup default).

Airbyte stream assets come from static declarations (airbyte/connections.yaml), so the
definitions load with no network. Materialising a connection's streams runs one sync. Both
kinds land files under NEXUS_HOME/landing/, from where the landing sensor converts them
into `parquet_tables` like any other file.
"""

from pathlib import Path
from typing import Any, cast

import dagster as dg

from nexus_platform.resources.airbyte import AirbyteResource
from nexus_platform.resources.oekobaudat import OekobaudatResource
from nexus_platform.resources.storage import NexusStorage
from nexus_platform.sources.connections import (
    ConnectionDeclaration,
    ConnectionsFile,
    declared_connections,
)

GROUP = "external_sources"
OEKOBAUDAT_PROCESSES = dg.AssetKey(["oekobaudat_processes"])
OEKOBAUDAT_LCIA = dg.AssetKey(["oekobaudat_lcia_results"])
SYNC_JOB = "airbyte_sync"


def stream_asset_key(connection: ConnectionDeclaration, stream: str) -> dg.AssetKey:
    return dg.AssetKey(["airbyte", connection.name, stream])


def _connection_assets(connection: ConnectionDeclaration) -> dg.AssetsDefinition:
    dest = connection.destination
    specs = [
        dg.AssetSpec(
            key=stream_asset_key(connection, stream.name),
            group_name=GROUP,
            kinds={"airbyte"},
            description=stream.description
            or f"Stream `{stream.name}` of the Airbyte connection `{connection.name}`, written "
            f"as {dest.format} to `{dest.path}`.",
            metadata={
                "airbyte/connection_id": connection.connection_id,
                "destination": dest.path,
                "destination_format": dest.format,
            },
        )
        for stream in connection.streams
    ]

    @dg.multi_asset(
        name=f"airbyte_{connection.name}",
        specs=specs,
        can_subset=False,  # one sync writes every stream of the connection
        description=connection.description or f"Airbyte sync of `{connection.name}`.",
    )
    def _sync(context: dg.AssetExecutionContext, airbyte: AirbyteResource):
        client = airbyte.client()

        def started(job, reused):
            verb = "attached to running" if reused else "started"
            context.log.info(f"Airbyte {verb} job {job.job_id} for {connection.name}")

        # An interrupted run (terminated in the UI) raises inside; the client cancels the job.
        result = client.sync_and_wait(connection.connection_id, on_started=started)
        job = result.job
        context.log.info(
            f"Airbyte job {job.job_id} succeeded: {job.rows_synced} rows, {job.bytes_synced} bytes"
        )
        for spec in specs:
            metadata: dict[str, str | int | float | bool] = {
                "airbyte/job_id": job.job_id,
                "connection_rows_synced": job.rows_synced or 0,
                "connection_bytes_synced": job.bytes_synced or 0,
                "airbyte_duration": job.duration or "",
                "wall_seconds": round(result.wall_seconds, 2),
                "reused_running_job": result.reused_running_job,
            }
            if len(specs) == 1:  # Airbyte reports totals per job, not per stream
                metadata["dagster/row_count"] = job.rows_synced or 0
            yield dg.MaterializeResult(asset_key=spec.key, metadata=metadata)

    return _sync


def _preview(rows: list[dict], columns: list[str]) -> str:
    head = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n"
    return head + "\n".join(
        "| " + " | ".join(str(r.get(c, ""))[:60].replace("|", "/") for c in columns) + " |"
        for r in rows
    )


@dg.asset(
    key=OEKOBAUDAT_PROCESSES,
    group_name=GROUP,
    kinds={"python", "parquet"},
    description=(
        "ÖKOBAUDAT process data sets (EPDs and generic data of German building materials): "
        "uuid, version, name, classification path, reference year, validity, geography, "
        "type/sub-type and the raw entry, read from the soda4LCA API (free of charge, "
        "BBSR/BMWSB). Lands at landing/external/oekobaudat/processes.parquet."
    ),
)
def oekobaudat_processes(
    context: dg.AssetExecutionContext, storage: NexusStorage, oekobaudat: OekobaudatResource
) -> dg.MaterializeResult:
    from nexus_platform.sources.oekobaudat import CITATION, download_processes, processes_path
    from nexus_platform.sources.parquet_io import read_table

    result = download_processes(storage.paths(), oekobaudat.config())
    for note in result.notes:
        context.log.warning(note)
    sample = read_table(processes_path(storage.paths())).slice(0, 10).to_pylist()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": result.rows,
            "dagster/uri": result.path,
            "data_stock_uuid": result.data_stock.uuid,
            "data_stock_name": result.data_stock.short_name or result.data_stock.name,
            "retrieved_at": result.retrieved_at.isoformat(),
            "total_count": result.expected_rows,
            "unchanged": result.unchanged,
            "pages_fetched": result.pages_fetched,
            "pages_from_cache": result.pages_from_cache,
            "citation": CITATION,
            "preview": dg.MetadataValue.md(
                _preview(sample, ["name", "classification_path", "reference_year", "geography"])
            ),
        }
    )


@dg.asset_check(
    asset=OEKOBAUDAT_PROCESSES,
    blocking=True,
    description=(
        "Every entry has a uuid, (uuid, version) is unique and the table holds as many rows as "
        "the service announced (totalCount)."
    ),
)
def oekobaudat_processes_complete(storage: NexusStorage) -> dg.AssetCheckResult:
    from nexus_platform.sources.oekobaudat import processes_path
    from nexus_platform.sources.parquet_io import read_file_metadata, read_table

    target = processes_path(storage.paths())
    table = read_table(target).select(["process_uuid", "version"])
    # The provenance footer entry is a JSON object (read_file_metadata types values as object).
    provenance = cast("dict[str, Any]", read_file_metadata(target).get("provenance") or {})
    announced = int(provenance.get("total_count", 0))
    uuids, versions = table.column("process_uuid").to_pylist(), table.column("version").to_pylist()
    keys = list(zip(uuids, versions, strict=True))
    missing_uuid = sum(1 for uuid, _ in keys if not uuid)
    duplicates = len(keys) - len(set(keys))
    passed = missing_uuid == 0 and duplicates == 0 and table.num_rows >= announced
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "rows": table.num_rows,
            "announced": announced,
            "missing_uuid": missing_uuid,
            "duplicate_keys": duplicates,
        },
    )


@dg.asset(
    key=OEKOBAUDAT_LCIA,
    deps=[OEKOBAUDAT_PROCESSES],
    group_name=GROUP,
    kinds={"python", "parquet"},
    description=(
        "LCIA indicators (GWP-total, ODP, AP, ...) per process and life-cycle module (A1-A3, "
        "C3, D, ...) from each process's full ILCD+EPD data set (view=extended). One request "
        "per process; lands at landing/external/oekobaudat/lcia_results.parquet."
    ),
)
def oekobaudat_lcia_results(
    context: dg.AssetExecutionContext, storage: NexusStorage, oekobaudat: OekobaudatResource
) -> dg.MaterializeResult:
    from nexus_platform.sources.oekobaudat_lcia import download_lcia

    result = download_lcia(storage.paths(), oekobaudat.config(), limit=oekobaudat.lcia_limit)
    if result.processes_without_lcia:
        context.log.warning(f"{result.processes_without_lcia} processes carry no LCIA results")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": result.rows,
            "dagster/uri": result.path,
            "processes": result.processes,
            "processes_without_lcia": result.processes_without_lcia,
            "fetched": result.fetched,
            "from_cache": result.from_cache,
            "unchanged": result.unchanged,
        }
    )


def landing_source_keys(connections: ConnectionsFile | None = None) -> list[dg.AssetKey]:
    """Assets that write into NEXUS_HOME/landing: `parquet_tables` may list them as deps
    so the lineage from source to table shows in the graph."""
    connections = connections or declared_connections()
    keys = [OEKOBAUDAT_PROCESSES, OEKOBAUDAT_LCIA]
    for conn in connections.connections:
        if conn.destination.is_under_landing():
            keys += [stream_asset_key(conn, s.name) for s in conn.streams]
    return keys


def build_defs(
    connections_file: Path | str | None = None, schedule_running: bool = False
) -> dg.Definitions:
    """Source assets, the ÖKOBAUDAT check, and the Airbyte sync job with its daily schedule
    (stopped unless `schedule_running`, e.g. in production)."""
    declared = declared_connections(connections_file)
    airbyte_assets = [_connection_assets(c) for c in declared.connections]
    jobs, schedules = [], []
    if airbyte_assets:
        job = dg.define_asset_job(
            SYNC_JOB,
            selection=dg.AssetSelection.assets(*airbyte_assets),
            description="Run every declared Airbyte sync.",
        )
        jobs.append(job)
        schedules.append(
            dg.ScheduleDefinition(
                name="airbyte_sync_schedule",
                job=job,
                cron_schedule=declared.schedule.cron,
                execution_timezone=declared.schedule.timezone,
                default_status=dg.DefaultScheduleStatus.RUNNING
                if schedule_running
                else dg.DefaultScheduleStatus.STOPPED,
            )
        )
    return dg.Definitions(
        assets=[*airbyte_assets, oekobaudat_processes, oekobaudat_lcia_results],
        asset_checks=[oekobaudat_processes_complete],
        jobs=jobs,
        schedules=schedules,
    )
