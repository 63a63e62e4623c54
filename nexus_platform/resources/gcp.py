"""Google Cloud resources for production (NEXUS_ENV=prod): GCS and BigQuery via dagster-gcp.

Configuration comes only from environment variables through `dg.EnvVar`: GCP_PROJECT,
optionally BIGQUERY_LOCATION and GCP_CREDENTIALS (a base64-encoded service-account key; leave
it unset on GKE with workload identity). Platform data itself goes through NexusStorage with
NEXUS_HOME=gs://<bucket>/<prefix> (UPath + gcsfs), so asset code is the same as locally.
"""

from __future__ import annotations

import logging
import os

import dagster as dg

from nexus_platform.settings import NexusPaths

log = logging.getLogger(__name__)


def resources_for(env: str, paths: NexusPaths) -> dict[str, object]:
    """`gcs` and `bigquery` in production; nothing locally (DuckDB and the disk serve there)."""
    if env != "prod":
        return {}
    if getattr(paths.home, "protocol", "") not in ("gs", "gcs"):
        log.warning(
            "NEXUS_ENV=prod with NEXUS_HOME=%s: expected gs://<bucket>/<prefix>", paths.home
        )
    from dagster_gcp import BigQueryResource, GCSResource  # heavy: only when prod is wired

    optional = {
        field: dg.EnvVar(var)
        for field, var in (
            ("location", "BIGQUERY_LOCATION"),
            ("gcp_credentials", "GCP_CREDENTIALS"),
        )
        if os.environ.get(var)
    }
    return {
        "gcs": GCSResource(project=dg.EnvVar("GCP_PROJECT")),
        "bigquery": BigQueryResource(project=dg.EnvVar("GCP_PROJECT"), **optional),
    }
