"""Experiment tracking on W&B through the `wandb` client (dagster-wandb does not import with
wandb 0.31).

Stable API, shared by drift reports and model training:

    tracker = Tracker(project="nexus-platform", directory="/data/.nexus/wandb")  # offline
    with tracker.run(name="esg_sentiment-train", job_type="train", config={"lr": 1e-3}) as run:
        run.log({"loss": 0.4}, step=1)          # a time series point
        run.summary({"macro_f1": 0.81})         # final values shown in the run table
        run.log_artifact("model.pt", name="esg_sentiment", type="model")
        run.run_dir                              # local folder of this run's files

Offline (the default) writes `<directory>/wandb/offline-run-*/`; `wandb sync` uploads it later
and `nexus_platform.tracking.offline.read_offline_run` reads it back. Online needs an API key
and a project. A failure inside the `with` block marks the run failed (exit code 1) and
propagates.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

MODES = ("offline", "online", "disabled")
# wandb keeps artifact staging files, caches and its settings in the home directory unless
# told otherwise; a platform run keeps them beside its runs.
_DIR_ENV = {"WANDB_DATA_DIR": "data", "WANDB_CACHE_DIR": "cache", "WANDB_CONFIG_DIR": "config"}
_USER_SET_ENV = {name for name in _DIR_ENV if name in os.environ}


def artifact_name(name: str) -> str:
    """W&B artifact names allow letters, digits, '-', '_' and '.'."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:128] or "artifact"


class TrackedRun:
    """One W&B run, handed out by `Tracker.run`."""

    def __init__(self, wandb_run):
        self._run = wandb_run

    @property
    def run_dir(self) -> str:
        """The run's local folder (holds `run-<id>.wandb` and `files/`)."""
        return str(self._run.settings.sync_dir)

    @property
    def id(self) -> str:
        return self._run.id

    def log(self, metrics: dict, step: int | None = None) -> None:
        self._run.log(dict(metrics), step=step)

    def summary(self, metrics: dict) -> None:
        self._run.summary.update(dict(metrics))

    def log_artifact(self, path: str, name: str, type: str) -> None:  # noqa: A002 - W&B's word
        import wandb

        artifact = wandb.Artifact(artifact_name(name), type=type)
        if Path(path).is_dir():
            artifact.add_dir(str(path))
        else:
            artifact.add_file(str(path))
        self._run.log_artifact(artifact)


class Tracker:
    def __init__(
        self,
        project: str,
        directory: str,
        mode: str = "offline",
        entity: str | None = None,
        api_key: str | None = None,
    ):
        if mode not in MODES:
            raise ValueError(f"tracking mode must be one of {MODES}, got {mode!r}")
        if mode == "online" and not (project and api_key or os.environ.get("WANDB_API_KEY")):
            raise ValueError("online tracking needs a W&B project and WANDB_API_KEY")
        self.project = project
        self.directory = str(directory)
        self.mode = mode
        self.entity = entity
        self._api_key = api_key

    def _point_wandb_dirs(self) -> None:
        for name, sub in _DIR_ENV.items():
            if name not in _USER_SET_ENV:
                os.environ[name] = str(Path(self.directory) / sub)

    @contextlib.contextmanager
    def run(self, name: str, job_type: str, config: dict) -> Iterator[TrackedRun]:
        import wandb

        Path(self.directory).mkdir(parents=True, exist_ok=True)
        self._point_wandb_dirs()
        settings = wandb.Settings(
            silent=True,
            console="off",  # the run's logs live in Dagster; W&B need not capture stdout
            x_disable_stats=True,  # system metrics sampling costs CPU on small machines
        )
        if self._api_key:
            settings.api_key = self._api_key
        wandb_run = wandb.init(
            project=self.project,
            entity=self.entity,
            dir=self.directory,
            mode=self.mode,  # type: ignore[arg-type]  # checked against MODES in __init__
            name=name,
            job_type=job_type,
            config=dict(config),
            reinit="create_new",
            settings=settings,
        )
        tracked = TrackedRun(wandb_run)
        try:
            yield tracked
        except BaseException:
            self._finish(tracked, exit_code=1)
            raise
        self._finish(tracked, exit_code=0)

    def _finish(self, tracked: TrackedRun, exit_code: int) -> None:
        tracked._run.finish(exit_code=exit_code)
        if self.mode == "offline":
            from nexus_platform.tracking.offline import wait_until_written

            # finish() may return before the service has flushed an offline run to disk.
            wait_until_written(tracked.run_dir)
