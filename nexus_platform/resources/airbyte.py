"""Airbyte (self-hosted or Cloud) as a Dagster resource over `nexus_platform.sources.airbyte_client`.

Credentials come only from environment variables through `dg.EnvVar`: AIRBYTE_CLIENT_ID and
AIRBYTE_CLIENT_SECRET (tokens are fetched and refreshed by the client), or a ready
AIRBYTE_TOKEN. AIRBYTE_SERVER_URL defaults to a local `abctl` install.
"""

from __future__ import annotations

import os
from typing import Any

import dagster as dg
from pydantic import Field

from nexus_platform.settings import NexusPaths
from nexus_platform.sources.airbyte_client import AirbyteClient

LOCAL_SERVER_URL = "http://localhost:8000"


class AirbyteResource(dg.ConfigurableResource):
    """Triggers and watches Airbyte syncs."""

    server_url: str = Field(
        default=LOCAL_SERVER_URL,
        description="Airbyte server (http://host:8000) or API URL ending in /v1 (Cloud).",
    )
    client_id: str | None = Field(default=None, description="Application client id.")
    client_secret: str | None = Field(default=None, description="Application client secret.")
    bearer_token: str | None = Field(default=None, description="A ready access token instead.")
    request_timeout_s: float = 30.0
    retry_for_s: float = Field(default=120.0, description="Retry 429/5xx for at most this long.")
    retry_initial_s: float = Field(default=0.5, description="First backoff; it doubles.")
    poll_interval_s: float = 5.0
    max_poll_interval_s: float = 60.0
    sync_timeout_s: float = Field(default=6 * 3600.0, description="Cancel a sync running longer.")

    def client(self) -> AirbyteClient:
        return AirbyteClient(
            self.server_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
            bearer_token=self.bearer_token,
            request_timeout_s=self.request_timeout_s,
            retry_for_s=self.retry_for_s,
            retry_initial_s=self.retry_initial_s,
            poll_interval_s=self.poll_interval_s,
            max_poll_interval_s=self.max_poll_interval_s,
            sync_timeout_s=self.sync_timeout_s,
        )


def airbyte_resource_from_env() -> AirbyteResource:
    """Wire the resource to environment variables without reading any secret value here."""
    server_url: str = (  # dg.EnvVar is a str subclass
        dg.EnvVar("AIRBYTE_SERVER_URL")
        if os.environ.get("AIRBYTE_SERVER_URL")
        else LOCAL_SERVER_URL
    )
    if os.environ.get("AIRBYTE_TOKEN"):
        return AirbyteResource(server_url=server_url, bearer_token=dg.EnvVar("AIRBYTE_TOKEN"))
    # An EnvVar whose variable is unset fails every run that carries the resource, Airbyte or
    # not: without credentials the resource is left empty and the client names what is missing.
    # Any: only the named keyword arguments are ever present, and they take strings.
    credentials: dict[str, Any] = {
        field: dg.EnvVar(name)
        for field, name in (
            ("client_id", "AIRBYTE_CLIENT_ID"),
            ("client_secret", "AIRBYTE_CLIENT_SECRET"),
        )
        if os.environ.get(name)
    }
    return AirbyteResource(server_url=server_url, **credentials)


def resources_for(env: str, paths: NexusPaths) -> dict[str, object]:
    """Same wiring locally and in production: the server and credentials differ by env vars."""
    return {"airbyte": airbyte_resource_from_env()}
