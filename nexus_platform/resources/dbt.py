"""dbt as a resource: the repository's dbt project, the `dev` (DuckDB) or `prod` target."""

import shutil
import sys
from pathlib import Path

from nexus_platform.settings import NexusPaths

# dbt imports jsonschema, whose optional IRI format checker (rfc3987-syntax, pulled in by
# the notebook stack) compiles a grammar for seconds at import time. dbt never validates IRIs;
# keeping it out makes loading the code location several seconds faster.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt"


def dbt_executable() -> str:
    """The dbt installed beside this interpreter (a virtualenv need not be on PATH)."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def resources_for(env: str, paths: NexusPaths) -> dict[str, object]:
    """`dev`: dbt-duckdb on NEXUS_HOME/warehouse.duckdb; `prod`: BigQuery (needs dbt-bigquery
    and GCP_PROJECT / BIGQUERY_DATASET / BIGQUERY_LOCATION; see docs/external_sources.md)."""
    from dagster_dbt import DbtCliResource  # ~3 s import: only when the definitions are built

    return {
        "dbt": DbtCliResource(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROJECT_DIR),
            dbt_executable=dbt_executable(),
            target="prod" if env == "prod" else "dev",
        )
    }
