"""Where and how to read ÖKOBAUDAT (soda4LCA service API)."""

from __future__ import annotations

import os

import dagster as dg
from pydantic import Field

from nexus_platform.settings import NexusPaths
from nexus_platform.sources.http import RetryPolicy
from nexus_platform.sources.oekobaudat import DEFAULT_BASE_URL, OekobaudatConfig


class OekobaudatResource(dg.ConfigurableResource):
    """The soda4LCA service to read, and how patiently."""

    base_url: str = Field(default=DEFAULT_BASE_URL, description="soda4LCA resource URL.")
    datastock: str | None = Field(
        default=None, description="Data stock UUID; default: newest ÖKOBAUDAT release listed."
    )
    page_size: int = 500
    timeout_s: float = 60.0
    attempts: int = Field(default=5, description="Tries per request (429/5xx are retried).")
    lcia_limit: int | None = Field(
        default=None, description="Fetch the extended view of at most this many processes."
    )

    def config(self) -> OekobaudatConfig:
        return OekobaudatConfig(
            base_url=self.base_url,
            datastock=self.datastock,
            page_size=self.page_size,
            retry=RetryPolicy(attempts=self.attempts, timeout_s=self.timeout_s),
        )


def resources_for(env: str, paths: NexusPaths) -> dict[str, object]:
    """OEKOBAUDAT_BASE_URL / OEKOBAUDAT_DATASTOCK override the public service (not secrets)."""
    return {
        "oekobaudat": OekobaudatResource(
            base_url=os.environ.get("OEKOBAUDAT_BASE_URL") or DEFAULT_BASE_URL,
            datastock=os.environ.get("OEKOBAUDAT_DATASTOCK") or None,
        )
    }
