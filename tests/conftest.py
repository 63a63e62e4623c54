"""Shared fixtures: every test gets its own NEXUS_HOME and Dagster instance storage."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE_LANDING = REPO / "sample_data" / "landing"

# Nothing in the suite may reach a model hub or phone home.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")


@pytest.fixture
def nexus_home(tmp_path, monkeypatch) -> Path:
    """A fresh NEXUS_HOME (with DAGSTER_HOME inside it) for one test."""
    home = tmp_path / "nexus"
    (home / "landing").mkdir(parents=True)
    monkeypatch.setenv("NEXUS_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.setenv("NEXUS_ENV", "local")
    return home


@pytest.fixture
def paths(nexus_home):
    from nexus_platform.settings import NexusPaths

    return NexusPaths.from_uri(str(nexus_home))


@pytest.fixture
def put(nexus_home):
    """Write a file into the landing folder: put("a/b.csv", "x,y\n1,2\n")."""

    def _put(relpath: str, data: bytes | str, encoding: str = "utf-8") -> Path:
        target = nexus_home / "landing" / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
        return target

    return _put
