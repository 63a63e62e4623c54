"""The warehouse code location: the dbt project's models and tests as assets and checks.

Its sources are the platform's assets (`knowledgebase`, `oekobaudat_processes`, ...) by asset
key, so the lineage runs across both code locations in the UI, and its own automation sensor
refreshes a model when the platform materialises what it reads.
"""

from __future__ import annotations

import dagster as dg

from nexus_platform.assets import dbt as dbt_models
from nexus_platform.jobs.executors import executor_for
from nexus_platform.resources import dbt as dbt_resources
from nexus_platform.resources.storage import NexusStorage
from nexus_platform.settings import Environment, NexusPaths, environment, home_uri

warehouse_automation = dg.AutomationConditionSensorDefinition(
    "warehouse_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
)


def warehouse_parts(env: Environment, paths: NexusPaths) -> tuple[dg.Definitions, dict]:
    """The dbt assets and the resources only they need."""
    return dbt_models.build_defs(), dbt_resources.resources_for(env, paths)


def build_warehouse_definitions(env: Environment | None = None) -> dg.Definitions:
    env = env or environment()
    paths = NexusPaths.from_uri(home_uri(env))
    models, resources = warehouse_parts(env, paths)
    core = dg.Definitions(
        sensors=[warehouse_automation],
        resources={"storage": NexusStorage(home=str(paths.home)), **resources},
        executor=executor_for(env),
    )
    return dg.Definitions.merge(models, core)


defs = build_warehouse_definitions()
