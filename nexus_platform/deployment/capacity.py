"""How many landing-file partitions an instance storage takes, decided before adding them.

Each landing file is a dynamic partition. Dagster's SQLite storage sends partition keys as
one SQL variable each (`... WHERE partition IN (?, ?, ...)`), and SQLite caps the variables
of a statement at 32,766 in its default build (SQLITE_MAX_VARIABLE_NUMBER since 3.32): at
tens of thousands of partitions a query fails with "too many SQL variables" (dagster#16260),
late, in whatever touches them all. SQLite also serialises every writer. So the local
profile warns as a folder grows towards that, and refuses new partitions past a ceiling
below it, with a message that says what to do; PostgreSQL has no such ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SQLITE_WARN_PARTITIONS = 20_000
# Under SQLite's default 32,766 variables per statement, with room for the other variables
# of the same query.
SQLITE_MAX_PARTITIONS = 30_000
WHAT_TO_DO = (
    "run the platform on PostgreSQL instance storage (`make run-prod-local`, or "
    "deploy/dagster.yaml: see 'Deploying and scaling' in the README)"
)


@dataclass(frozen=True)
class Capacity:
    level: Literal["ok", "warn", "refuse"]
    allowed: int  # how many of the partitions asked for may be added now
    message: str = ""


def storage_kind(instance: object) -> str:
    """`sqlite`, `postgres` or `other`, from the instance's event log storage class (the
    storage that holds dynamic partitions)."""
    storage = getattr(instance, "event_log_storage", None)
    name = type(storage).__name__.lower()
    for kind in ("sqlite", "postgres"):
        if kind in name:
            return kind
    return "other"


def partition_capacity(storage: str, existing: int, adding: int) -> Capacity:
    """Whether `adding` more partitions fit beside `existing` ones on `storage`."""
    if adding < 0 or existing < 0:
        raise ValueError(f"partition counts must not be negative: {existing}, {adding}")
    total = existing + adding
    if storage != "sqlite" or total <= SQLITE_WARN_PARTITIONS:
        return Capacity("ok", adding)
    if total <= SQLITE_MAX_PARTITIONS:
        return Capacity(
            "warn",
            adding,
            f"{total:,} landing files on SQLite instance storage, which fails past about "
            f"{SQLITE_MAX_PARTITIONS:,} ('too many SQL variables'): {WHAT_TO_DO}.",
        )
    allowed = max(SQLITE_MAX_PARTITIONS - existing, 0)
    return Capacity(
        "refuse",
        allowed,
        f"SQLite instance storage takes at most {SQLITE_MAX_PARTITIONS:,} landing files here "
        f"(it fails past about that with 'too many SQL variables'); {adding - allowed:,} of "
        f"{adding:,} new files wait: {WHAT_TO_DO}.",
    )
