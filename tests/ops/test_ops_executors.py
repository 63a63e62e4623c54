"""The production executor: its config passes dagster-k8s' schema, it builds real step Jobs,
and every GPU-tagged asset asks Kubernetes for a GPU."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

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


# --- the step Jobs Kubernetes would receive -------------------------------------------------

HELM_VALUES = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "values.yaml"
# The Kubernetes release whose schema the Jobs are checked against (GKE's regular channel).
K8S_VERSION = "1.33.0"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


@pytest.fixture(scope="module")
def kubeconfig(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("kube") / "config"
    path.write_text(KUBECONFIG)
    return str(path)


@pytest.fixture(scope="module")
def step_handler(kubeconfig):
    """The K8sStepHandler dagster-k8s builds from the production executor's config."""
    from dagster._core.definitions.job_base import InMemoryJob
    from dagster._core.executor.init import InitExecutorContext
    from dagster_k8s import k8s_job_executor

    @dg.asset
    def anything() -> None: ...

    executor_def = production_executor({"NEXUS_K8S_NAMESPACE": "nexus-prod"})
    # Outside a cluster: read the (never contacted) kubeconfig instead of the in-cluster one.
    config = {**_resolved(executor_def), "load_incluster_config": False,
              "kubeconfig_file": kubeconfig}  # fmt: skip
    job_def = dg.define_asset_job("any", selection=[anything]).resolve(
        asset_graph=dg.Definitions(assets=[anything]).resolve_asset_graph()
    )
    with dg.instance_for_test() as instance:
        executor = executor_def.executor_creation_fn(
            InitExecutorContext(InMemoryJob(job_def), k8s_job_executor, config, instance)
        )
    return executor._step_handler


@pytest.fixture(scope="module")
def run_launcher(kubeconfig):
    """The chart's K8sRunLauncher, from deploy/k8s/values.yaml (what the Helm chart renders
    into the instance's run_launcher config)."""
    import yaml
    from dagster_k8s import K8sRunLauncher

    values = yaml.safe_load(HELM_VALUES.read_text())
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    return K8sRunLauncher(
        service_account_name=values["global"]["serviceAccountName"],
        instance_config_map="nexus-dagster-instance",
        postgres_password_secret=values["global"]["postgresqlSecretName"],
        dagster_home="/opt/dagster/dagster_home",
        job_namespace=launcher["jobNamespace"] or "nexus",
        env_secrets=[s["name"] for s in launcher["envSecrets"]],
        run_k8s_config={_snake(k): v for k, v in launcher["runK8sConfig"].items()},
        load_incluster_config=False,
        kubeconfig_file=kubeconfig,
    )


def step_job(assets_def, step_handler, run_launcher) -> dict:
    """The Job dagster-k8s creates for this asset's step, as a Kubernetes manifest: the run's
    context, the executor's and the step's op tags merged as `K8sStepHandler` merges them,
    built by `construct_dagster_k8s_job`."""
    from dagster_k8s.container_context import K8sContainerContext
    from dagster_k8s.job import construct_dagster_k8s_job, get_user_defined_k8s_config
    from kubernetes.client import ApiClient

    run = dg.DagsterRun(job_name="step_job_spec", run_id="0" * 36)
    context = (
        K8sContainerContext.create_for_run(run, run_launcher, include_run_tags=False)
        .merge(step_handler._executor_container_context)
        .merge(K8sContainerContext(run_k8s_config=get_user_defined_k8s_config(assets_def.op.tags)))
    )
    step = assets_def.op.name
    job = construct_dagster_k8s_job(
        job_config=context.get_k8s_job_config("nexus-platform-gpu:test", run_launcher),
        args=["dagster", "api", "execute_step"],
        job_name=f"dagster-step-{step.replace('_', '-')}",
        pod_name=f"dagster-step-{step.replace('_', '-')}",
        component="step_worker",
        user_defined_k8s_config=context.run_k8s_config,
        labels={"dagster/op": step},
        env_vars=[{"name": "DAGSTER_RUN_STEP_KEY", "value": step}],
    )
    assert context.namespace == "nexus-prod"
    return ApiClient().sanitize_for_serialization(job)


