"""What ships installs elsewhere: the lock resolves from the public indexes the workflows name
(no pin that only a folder of wheels on a development machine can satisfy), the workflows get
the CPU build of torch, CI loads the definitions with `dg check defs`, and both images build
the dbt manifest, the production one with the BigQuery adapter."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
PYTORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
INDEX_VARIABLES = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS")
# Steps that install the project's dependencies (the Makefile targets create the venv).
INSTALLING = re.compile(r"\bmake (install-dev|install-prod|install-gcp|test|demo|lint)\b")


def lock_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def project_requirements(pyproject: Mapping) -> list[str]:
    project = pyproject["project"]
    extras = project.get("optional-dependencies", {})
    return [*project["dependencies"], *(r for group in extras.values() for r in group)]


def local_only_pins(requirements: Iterable[str]) -> list[str]:
    """Pins of a local version (PEP 440 `1.0+label`). PyPI refuses local versions, so such a
    pin resolves only from a folder of wheels or a build-specific index, never from the
    public version's name: pin the public version and let the index choose the build."""
    flagged = []
    for line in requirements:
        requirement = Requirement(line)
        for spec in requirement.specifier:
            if spec.operator in ("==", "===") and "+" in spec.version:
                flagged.append(line)
            elif spec.operator == "==" and not spec.version.endswith(".*"):
                if Version(spec.version).local is not None:
                    flagged.append(line)
    return flagged


def step_environments(workflow: Mapping) -> Iterable[tuple[str, str, dict]]:
    """(job, run script, effective env) for every `run` step: workflow, job and step env."""
    for job_name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            if "run" in step:
                env = {**workflow.get("env", {}), **job.get("env", {}), **step.get("env", {})}
                yield job_name, step["run"], env


def index_problems(workflow: Mapping) -> list[str]:
    """Install steps that would not get the CPU torch, or that name an index that is not a
    public https address (a file:// index or a local wheel folder only one machine has)."""
    problems = []
    for job, script, env in step_environments(workflow):
        for name in INDEX_VARIABLES:
            for url in str(env.get(name, "")).split():
                if not url.startswith("https://"):
                    problems.append(f"{job}: {name}={url} is not a public index")
        if re.search(r"--(find-links|index-url|extra-index-url)[ =](?!https://)", script):
            problems.append(f"{job}: a pip index option that is not a public https address")
        if INSTALLING.search(script):
            named = f"{env.get('PIP_INDEX_URL', '')} {env.get('PIP_EXTRA_INDEX_URL', '')}"
            if PYTORCH_CPU_INDEX not in named.split():
                problems.append(f"{job}: `{script.strip()}` installs without {PYTORCH_CPU_INDEX}")
    return problems


def _workflow(name: str) -> dict:
    return yaml.safe_load((REPO / ".github" / "workflows" / name).read_text())


# --- the lock resolves from public indexes ---------------------------------------------------


def test_no_requirement_needs_a_local_wheel_folder():
    lock = lock_lines((REPO / "constraints.txt").read_text())
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert local_only_pins(lock) == []
    assert local_only_pins(project_requirements(pyproject)) == []
    # The lock still pins torch exactly: a loose torch pulls whichever build an index has.
    torch = [line for line in lock if line.startswith("torch==")]
    assert len(torch) == 1 and re.fullmatch(r"torch==\d+\.\d+\.\d+", torch[0]), torch


def test_a_local_version_pin_is_caught():
    assert local_only_pins(["torch==2.13.0+cpu", "numpy==1.26.4", "x===1.0+abc"]) == [
        "torch==2.13.0+cpu",
        "x===1.0+abc",
    ]
    assert local_only_pins(["torch==2.13.*", "pyarrow>=17,<26"]) == []


