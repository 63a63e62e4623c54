import dagster as dg

from nexus_platform.resources import gcp
from nexus_platform.settings import NexusPaths


def test_prod_resources_come_from_environment_variables(monkeypatch):
    monkeypatch.setenv("BIGQUERY_LOCATION", "EU")
    monkeypatch.delenv("GCP_CREDENTIALS", raising=False)
    resources = gcp.resources_for("prod", NexusPaths.from_uri("gs://bucket/nexus"))
    from dagster_gcp import BigQueryResource, GCSResource

    assert isinstance(resources["gcs"], GCSResource)
    bigquery = resources["bigquery"]
    assert isinstance(bigquery, BigQueryResource)
    # Values stay EnvVar references until a run starts: nothing is read or stored now.
    assert bigquery.project == dg.EnvVar("GCP_PROJECT")
    assert bigquery.location == dg.EnvVar("BIGQUERY_LOCATION")
    assert bigquery.gcp_credentials is None


def test_local_has_no_gcp_resources(tmp_path):
    assert gcp.resources_for("local", NexusPaths.from_uri(str(tmp_path))) == {}