def _validate(manifest: dict) -> None:
    import kubernetes_validate

    kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)


@pytest.fixture(scope="module")
def production_assets():
    from nexus_platform.definitions import build_definitions

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEXUS_ENV", "prod")
        patch.setenv("NEXUS_HOME", "gs://bucket/x")
        patch.setenv("NEXUS_K8S_NAMESPACE", "nexus-prod")
        defs = build_definitions()
    return {
        key: a
        for a in defs.assets or []
        if isinstance(a, dg.AssetsDefinition) and a.is_executable
        for key in a.keys
    }


def _pod(manifest: dict) -> dict:
    return manifest["spec"]["template"]["spec"]


def test_a_gpu_step_job_validates_and_asks_for_a_gpu_on_a_gpu_node(
    production_assets, step_handler, run_launcher
):
    gpu_steps = [a for a in set(production_assets.values()) if a.op.pool == GPU_POOL]
    names = {a.op.name for a in gpu_steps}
    assert "kb_embeddings" in names and any(n.endswith("model") for n in names), names
    for assets_def in gpu_steps:
        manifest = step_job(assets_def, step_handler, run_launcher)
        _validate(manifest)
        pod = _pod(manifest)
        container = pod["containers"][0]
        assert container["resources"]["limits"][GPU_RESOURCE] == "1", assets_def.op.name
        assert container["resources"]["limits"]["memory"] == "8Gi"  # executor default kept
        assert container["resources"]["requests"] == {"cpu": "500m", "memory": "2Gi"}
        assert pod["nodeSelector"] == GPU_NODE_SELECTOR
        assert pod["tolerations"] == [
            {"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}
        ]
        # From the Helm values: the run's secrets and service account reach the step.
        assert {"secretRef": {"name": "nexus-secrets"}} in container["envFrom"]
        assert pod["serviceAccountName"] == "nexus-dagster"


def test_a_conversion_step_job_validates_and_asks_for_no_gpu(
    production_assets, step_handler, run_launcher
):
    manifest = step_job(production_assets[dg.AssetKey("parquet_tables")], step_handler,
                        run_launcher)  # fmt: skip
    _validate(manifest)
    pod = _pod(manifest)
    assert GPU_RESOURCE not in json.dumps(manifest)
    assert "nodeSelector" not in pod and "tolerations" not in pod
    assert pod["containers"][0]["resources"]["requests"] == {"cpu": "500m", "memory": "2Gi"}


def test_an_invalid_job_spec_is_refused(production_assets, step_handler, run_launcher):
    import kubernetes_validate

    manifest = step_job(production_assets[dg.AssetKey("kb_embeddings")], step_handler,
                        run_launcher)  # fmt: skip
    _pod(manifest)["tolerations"] = {"key": GPU_RESOURCE}  # a list in the schema
    with pytest.raises(kubernetes_validate.ValidationError):
        _validate(manifest)
    manifest = step_job(production_assets[dg.AssetKey("kb_embeddings")], step_handler,
                        run_launcher)  # fmt: skip
    _pod(manifest)["nodeSelectr"] = GPU_NODE_SELECTOR  # strict: unknown fields are errors
    with pytest.raises(kubernetes_validate.ValidationError):
        _validate(manifest)


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


def test_gpu_steps_take_their_tags_from_the_one_helper():
    """No asset module spells out a GPU request of its own: `gpu_op_tags()` is the one place
    that knows the limit, the node selector and the tolerations."""
    assets_dir = Path(__file__).resolve().parents[2] / "nexus_platform" / "assets"
    spelled_out = [p.name for p in assets_dir.glob("*.py") if GPU_RESOURCE in p.read_text()]
    assert spelled_out == []
