"""The platform's code location: assets, checks, sensors, jobs and the resources of the
environment.

The environment (NEXUS_ENV=local|prod) is decided once, here, through `settings`; asset
bodies never branch on it. Heavy libraries are imported where they are used, so loading
this module stays fast (every run and `dagster dev` import it). The dbt models live in their
own code location (`nexus_platform.warehouse`): dbt's import alone costs more than the rest
of the platform, and a broken dbt project must not take the platform down.
"""

from __future__ import annotations

import dagster as dg

from nexus_platform.assets import embeddings, incoming, ingest, knowledgebase, ml_tasks, sources
from nexus_platform.jobs import ingest_job
from nexus_platform.jobs.executors import executor_for
from nexus_platform.resources import (
    airbyte,
    dvc,
    embedder,
    gcp,
    neo4j,
    oekobaudat,
    tracking,
    vector_store,
)
from nexus_platform.resources.storage import NexusStorage
from nexus_platform.sensors.landing import landing_sensor
from nexus_platform.settings import Environment, NexusPaths, environment, home_uri

# Declarative automation keeps everything downstream of the tables fresh by itself.
automation_sensor = dg.AutomationConditionSensorDefinition(
    "downstream_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
)

# Each module offers `resources_for(env, paths)`: the local and production instances.
RESOURCE_MODULES = [airbyte, oekobaudat, gcp, neo4j, embedder, vector_store, tracking, dvc]


def platform_resources(env: Environment, paths: NexusPaths) -> dict:
    resources: dict = {"storage": NexusStorage(home=str(paths.home))}
    for module in RESOURCE_MODULES:
        resources.update(module.resources_for(env, paths))
    return resources


def build_definitions(
    env: Environment | None = None, with_warehouse: bool = False
) -> dg.Definitions:
    """The platform's definitions; `with_warehouse` adds the dbt models, for headless runs
    (`nexus refresh`) that materialise everything in one process."""
    env = env or environment()
    paths = NexusPaths.from_uri(home_uri(env))
    resources = platform_resources(env, paths)
    parts = [
        ingest.build_defs(),
        knowledgebase.build_defs(),
        embeddings.build_defs(),
        incoming.build_defs(),
        # Task specs from the repo's tasks/ and NEXUS_HOME/tasks/ become assets on load.
        ml_tasks.build_defs(paths),
        # Syncs run on their schedule in production; locally a user starts them.
        sources.build_defs(schedule_running=env == "prod"),
    ]
    if with_warehouse:
        from nexus_platform.warehouse import warehouse_parts

        models, warehouse_resources = warehouse_parts(env, paths)
        parts.append(models)
        resources.update(warehouse_resources)
    core = dg.Definitions(
        jobs=[ingest_job],
        sensors=[landing_sensor, automation_sensor],
        resources=resources,
        executor=executor_for(env),
    )
    return dg.Definitions.merge(*parts, core)


defs = build_definitions()
