"""Where steps run in production, and how a GPU step asks for its GPU.

Production runs on Kubernetes: the run launcher starts one pod per run and `k8s_job_executor`
one Kubernetes Job per step, so a CPU step and a GPU step of the same run land on different
nodes. A GPU step says so with op tags (`gpu_op_tags()`) and the `gpu` pool, which caps how
many GPU steps run at once across all runs (the pool's limit is set on the instance, see
deploy/k8s/README.md).

Nothing here imports the Kubernetes client: `dagster_k8s` is imported only when the production
executor is built, so loading the local definitions stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

GPU_POOL = "gpu"
GPU_RESOURCE = "nvidia.com/gpu"
K8S_CONFIG_TAG = "dagster-k8s/config"

# Nodes of the GPU node pool carry this label (set it when creating the pool, e.g.
# `gcloud container node-pools create ... --node-labels=nexus-platform/node-pool=gpu`);
# a label of our own works on every cluster, unlike accelerator-specific ones.
GPU_NODE_SELECTOR: dict[str, str] = {"nexus-platform/node-pool": "gpu"}
# GPU nodes are tainted so that CPU pods stay off them (GKE taints them this way itself).
GPU_TOLERATIONS: list[dict[str, str]] = [
    {"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}
]

# What an ordinary step asks for: enough for a Parquet conversion or a dbt build. Steps that
# need more say so in their own `dagster-k8s/config` op tags (merged over these).
DEFAULT_STEP_REQUESTS: dict[str, str] = {"cpu": "500m", "memory": "2Gi"}
DEFAULT_STEP_LIMITS: dict[str, str] = {"memory": "8Gi"}
DEFAULT_IMAGE_PULL_POLICY = "IfNotPresent"

# Namespace for step Jobs: NEXUS_K8S_NAMESPACE wins; the Dagster Helm chart sets
# DAGSTER_K8S_PIPELINE_RUN_NAMESPACE in the code-location pods. With neither, the executor
# uses the run launcher's namespace.
NAMESPACE_VARIABLES = ("NEXUS_K8S_NAMESPACE", "DAGSTER_K8S_PIPELINE_RUN_NAMESPACE")


def gpu_op_tags(
    gpus: int = 1,
    *,
    requests: Mapping[str, str] | None = None,
    node_selector: Mapping[str, str] | None = None,
    tolerations: list[Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """Op tags that put a step in a pod with `gpus` NVIDIA GPUs on a GPU node.

    Use with `pool=GPU_POOL` on the asset:
    `@dg.asset(op_tags=gpu_op_tags(), pool=GPU_POOL)`. Locally the tags are inert.
    """
    if gpus < 1:
        raise ValueError(f"gpu_op_tags: gpus must be at least 1, got {gpus}")
    resources: dict[str, Any] = {"limits": {GPU_RESOURCE: str(gpus)}}
    if requests:
        resources["requests"] = dict(requests)
    return {
        K8S_CONFIG_TAG: {
            "container_config": {"resources": resources},
            "pod_spec_config": {
                "node_selector": dict(
                    GPU_NODE_SELECTOR if node_selector is None else node_selector
                ),
                "tolerations": [
                    dict(t) for t in (GPU_TOLERATIONS if tolerations is None else tolerations)
                ],
            },
        }
    }


def job_namespace(environ: Mapping[str, str] | None = None) -> str | None:
    environ = os.environ if environ is None else environ
    for name in NAMESPACE_VARIABLES:
        value = environ.get(name, "").strip()
        if value:
            return value
    return None


def k8s_executor_config(
    *,
    namespace: str | None = None,
    image_pull_policy: str = DEFAULT_IMAGE_PULL_POLICY,
    step_requests: Mapping[str, str] | None = None,
    step_limits: Mapping[str, str] | None = None,
    max_concurrent: int | None = None,
) -> dict[str, Any]:
    """The `k8s_job_executor` config the production definitions run with.

    Image, service account and secrets are left out on purpose: the executor inherits them from
    the run launcher (deploy/k8s/values.yaml), so the Helm values stay the one place for them.
    """
    resources = {
        "requests": dict(DEFAULT_STEP_REQUESTS if step_requests is None else step_requests),
        "limits": dict(DEFAULT_STEP_LIMITS if step_limits is None else step_limits),
    }
    config: dict[str, Any] = {
        "image_pull_policy": image_pull_policy,
        "step_k8s_config": {"container_config": {"resources": resources}},
        # Finished step Jobs go with their run pod instead of piling up in the namespace.
        "enable_owner_references": True,
    }
    if namespace:
        config["job_namespace"] = namespace
    if max_concurrent is not None:
        config["max_concurrent"] = max_concurrent
    return config


def production_executor(environ: Mapping[str, str] | None = None):
    """`k8s_job_executor` with the platform's defaults: one Kubernetes Job per step."""
    from dagster_k8s import k8s_job_executor

    config = k8s_executor_config(namespace=job_namespace(environ))
    return k8s_job_executor.configured(config)


def executor_for(env: str):
    """Kubernetes pods per step in production; one process per run locally, where steps
    share the loaded models and skip a process start each."""
    if env == "prod":
        return production_executor()
    import dagster as dg

    return dg.in_process_executor
