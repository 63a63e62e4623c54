"""The dbt project (dbt/) as Dagster assets: staging views and marts over the platform's
Parquet files, with every dbt test as an asset check on the model it tests.

dbt sources map onto the upstream Dagster assets (oekobaudat_processes, knowledgebase, ...)
through `meta.dagster.asset_key`, so the graph shows where each model's data comes from.
The asset graph is read from dbt/target/manifest.json, prepared once by

    cd dbt && DO_NOT_TRACK=1 dbt parse --quiet --profiles-dir .

(the Makefile and CI run it; `dagster dev` re-runs it on start). Without a manifest the
definitions still load, without the dbt assets, and say which command to run.
"""

import json
import logging
from pathlib import Path

import dagster as dg

from nexus_platform.automation import ON_UPSTREAM_CHANGE
from nexus_platform.resources.dbt import DBT_PROJECT_DIR, dbt_executable
from nexus_platform.resources.storage import NexusStorage

log = logging.getLogger(__name__)

PREPARE_COMMAND = "cd dbt && DO_NOT_TRACK=1 dbt parse --quiet --profiles-dir ."
GROUP = "warehouse"


def _translator():
    from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

    class NexusDbtTranslator(DagsterDbtTranslator):
        def get_group_name(self, dbt_resource_props):
            return GROUP if dbt_resource_props["resource_type"] != "source" else None

        def get_automation_condition(self, dbt_resource_props):
            # Models refresh when the files they read change; sources are other assets.
            if dbt_resource_props["resource_type"] == "source":
                return None
            return ON_UPSTREAM_CHANGE

        def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
            spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
            if spec is None or spec.description:
                return spec
            return spec._replace(description=_test_description(manifest["nodes"][unique_id]))

    return NexusDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def _test_description(test: dict) -> str:
    """What a dbt test asserts, in words, for the check's tab in the UI (dbt gives none unless
    the YAML has one): `not_null` on column `id`, say."""
    metadata = test.get("test_metadata") or {}
    name = metadata.get("name") or test.get("name", "test")
    column = test.get("column_name")
    kwargs = {
        k: v for k, v in (metadata.get("kwargs") or {}).items() if k not in ("model", "column_name")
    }
    where = f" on column `{column}`" if column else ""
    extra = f" ({', '.join(f'{k}: {v}' for k, v in kwargs.items())})" if kwargs else ""
    return f"dbt test `{name}`{where}{extra}; fails when any row violates it."


def build_dbt_assets(project) -> dg.AssetsDefinition:
    """`@dbt_assets` for a prepared `DbtProject` (its manifest must exist)."""
    from dagster_dbt import DbtCliResource, dbt_assets

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=_translator(),
        name="nexus_dbt_models",
    )
    def nexus_dbt_models(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, storage: NexusStorage
    ):
        """dbt build of the selected models and their tests, reading NEXUS_HOME's files."""
        nexus_vars = json.dumps({"nexus_home": str(storage.paths().home)})
        yield from dbt.cli(["build", "--vars", nexus_vars], context=context).stream()

    return nexus_dbt_models


def prepare_manifest(project) -> None:
    """`dbt parse` into the project's target path: what PREPARE_COMMAND does, from Python."""
    from dagster_dbt import DbtCliResource

    dbt = DbtCliResource(project_dir=project, dbt_executable=dbt_executable())
    dbt.cli(["parse", "--quiet"], target_path=project.target_path).wait()


def load_project(project_dir: Path | str = DBT_PROJECT_DIR, target_path: Path | str = "target"):
    """The DbtProject; under `dagster dev` its manifest is re-parsed on load."""
    from dagster_dbt import DbtProject
    from dagster_dbt.dbt_project import using_dagster_dev

    project = DbtProject(project_dir=Path(project_dir), target_path=Path(target_path))
    if using_dagster_dev():
        try:
            prepare_manifest(project)
        except Exception as exc:  # a broken model must not take the whole code location down
            log.error("dbt parse failed (%s); using the last prepared manifest if any", exc)
    return project


def build_defs(project_dir: Path | str = DBT_PROJECT_DIR) -> dg.Definitions:
    """The dbt assets and their checks, or nothing (with a warning) if no manifest exists."""
    project = load_project(project_dir)
    if not project.manifest_path.exists():
        log.warning(
            "dbt manifest %s not found: the dbt models are left out of the definitions. "
            "Prepare it with `%s` (or `make dbt-parse`).",
            project.manifest_path,
            PREPARE_COMMAND,
        )
        return dg.Definitions()
    return dg.Definitions(assets=[build_dbt_assets(project)])
