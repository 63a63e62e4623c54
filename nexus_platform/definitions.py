"""The code location: assets, checks, sensors, jobs and the resources of the environment.

The environment (NEXUS_ENV=local|prod) is decided once, here, through `settings`; asset
bodies never branch on it. Heavy libraries are imported where they are used, so loading
this module stays fast (every run and `dagster dev` imports it).
"""

from __future__ import annotations

import dagster as dg

from nexus_platform.assets import ingest
from nexus_platform.jobs import ingest_job
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


def _resources(env: Environment, paths: NexusPaths) -> dict:
    return {"storage": NexusStorage(home=str(paths.home))}


def _executor(env: Environment):
    if env == "prod":
        # Each step in its own Kubernetes pod; GPU steps ask for nvidia.com/gpu by op tags.
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor
    # One process per run: steps share the loaded models and skip per-step process start.
    return dg.in_process_executor


def build_definitions(env: Environment | None = None) -> dg.Definitions:
    env = env or environment()
    paths = NexusPaths.from_uri(home_uri(env))
    core = dg.Definitions(
        jobs=[ingest_job],
        sensors=[landing_sensor, automation_sensor],
        resources=_resources(env, paths),
        executor=_executor(env),
    )
    return dg.Definitions.merge(ingest.build_defs(), core)


defs = build_definitions()
