"""Fixtures of the drift tests (tables and helpers live in drift_tables.py)."""

from __future__ import annotations

import pytest

from nexus_platform.drift.config import CheckSettings, Thresholds


@pytest.fixture
def settings() -> CheckSettings:
    # Small tables, every check on: the thresholds are the shipped defaults.
    return CheckSettings(min_rows=30, embedding_sample_rows=120, thresholds=Thresholds())
