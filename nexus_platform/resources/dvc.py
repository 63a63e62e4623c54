"""The DVC model registry as a Dagster resource.

Locally NEXUS_HOME is the DVC workspace and the remote is the folder `NEXUS_HOME/dvc-remote`.
In production NEXUS_HOME is a bucket, so DVC works in a local scratch folder, pushes to
`gs://<NEXUS_HOME>/dvc-remote` through dvc-gs (credentials from the pod's service account) and
keeps its version index beside the models in the bucket.
"""

from __future__ import annotations

import dagster as dg
from upath import UPath

from nexus_platform.settings import NexusPaths, is_local

DEFAULT_PROD_WORKSPACE = "/tmp/nexus-dvc"


class DvcRegistryResource(dg.ConfigurableResource):
    """Where promoted models are versioned: a DVC workspace, its remote, the version index."""

    workspace: str
    remote_url: str
    index_uri: str

    def registry(self):
        from nexus_platform.ml.registry import ModelRegistry

        return ModelRegistry(self.workspace, self.remote_url, UPath(self.index_uri))


def registry_for(env: str, paths: NexusPaths) -> DvcRegistryResource:
    index = str(paths.models / "_registry")
    if env == "prod" or not is_local(paths.home):
        return DvcRegistryResource(
            workspace=DEFAULT_PROD_WORKSPACE, remote_url=f"{paths.home}/dvc-remote", index_uri=index
        )
    home = paths.home.path
    return DvcRegistryResource(workspace=home, remote_url=f"{home}/dvc-remote", index_uri=index)


def resources_for(env: str, paths: NexusPaths) -> dict[str, object]:
    return {"dvc": registry_for(env, paths)}
