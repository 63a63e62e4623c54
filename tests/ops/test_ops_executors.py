"""The production executor: its config passes dagster-k8s' schema, it builds real step Jobs,
and every GPU-tagged asset asks Kubernetes for a GPU."""

from __future__ import annotations

import importlib
import json

import dagster as dg
import pytest

from nexus_platform.jobs.executors import (
    GPU_NODE_SELECTOR,
    GPU_POOL,
    GPU_RESOURCE,
    K8S_CONFIG_TAG,
    gpu_op_tags,
    job_namespace,
    k8s_executor_config,
    production_executor,
)

KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "http://127.0.0.1:9"}}]
users: [{name: test, user: {token: unused}}]
contexts: [{name: test, context: {cluster: test, user: test}}]
current-context: test
"""


@pytest.fixture
def prod_env(monkeypatch, tmp_path):
    monkeypatch.setenv("NEXUS_ENV", "prod")
    monkeypatch.setenv("NEXUS_HOME", "gs://bucket/x")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("NEXUS_K8S_NAMESPACE", "nexus-prod")


def _resolved(executor_def) -> dict:
    """The executor config as dagster-k8s will see it (defaults filled in)."""
    result = executor_def.config_schema.resolve_config({})
    assert result.success, result.errors
    return dict(result.value["config"])


def test_production_executor_config_passes_the_k8s_schema():
    config = _resolved(production_executor({"NEXUS_K8S_NAMESPACE": "nexus-prod"}))
    assert config["job_namespace"] == "nexus-prod"
    assert config["image_pull_policy"] == "IfNotPresent"
    requests = config["step_k8s_config"]["container_config"]["resources"]["requests"]
    assert requests == {"cpu": "500m", "memory": "2Gi"}


def test_a_wrong_executor_setting_is_refused():
    from dagster._config import validate_config
    from dagster_k8s import k8s_job_executor

    bad = {**k8s_executor_config(), "max_concurrent": "many"}
    assert not validate_config(k8s_job_executor.config_schema.config_type, bad).success


def test_namespace_comes_from_the_environment():
    assert (
        job_namespace({"NEXUS_K8S_NAMESPACE": "a", "DAGSTER_K8S_PIPELINE_RUN_NAMESPACE": "b"})
        == "a"
    )
    assert job_namespace({"DAGSTER_K8S_PIPELINE_RUN_NAMESPACE": "b"}) == "b"
    # Without either, the executor inherits the run launcher's namespace.
    assert job_namespace({}) is None
    assert "job_namespace" not in _resolved(production_executor({}))


def test_gpu_op_tags_parse_as_dagster_k8s_config():
    from dagster_k8s.job import get_user_defined_k8s_config

    tags = {key: json.dumps(value) for key, value in gpu_op_tags(2).items()}
    parsed = get_user_defined_k8s_config(tags)
    assert parsed.container_config["resources"]["limits"] == {GPU_RESOURCE: "2"}
    assert parsed.pod_spec_config["node_selector"] == GPU_NODE_SELECTOR
    assert parsed.pod_spec_config["tolerations"][0]["key"] == GPU_RESOURCE
    with pytest.raises(ValueError, match="at least 1"):
        gpu_op_tags(0)


def test_a_gpu_step_becomes_a_job_with_the_gpu_limit_and_the_default_requests(tmp_path):
    """The executor dagster-k8s builds from our config, merged with a GPU asset's op tags the
    way its step handler merges them, gives the step Job Kubernetes would receive."""
    from dagster._core.definitions.job_base import InMemoryJob
    from dagster._core.executor.init import InitExecutorContext
    from dagster_k8s import k8s_job_executor
    from dagster_k8s.container_context import K8sContainerContext
    from dagster_k8s.job import (
        DagsterK8sJobConfig,
        construct_dagster_k8s_job,
        get_user_defined_k8s_config,
    )

    @dg.asset(op_tags=gpu_op_tags(), pool=GPU_POOL)
    def gpu_step() -> None: ...

    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    executor_def = production_executor({"NEXUS_K8S_NAMESPACE": "nexus-prod"})
    # Outside a cluster: read the (never contacted) kubeconfig instead of the in-cluster one.
    config = {
        **_resolved(executor_def),
        "load_incluster_config": False,
        "kubeconfig_file": str(kubeconfig),
    }
    job_def = dg.define_asset_job("gpu", selection=[gpu_step]).resolve(
        asset_graph=dg.Definitions(assets=[gpu_step]).resolve_asset_graph()
    )
    with dg.instance_for_test() as instance:
        executor = executor_def.executor_creation_fn(
            InitExecutorContext(InMemoryJob(job_def), k8s_job_executor, config, instance)
        )
    handler = executor._step_handler  # the K8sStepHandler dagster-k8s built
    step_context = handler._executor_container_context.merge(
        K8sContainerContext(run_k8s_config=get_user_defined_k8s_config(gpu_step.op.tags))
    )
    assert step_context.namespace == "nexus-prod"
    job = construct_dagster_k8s_job(
        job_config=DagsterK8sJobConfig(
            job_image="nexus-platform-gpu:test", dagster_home="/opt/dagster/dagster_home"
        ),
        args=["dagster", "api", "execute_step"],
        job_name="dagster-step-test",
        user_defined_k8s_config=step_context.run_k8s_config,
    )
    pod = job.spec.template.spec
    resources = pod.containers[0].resources
    assert resources.limits[GPU_RESOURCE] == "1"
    assert resources.limits["memory"] == "8Gi"  # the executor's default survives the merge
    assert resources.requests == {"cpu": "500m", "memory": "2Gi"}
    assert pod.node_selector == GPU_NODE_SELECTOR
    assert [t.key for t in pod.tolerations] == [GPU_RESOURCE]
    assert pod.containers[0].image_pull_policy == "IfNotPresent"


def test_production_definitions_load_with_the_k8s_executor(prod_env):
    from nexus_platform.definitions import build_definitions

    defs = build_definitions()
    dg.Definitions.validate_loadable(defs)
    assert defs.executor is not None and defs.executor.name == "k8s"
    if defs.executor.config_schema.__class__.__name__ == "ConfiguredDefinitionConfigSchema":
        assert _resolved(defs.executor)["job_namespace"] == "nexus-prod"


def _gpu_tagged_assets(defs: dg.Definitions) -> list[dg.AssetsDefinition]:
    return [
        a
        for a in defs.assets or []
        if isinstance(a, dg.AssetsDefinition)
        and a.is_executable
        and K8S_CONFIG_TAG in (a.op.tags or {})
    ]


def _assert_asks_for_a_gpu(assets_def: dg.AssetsDefinition) -> None:
    config = json.loads(assets_def.op.tags[K8S_CONFIG_TAG])
    limits = config.get("container_config", {}).get("resources", {}).get("limits", {})
    name = assets_def.key.to_user_string()
    assert int(limits.get(GPU_RESOURCE, 0)) >= 1, f"{name}: {K8S_CONFIG_TAG} without a GPU limit"
    assert assets_def.op.pool == GPU_POOL, f"{name}: GPU step outside the {GPU_POOL!r} pool"


def test_gpu_tagged_assets_of_the_production_definitions_ask_for_a_gpu(prod_env):
    from nexus_platform.definitions import build_definitions

    for assets_def in _gpu_tagged_assets(build_definitions()):
        _assert_asks_for_a_gpu(assets_def)


# The domain modules that run steps on GPUs; checked directly so the test does not depend on
# which of them the production definitions already wire in.
GPU_MODULES = ["nexus_platform.assets.embeddings", "nexus_platform.assets.ml_tasks"]


@pytest.mark.parametrize("module_name", GPU_MODULES)
def test_gpu_assets_of_each_domain_module_ask_for_a_gpu(module_name, nexus_home):
    module = importlib.import_module(module_name)
    tagged = _gpu_tagged_assets(module.build_defs())
    for assets_def in tagged:
        _assert_asks_for_a_gpu(assets_def)
    if module_name.endswith("embeddings"):
        assert tagged, "kb_embeddings runs on a GPU in production: it must carry GPU op tags"
