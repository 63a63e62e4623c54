"""The Airbyte connections the platform orchestrates, declared in YAML (airbyte/connections.yaml).

Declaring them statically (instead of asking the Airbyte server) keeps definitions loadable
offline and makes the asset graph reviewable in git. Bad declarations fail early with the
file and the field that is wrong.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONNECTIONS_FILE = REPO_ROOT / "airbyte" / "connections.yaml"

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
DESTINATION_FORMATS = ("jsonl", "csv", "parquet")


class ConnectionConfigError(ValueError):
    """A declaration that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class StreamDeclaration:
    name: str
    description: str = ""


@dataclass(frozen=True)
class Destination:
    # A `gs://bucket/prefix` URI, an absolute path, or a path relative to NEXUS_HOME.
    path: str
    format: str

    def is_under_landing(self) -> bool:
        """Destinations under NEXUS_HOME/landing are picked up by the landing sensor."""
        return (
            "://" not in self.path
            and not self.path.startswith("/")
            and (self.path.split("/", 1)[0] == "landing")
        )


@dataclass(frozen=True)
class ConnectionDeclaration:
    name: str
    connection_id: str
    destination: Destination
    streams: tuple[StreamDeclaration, ...]
    description: str = ""


@dataclass(frozen=True)
class SyncSchedule:
    cron: str = "0 3 * * *"
    timezone: str = "UTC"


@dataclass(frozen=True)
class ConnectionsFile:
    connections: tuple[ConnectionDeclaration, ...] = ()
    schedule: SyncSchedule = field(default_factory=SyncSchedule)


def _fail(source: Path, where: str, message: str) -> ConnectionConfigError:
    return ConnectionConfigError(f"{source}: {where}: {message}")


def _text(obj: dict, key: str, source: Path, where: str, required: bool = True) -> str:
    value = obj.get(key)
    if value is None:
        if required:
            raise _fail(source, f"{where}.{key}", "is required")
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _fail(source, f"{where}.{key}", f"must be a non-empty string, got {value!r}")
    return value.strip()


def _name(obj: dict, source: Path, where: str) -> str:
    name = _text(obj, "name", source, where)
    if not NAME_PATTERN.match(name):
        raise _fail(source, f"{where}.name", f"{name!r} must match {NAME_PATTERN.pattern}")
    return name


def _connection(obj: Any, source: Path, where: str) -> ConnectionDeclaration:
    if not isinstance(obj, dict):
        raise _fail(source, where, "must be a mapping")
    name = _name(obj, source, where)
    connection_id = _text(obj, "connection_id", source, where)
    try:
        uuid.UUID(connection_id)
    except ValueError:
        raise _fail(source, f"{where}.connection_id", f"{connection_id!r} is not a UUID") from None
    dest = obj.get("destination")
    if not isinstance(dest, dict):
        raise _fail(source, f"{where}.destination", "is required (a mapping with path and format)")
    fmt = _text(dest, "format", source, f"{where}.destination")
    if fmt not in DESTINATION_FORMATS:
        raise _fail(source, f"{where}.destination.format", f"{fmt!r} not in {DESTINATION_FORMATS}")
    destination = Destination(path=_text(dest, "path", source, f"{where}.destination"), format=fmt)
    raw_streams = obj.get("streams")
    if not isinstance(raw_streams, list) or not raw_streams:
        raise _fail(source, f"{where}.streams", "must be a non-empty list")
    streams = []
    for i, raw in enumerate(raw_streams):
        raw = {"name": raw} if isinstance(raw, str) else raw
        if not isinstance(raw, dict):
            raise _fail(source, f"{where}.streams[{i}]", "must be a name or a mapping")
        streams.append(
            StreamDeclaration(
                name=_name(raw, source, f"{where}.streams[{i}]"),
                description=_text(raw, "description", source, f"{where}.streams[{i}]", False),
            )
        )
    names = [s.name for s in streams]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _fail(source, f"{where}.streams", f"duplicate stream names {duplicates}")
    return ConnectionDeclaration(
        name=name,
        connection_id=connection_id,
        destination=destination,
        streams=tuple(streams),
        description=_text(obj, "description", source, where, required=False),
    )


def parse_connections(data: Any, source: Path) -> ConnectionsFile:
    if data is None:
        return ConnectionsFile()
    if not isinstance(data, dict):
        raise _fail(source, "<root>", "must be a mapping with a 'connections' list")
    raw = data.get("connections") or []
    if not isinstance(raw, list):
        raise _fail(source, "connections", "must be a list")
    connections = tuple(_connection(c, source, f"connections[{i}]") for i, c in enumerate(raw))
    names = [c.name for c in connections]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _fail(source, "connections", f"duplicate connection names {duplicates}")
    sched = data.get("schedule") or {}
    if not isinstance(sched, dict):
        raise _fail(source, "schedule", "must be a mapping with cron and timezone")
    schedule = SyncSchedule(
        cron=_text(sched, "cron", source, "schedule", required=False) or SyncSchedule.cron,
        timezone=_text(sched, "timezone", source, "schedule", required=False)
        or SyncSchedule.timezone,
    )
    if len(schedule.cron.split()) != 5:
        raise _fail(source, "schedule.cron", f"{schedule.cron!r} is not a 5-field cron string")
    return ConnectionsFile(connections=connections, schedule=schedule)


def load_connections(path: Path | str | None = None) -> ConnectionsFile:
    """Read and validate the declarations; a missing file means no Airbyte connections."""
    source = Path(path) if path else DEFAULT_CONNECTIONS_FILE
    if not source.exists():
        return ConnectionsFile()
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConnectionConfigError(f"{source}: not valid YAML: {exc}") from exc
    return parse_connections(data, source)
