"""Archives and e-mails: the files inside convert as files of their own.

A container (a zip archive, an e-mail with attachments) stays ONE landing file, one
partition and one ledger entry. Each member is keyed `<container relpath>/<inner path>`
(`reports/2023.zip/q1/sales.xlsx`, `inbox/mail.eml/offer.pdf`): its tables are written under
`warehouse/<container relpath>/<inner path>/`, and its own ledger record (the fields of a
`LedgerEntry`: path, sha256, reader, status, error, tables, notes) goes into the container
entry's `members`. The knowledge base gives member records that path as their source, so a
member's folders are the container's folders, the container's name, then the folders inside.

Members are read under the container's limits (`ArchiveLimits`): count, inflated size and
ratio are checked before anything is inflated, nested containers stop at `max_depth`, and a
member whose name would escape the container (`../../x`, `/etc/x`) is refused, never
extracted. When a changed container is converted again, a member whose bytes (sha256) did not
change keeps its outputs: only the changed members are read.
"""

from __future__ import annotations

import hashlib
import posixpath
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from upath import UPath

from nexus_platform.ingest.ledger import Ledger, LedgerEntry
from nexus_platform.ingest.model import ErrorClass, ExtractedTable, IngestError
from nexus_platform.ingest.registry import READERS, file_type, reader_for
from nexus_platform.storage import remove

_COPY_CHUNK = 1 << 20


@dataclass
class Member:
    """One file inside a container. `open` gives its bytes; `error` refuses it unread."""

    name: str  # posix path inside the container, as the container names it
    size: int
    open: Callable[[], Any] | None = None  # a readable binary stream, used in `with`
    error: IngestError | None = None


@dataclass
class Container:
    """What a container reader returns: its own content (an e-mail's headers and body) and
    the members that convert as files of their own."""

    tables: list[ExtractedTable] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)


def safe_member_name(name: str) -> str:
    """The member's path inside the container, or IngestError(outside_landing) for a name
    that would escape it: absolute, drive-lettered, or climbing with `..`."""
    cleaned = name.replace("\\", "/")
    parts = [p for p in cleaned.split("/") if p not in ("", ".")]
    if cleaned.startswith("/") or (parts and ":" in parts[0]) or ".." in parts or not parts:
        raise IngestError(
            ErrorClass.OUTSIDE_LANDING,
            f"member name {name!r} points outside the container: refused, not extracted",
        )
    return posixpath.join(*parts)


def container_depth(relpath: str) -> int:
    """How many containers `relpath` lies inside (`a.zip/b.zip/c.csv` -> 2)."""
    parts = relpath.split("/")[:-1]
    return sum(1 for part in parts if getattr(READERS.get(file_type(part)), "container", False))


class _KnownDigest:
    def __init__(self, value: str):
        self._value = value

    def value(self) -> str:
        return self._value


def convert_members(
    paths, relpath: str, container: Container, config, entry: LedgerEntry
) -> list[ExtractedTable]:
    """Convert every member of `container` (the landing file `relpath`) into `entry.members`;
    returns the container's own tables for the caller to write as usual."""
    limits = config.read_options.archive
    if container.members and container_depth(relpath) + 1 > limits.max_depth:
        raise IngestError(
            ErrorClass.TOO_DEEP,
            f"containers nested {container_depth(relpath) + 1} deep (limit {limits.max_depth})",
        )
    previous = _previous_members(paths, relpath)
    records: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="nexus-members-") as scratch:
        for index, member in enumerate(container.members):
            records.extend(
                _convert_member(paths, relpath, member, config, previous, Path(scratch), index)
            )
    entry.members = records
    if not container.tables and not any(r["status"] == "converted" for r in records):
        counts = sorted({(r["error"] or {}).get("class", "") for r in records})
        raise IngestError(
            ErrorClass.EMPTY,
            f"no member converted ({len(records)} members; classes: {', '.join(counts) or '-'})",
        )
    _drop_old_member_outputs(previous, records)
    return container.tables


def _previous_members(paths, relpath: str) -> dict[str, dict]:
    previous = Ledger(paths).get(relpath)
    return {m["path"]: m for m in (previous.members if previous else [])}


