"""The Airbyte connections the platform orchestrates, declared in YAML (airbyte/connections.yaml).

Declaring them statically (instead of asking the Airbyte server) keeps definitions loadable
offline and makes the asset graph reviewable in git. Bad declarations fail early with the
file and the field that is wrong.
"""

from __future__ import annotations

import typing
import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, with_config

from nexus_platform.config_files import (
    FORBID_EXTRA,
    AssetName,
    ConfigFileError,
    NonEmpty,
    load_yaml_file,
    or_default,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONNECTIONS_FILE = REPO_ROOT / "airbyte" / "connections.yaml"

DestinationFormat = Literal["jsonl", "csv", "parquet"]
DESTINATION_FORMATS: tuple[str, ...] = typing.get_args(DestinationFormat)


class ConnectionConfigError(ConfigFileError):
    """A declaration that cannot be used; the message names the file and the field."""


Description = Annotated[str, StringConstraints(strip_whitespace=True)]  # `>` folds end in "\n"


def _uuid(value: str) -> str:
    try:
        uuid.UUID(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a UUID") from None
    return value


def _unique_names(items: Sequence[Any]) -> Sequence[Any]:
    names = [item.name for item in items]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"duplicate names {duplicates}")
    return items


# Minute, hour, day of month, month, day of week: the cron strings Dagster schedules accept.
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_CRON_NAMES = {
    3: "jan feb mar apr may jun jul aug sep oct nov dec",
    4: "sun mon tue wed thu fri sat",
}


def _cron_field(text: str, position: int) -> bool:
    low, high = _CRON_RANGES[position]
    names = _CRON_NAMES.get(position, "").split()

    def value(v: str) -> bool:
        return v.lower() in names or (v.isdigit() and low <= int(v) <= high)

    for item in text.split(","):
        body, slash, step = item.partition("/")
        if slash and not (step.isdigit() and int(step) > 0):
            return False
        ends = body.split("-")
        if body != "*" and (len(ends) > 2 or not all(value(v) for v in ends)):
            return False
    return True


def _cron(expression: str) -> str:
    # Checked here: an invalid schedule would otherwise fail the code location when it loads.
    parts = expression.split()
    if len(parts) != 5 or not all(_cron_field(p, i) for i, p in enumerate(parts)):
        raise ValueError(
            f"{expression!r} is not a 5-field cron string (minute hour day month weekday)"
        )
    return expression


def _timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (e.g. UTC, Europe/Berlin)") from None
    return name


def _stream(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value  # `- processes` is short


@with_config(FORBID_EXTRA)
@dataclass(frozen=True)
class StreamDeclaration:
    name: AssetName
    description: Description = ""


@with_config(FORBID_EXTRA)
@dataclass(frozen=True)
class Destination:
    # A `gs://bucket/prefix` URI, an absolute path, or a path relative to NEXUS_HOME.
    path: NonEmpty
    format: DestinationFormat

    def is_under_landing(self) -> bool:
        """Destinations under NEXUS_HOME/landing are picked up by the landing sensor."""
        return (
            "://" not in self.path
            and not self.path.startswith("/")
            and (self.path.split("/", 1)[0] == "landing")
        )


Streams = Annotated[
    tuple[Annotated[StreamDeclaration, BeforeValidator(_stream)], ...],
    Field(min_length=1),
    AfterValidator(_unique_names),
]


@with_config(FORBID_EXTRA)
@dataclass(frozen=True)
class ConnectionDeclaration:
    name: AssetName
    connection_id: Annotated[NonEmpty, AfterValidator(_uuid)]
    destination: Destination
    streams: Streams
    description: Description = ""


@with_config(FORBID_EXTRA)
@dataclass(frozen=True)
class SyncSchedule:
    cron: Annotated[NonEmpty, AfterValidator(_cron)] = "0 3 * * *"
    timezone: Annotated[NonEmpty, AfterValidator(_timezone)] = "UTC"


@with_config(FORBID_EXTRA)
@dataclass(frozen=True)
class ConnectionsFile:
    connections: Annotated[tuple[ConnectionDeclaration, ...], AfterValidator(_unique_names)] = ()
    schedule: SyncSchedule = field(default_factory=SyncSchedule)


def load_connections(path: Path | str | None = None) -> ConnectionsFile:
    """Read and validate the declarations; a missing file means no Airbyte connections."""
    source = Path(path) if path else DEFAULT_CONNECTIONS_FILE
    if not source.exists():
        return ConnectionsFile()
    return load_yaml_file(source, ConnectionsFile, ConnectionConfigError)


def declared_connections(path: Path | str | None = None) -> ConnectionsFile:
    """The connections the platform orchestrates: none while the file does not validate (its
    error is logged and shown by the platform_configuration check), so a mistake there never
    takes the rest of the code location down."""
    return or_default(lambda: load_connections(path), ConnectionsFile())
