"""The vector index (Qdrant) as a Dagster resource: local mode under NEXUS_HOME, a server in
production."""

from __future__ import annotations

import os

import dagster as dg
from pydantic import Field

from nexus_platform.embeddings.index import IndexLocation
from nexus_platform.settings import NexusPaths


class VectorStoreResource(dg.ConfigurableResource):
    """Where semantic search's Qdrant collections live (one collection per embedding model)."""

    path: str | None = Field(default=None, description="local mode: a folder")
    url: str | None = Field(default=None, description="server: e.g. https://qdrant.internal:6333")
    api_key: str | None = Field(default=None, description="server API key, set with dg.EnvVar")
    collection_prefix: str = "kb"

    def location(self) -> IndexLocation:
        return IndexLocation(
            path=self.path,
            url=self.url,
            api_key=self.api_key,
            collection_prefix=self.collection_prefix,
        )


def resources_for(env: str, paths: NexusPaths) -> dict[str, object]:
    """`vector_store`: NEXUS_HOME/qdrant locally; QDRANT_URL (+ QDRANT_API_KEY) in production."""
    if env == "prod":
        api_key = dg.EnvVar("QDRANT_API_KEY") if "QDRANT_API_KEY" in os.environ else None
        return {"vector_store": VectorStoreResource(url=dg.EnvVar("QDRANT_URL"), api_key=api_key)}
    return {"vector_store": VectorStoreResource(path=paths.qdrant.path)}
