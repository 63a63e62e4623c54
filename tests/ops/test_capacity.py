"""The local profile warns, then refuses, before SQLite instance storage holds more landing
partitions than it can query; other storages are not limited."""

from __future__ import annotations

import dagster as dg
import pytest

from nexus_platform.deployment.capacity import (
    SQLITE_MAX_PARTITIONS,
    SQLITE_WARN_PARTITIONS,
    partition_capacity,
    storage_kind,
)


def test_small_folders_are_fine_everywhere():
    assert partition_capacity("sqlite", 100, 900).level == "ok"
    assert partition_capacity("sqlite", 0, SQLITE_WARN_PARTITIONS).allowed == SQLITE_WARN_PARTITIONS


def test_sqlite_warns_on_the_way_to_its_ceiling():
    capacity = partition_capacity("sqlite", SQLITE_WARN_PARTITIONS, 1)
    assert capacity.level == "warn" and capacity.allowed == 1
    assert "PostgreSQL" in capacity.message and "too many SQL variables" in capacity.message


def test_sqlite_refuses_past_its_ceiling_and_adds_what_still_fits():
    capacity = partition_capacity("sqlite", SQLITE_MAX_PARTITIONS - 10, 10_000)
    assert capacity.level == "refuse"
    assert capacity.allowed == 10
    assert "9,990 of 10,000 new files wait" in capacity.message
    assert partition_capacity("sqlite", SQLITE_MAX_PARTITIONS, 5).allowed == 0


def test_postgres_takes_any_number():
    capacity = partition_capacity("postgres", 500_000, 100_000)
    assert capacity.level == "ok" and capacity.allowed == 100_000


def test_negative_counts_are_a_mistake():
    with pytest.raises(ValueError):
        partition_capacity("sqlite", -1, 1)


def test_the_storage_kind_of_a_real_instance(tmp_path):
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        assert storage_kind(instance) == "sqlite"
    assert storage_kind(object()) == "other"
