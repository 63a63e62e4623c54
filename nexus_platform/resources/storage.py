"""Where platform data lives: a local folder or a gs:// prefix, through the same UPath code."""

from __future__ import annotations

import dagster as dg

from nexus_platform.settings import NexusPaths


class NexusStorage(dg.ConfigurableResource):
    """Base location of NEXUS_HOME (`/abs/path` locally, `gs://bucket/prefix` in production)."""

    home: str

    def paths(self) -> NexusPaths:
        return NexusPaths.from_uri(self.home)
