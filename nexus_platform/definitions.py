"""The platform's code location: assets, checks, sensors, jobs and the resources of the
environment.

The environment (NEXUS_ENV=local|prod) is decided once, here, through `settings`; asset
bodies never branch on it. Heavy libraries are imported where they are used, so loading
this module stays fast (every run and `dagster dev` import it). The dbt models live in their
own code location (`nexus_platform.warehouse`): dbt's import alone costs more than the rest
of the platform, and a broken dbt project must not take the platform down.
"""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from nexus_platform.asset_keys import VECTOR_INDEX
from nexus_platform.assets import annotations as annotation_assets
from nexus_platform.assets import (
    configuration,
    embeddings,
    incoming,
    ingest,
    knowledgebase,
    ml_tasks,
    quarantine,
    search,
    sources,
)
from nexus_platform.jobs import ingest_job
from nexus_platform.jobs.executors import executor_for
from nexus_platform.resources import (
    airbyte,
    dvc,
    embedder,
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
RESOURCE_MODULES = [airbyte, oekobaudat, neo4j, embedder, vector_store, tracking, dvc]


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
        # The files that did not convert, and why, at a glance.
        quarantine.build_defs(),
        knowledgebase.build_defs(),
        embeddings.build_defs(),
        # Hybrid search's lexical index and its measured quality.
        search.build_defs(),
        incoming.build_defs(),
        # Task specs from the repo's tasks/ and NEXUS_HOME/tasks/ become assets on load.
        ml_tasks.build_defs(paths),
        # Every record annotated by the promoted models and the zero-shot ESG topics.
        annotation_assets.build_defs(paths),
        # Syncs run on their schedule in production; locally a user starts them.
        sources.build_defs(schedule_running=env == "prod"),
        # Every user YAML validated, with each bad file, field and problem shown in the UI.
        configuration.build_defs(paths),
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
    return with_ownership(dg.Definitions.merge(*parts, core))  # the policies below


# Who answers for an asset, the domain it belongs to, and how fresh it is expected to be:
# set once here for every asset rather than on each decorator.
OWNER = "team:nexus-data"
# Refreshed on a schedule: the external sources daily (their sync schedule), the vector index
# whenever the knowledge base changes, which a team adding files weekly expects within days.
FRESHNESS = {
    "external_sources": dg.FreshnessPolicy.time_window(
        warn_window=timedelta(hours=26), fail_window=timedelta(days=2)
    ),
}
FRESHNESS_BY_KEY = {
    VECTOR_INDEX: dg.FreshnessPolicy.time_window(
        warn_window=timedelta(days=7), fail_window=timedelta(days=30)
    ),
}


def with_ownership(defs: dg.Definitions) -> dg.Definitions:
    def own(spec: dg.AssetSpec) -> dg.AssetSpec:
        domain = spec.group_name or "default"
        freshness = FRESHNESS_BY_KEY.get(spec.key) or FRESHNESS.get(domain)
        return spec.replace_attributes(
            owners=list(spec.owners) or [OWNER],
            tags={"domain": domain, **spec.tags},
            freshness_policy=spec.freshness_policy or freshness,
        )

    return defs.map_asset_specs(func=own)


defs = build_definitions()
