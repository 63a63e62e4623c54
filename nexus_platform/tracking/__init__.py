"""Experiment tracking (W&B, offline by default): `Tracker`, `TrackedRun`, `read_offline_run`."""

from nexus_platform.tracking.offline import OfflineRun, read_offline_run
from nexus_platform.tracking.tracker import TrackedRun, Tracker

__all__ = ["OfflineRun", "Tracker", "TrackedRun", "read_offline_run"]