def _convert_member(paths, relpath, member: Member, config, previous, scratch: Path, index: int):
    """The ledger records of one member: itself, then the members of a nested container."""
    from nexus_platform.ingest.convert import convert_tables, failure_class, transient_cause

    try:
        inner = safe_member_name(member.name)
    except IngestError as exc:
        # Quoted whole: the refused name stays readable but never works as a path.
        return [_record(f"{relpath}/{quote(member.name, safe='')}", "", member.size, exc)]
    key = f"{relpath}/{inner}"
    entry = LedgerEntry(
        path=key, sha256="", status="quarantined", file_type=file_type(key), size=member.size
    )
    # The temp file keeps the member's extension (readers look at it), not its name.
    local = scratch / f"{index}{Path(inner).suffix.lower()}"
    try:
        if member.error is not None:
            raise member.error
        spec = reader_for(key)
        entry.reader, entry.reader_version = spec.name, spec.version
        entry.sha256, entry.size = _spool(member, local, config.read_options.archive)
        old = previous.get(key)
        if old is not None and _reusable(old, entry.sha256):
            reused = dict(old)
            reused["notes"] = [n for n in old.get("notes", []) if n != _REUSED] + [_REUSED]
            return [reused, *[m for k, m in previous.items() if k.startswith(key + "/")]]
        if entry.size == 0:
            raise IngestError(ErrorClass.EMPTY, "member is empty (0 bytes)")
        convert_tables(paths, key, local, spec, config, entry, _KnownDigest(entry.sha256))
        entry.status, entry.error = "converted", None
    except IngestError as exc:
        entry.status, entry.tables = "quarantined", []
        entry.error = {"class": exc.error_class.value, "message": exc.message}
    except Exception as exc:
        if transient_cause(exc) is not None:
            raise  # disk full or permissions: the whole container is tried again later
        entry.status, entry.tables = "quarantined", []
        entry.error = {
            "class": failure_class(exc).value,
            "message": f"{type(exc).__name__}: {exc}",
        }
    finally:
        # One member on disk at a time: a large archive never needs its size twice over.
        local.unlink(missing_ok=True)
    nested, entry.members = entry.members, []
    return [_as_record(entry), *nested]


_REUSED = "unchanged since the last conversion: outputs reused"


def _reusable(old: dict, sha256: str) -> bool:
    if old.get("sha256") != sha256 or old.get("status") not in ("converted", "quarantined"):
        return False
    return all(UPath(t["path"]).exists() for t in old.get("tables", []))


def _spool(member: Member, local: Path, limits) -> tuple[str, int]:
    """Copy a member to `local`, hashing it; stops at the container's size limit."""
    if member.open is None:
        raise IngestError(ErrorClass.CORRUPT, "member has no content")
    digest, size = hashlib.sha256(), 0
    with member.open() as source, open(local, "wb") as out:
        while chunk := source.read(_COPY_CHUNK):
            size += len(chunk)
            if size > limits.max_total_bytes:
                raise IngestError(
                    ErrorClass.TOO_LARGE, f"member is over {limits.max_total_bytes} bytes"
                )
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def _record(key: str, sha256: str, size: int, exc: IngestError) -> dict:
    entry = LedgerEntry(
        path=key, sha256=sha256, status="quarantined", file_type=file_type(key), size=size
    )
    entry.error = {"class": exc.error_class.value, "message": exc.message}
    return _as_record(entry)


def _as_record(entry: LedgerEntry) -> dict:
    record = entry.to_json()
    for key in ("committed", "updated_at", "members"):
        record.pop(key, None)
    return record


def member_entries(entry: LedgerEntry) -> list[LedgerEntry]:
    """The members of a container entry as ledger entries of their own (for the knowledge
    base and status): path, folders and file type are the member's."""
    return [LedgerEntry.from_json(m) for m in entry.members]


def _drop_old_member_outputs(previous: dict[str, dict], records: list[dict]) -> None:
    """Outputs of members that left the container (or lost a table) go, as a re-converted
    file's removed sheet does: the entry describes the container's current content."""
    keep = {t["path"] for r in records for t in r.get("tables", [])}
    for old in previous.values():
        for table in old.get("tables", []):
            if table["path"] not in keep:
                remove(UPath(table["path"]))


def converted_sources(paths) -> list[LedgerEntry]:
    """Every converted source of knowledge, sorted by path: converted landing files and the
    converted members of converted containers, each a ledger entry with its own path."""
    found = []
    for entry in Ledger(paths).entries():
        if entry.status != "converted":
            continue
        found.append(entry)
        found.extend(m for m in member_entries(entry) if m.status == "converted")
    return sorted(found, key=lambda e: e.path)