def test_make_lock_drops_local_version_labels():
    """`make lock` freezes what is installed, and pip calls the CPU wheel 2.13.0+cpu."""
    recipe = subprocess.run(
        ["make", "-n", "--no-print-directory", "-o", ".venv/bin/.installed-dev", "lock"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    sed = re.search(r"sed -E '([^']+)'", recipe)
    assert sed, recipe
    frozen = "torch==2.13.0+cpu\nnumpy==1.26.4\n"
    done = subprocess.run(["sed", "-E", sed.group(1)], input=frozen, capture_output=True, text=True)
    assert local_only_pins(lock_lines(done.stdout)) == []
    assert "torch==2.13.0" in done.stdout.split()


# --- the workflows ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_install_from_public_indexes_with_the_cpu_torch(path):
    assert index_problems(yaml.safe_load(path.read_text())) == []


def test_an_install_without_the_cpu_index_is_caught():
    workflow = {
        "env": {"PIP_FIND_LINKS": "/opt/wheels"},
        "jobs": {"t": {"steps": [{"run": "make install-dev"}, {"run": "echo hi"}]}},
    }
    problems = index_problems(workflow)
    assert any("/opt/wheels" in p for p in problems)
    assert any("installs without" in p for p in problems)


def test_ci_checks_the_definitions_with_dg():
    runs = [script for _, script, _ in step_environments(_workflow("tests.yml"))]
    assert any("dg check defs" in script for script in runs)


def test_dg_check_defs_passes(tmp_path):
    """What CI runs. The project declares itself to `dg` in pyproject's [tool.dg]."""
    dg = Path(sys.executable).parent / "dg"
    if not dg.exists():
        pytest.skip("dagster-dg-cli is not installed (dev extra)")
    if "dg" not in tomllib.loads((REPO / "pyproject.toml").read_text()).get("tool", {}):
        pytest.skip("pyproject.toml has no [tool.dg] project section yet")
    home = tmp_path / "nexus"
    done = subprocess.run(
        [str(dg), "check", "defs"], cwd=REPO, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NEXUS_ENV": "local", "NEXUS_HOME": str(home),
             "DAGSTER_HOME": str(home / "dagster")},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


# --- the images ------------------------------------------------------------------------------


def _run_instructions(dockerfile: str) -> list[str]:
    """The Dockerfile's instructions, continuation lines joined."""
    text = re.sub(r"\\\n", " ", dockerfile)
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


@pytest.mark.parametrize("name", ["Dockerfile", "Dockerfile.gpu"])
def test_images_build_the_dbt_manifest_from_their_own_copy(name):
    instructions = _run_instructions((REPO / name).read_text())
    copy_all = instructions.index("COPY . .")
    parse = [i for i, line in enumerate(instructions) if "dbt parse" in line]
    assert parse and parse[0] > copy_all, f"{name} never runs dbt parse after copying the project"
    assert "dbt/target/manifest.json" in instructions[parse[0]]
    # The developer's manifest stays out of the build context; the dbt sources go in.
    ignored = lock_lines((REPO / ".dockerignore").read_text())
    assert "dbt/target" in ignored
    assert not {"dbt", "dbt/", "dbt/models", "dbt/*"} & set(ignored)


def test_production_image_has_the_bigquery_dbt_target():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    gcp = [Requirement(r).name for r in pyproject["project"]["optional-dependencies"]["gcp"]]
    assert {"dbt-bigquery", "dagster-postgres"} <= set(gcp)
    text = " ".join(_run_instructions((REPO / "Dockerfile").read_text()))
    assert "-e '.[gcp]'" in text
    # dbt-bigquery 1.11 caps google-cloud-storage below the lock's: the pin is relaxed, as in
    # `make install-gcp`, and only that one.
    assert "grep -v '^google-cloud-storage==' constraints.txt" in text
    makefile = (REPO / "Makefile").read_text()
    assert "grep -v '^google-cloud-storage==' constraints.txt" in makefile
    assert "-e '.[gcp]'" in makefile


def test_cpu_image_takes_torch_from_the_cpu_index():
    text = " ".join(_run_instructions((REPO / "Dockerfile").read_text()))
    assert f"--index-url {PYTORCH_CPU_INDEX}" in text
    assert "grep '^torch==' constraints.txt" in text
