import shutil

import pytest
from dbt_fixtures import REPO


@pytest.fixture(scope="session")
def dbt_project(tmp_path_factory):
    """A copy of the repo's dbt project with a freshly prepared manifest (dbt parse)."""
    from nexus_platform.assets.dbt import load_project, prepare_manifest

    root = tmp_path_factory.mktemp("dbt_project") / "dbt"
    shutil.copytree(REPO / "dbt", root, ignore=shutil.ignore_patterns("target", "logs"))
    project = load_project(root)
    prepare_manifest(project)  # the same `dbt parse` that `dagster dev` runs on load
    assert project.manifest_path.exists()
    return project
