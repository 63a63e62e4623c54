"""W&B tracking for assets: offline under NEXUS_HOME/wandb by default, online when an API key
and a project are configured."""

from __future__ import annotations

import os
import tempfile

import dagster as dg

from nexus_platform.settings import NexusPaths, is_local
from nexus_platform.tracking.tracker import Tracker


class TrackingResource(dg.ConfigurableResource):
    """Hands assets a `Tracker`. `mode`: offline | online | disabled; `auto` means online
    when both `api_key` and `project` are set, offline otherwise."""

    project: str = "nexus-platform"
    directory: str
    mode: str = "auto"
    entity: str | None = None
    api_key: str | None = None  # only ever through dg.EnvVar("WANDB_API_KEY")

    def effective_mode(self) -> str:
        if self.mode != "auto":
            return self.mode
        return "online" if self.api_key and self.project else "offline"

    def tracker(self) -> Tracker:
        return Tracker(
            project=self.project,
            directory=self.directory,
            mode=self.effective_mode(),
            entity=self.entity,
            api_key=self.api_key,
        )


def _local_wandb_dir(paths: NexusPaths) -> str:
    # wandb writes through the local filesystem; with NEXUS_HOME on gs:// the runs stay on
    # the worker's disk (synced online when a key is set).
    if is_local(paths.wandb):
        return paths.wandb.path
    return os.path.join(tempfile.gettempdir(), "nexus-wandb")


def resources_for(env: str, paths: NexusPaths) -> dict[str, object]:
    """Offline in every environment unless WANDB_API_KEY and WANDB_PROJECT are both set;
    the key itself is read at run time through dg.EnvVar, never stored."""
    directory = _local_wandb_dir(paths)
    if os.environ.get("WANDB_API_KEY") and os.environ.get("WANDB_PROJECT"):
        return {
            "tracking": TrackingResource(
                project=os.environ["WANDB_PROJECT"],
                entity=os.environ.get("WANDB_ENTITY") or None,
                directory=directory,
                mode="auto",
                api_key=dg.EnvVar("WANDB_API_KEY"),
            )
        }
    return {"tracking": TrackingResource(directory=directory, mode="offline")}
