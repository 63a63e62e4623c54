"""One landing file through the whole per-file path, isolated: whatever happens to this file,
the batch it arrived with goes on.

`process_file` counts the attempt, reuses a conversion of the same bytes, converts, and
stages the ledger entry; it returns what happened. Quarantine is for faults of the file (and
for the platform's own unexpected failures on it, class `internal`); passing causes leave the
file pending with its reason. The caller commits the entry once Dagster recorded the outcome.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from nexus_platform.ingest.convert import ConvertConfig, convert_file, transient_cause
from nexus_platform.ingest.landing import (
    LandingFile,
    digest_of,
    landing_entry,
    readable_path,
    sha256_file,
)
from nexus_platform.ingest.ledger import MAX_ATTEMPTS, Attempt, Ledger, LedgerEntry
from nexus_platform.ingest.model import ErrorClass, TransientError
from nexus_platform.ingest.registry import file_type
from nexus_platform.settings import NexusPaths

log = logging.getLogger(__name__)

Status = Literal["converted", "quarantined", "unchanged", "pending"]


@dataclass
class Outcome:
    key: str
    status: Status
    entry: LedgerEntry | None = None  # staged entry (None while pending)
    attempt: Attempt | None = None  # why and until when a pending file waits


class LedgerUnavailable(RuntimeError):
    """The ledger cannot be written at all: the platform cannot work, not this file."""


def process_file(
    paths: NexusPaths, ledger: Ledger, key: str, config: ConvertConfig, force: bool = False
) -> Outcome:
    landing = Path(paths.landing.path)
    attempt: Attempt | None = None
    try:
        item = landing_entry(landing, key)
        attempt = ledger.begin(key, _version(item))
        previous = ledger.get(key)
        if attempt.count > MAX_ATTEMPTS:
            entry = _failed_repeatedly(landing, item, attempt)
            reused = False
        else:
            entry, reused = _convert_or_reuse(paths, key, item, previous, config, force)
        ledger.put(entry, committed=False)
        status: Status = "unchanged" if reused else entry.status  # type: ignore[assignment]
        return Outcome(key, status, entry)
    except TransientError as exc:
        return _defer(ledger, key, attempt, exc.reason, exc.message)
    except Exception as exc:  # the platform's own step failed on this file
        cause = transient_cause(exc)
        if cause is not None:
            return _defer(ledger, key, attempt, cause, f"{type(exc).__name__}: {exc}")
        log.exception("internal error on %s", key)
        entry = LedgerEntry(key, "", "quarantined", file_type(key), 0)
        entry.error = {
            "class": ErrorClass.INTERNAL.value,
            "message": f"{type(exc).__name__}: {exc}",
        }
        try:
            ledger.put(entry, committed=False)
        except OSError as write_error:
            raise LedgerUnavailable(f"the ledger cannot be written: {write_error}") from exc
        return Outcome(key, "quarantined", entry)


def _version(item: LandingFile) -> str:
    """What an attempt counts against: a new version of the file starts afresh. Stat data,
    not the content hash: counting happens before the file is read."""
    return item.identity or f"{item.size}:{item.mtime_ns}"


def _defer(ledger: Ledger, key: str, attempt: Attempt | None, reason: str, message: str):
    try:
        attempt = ledger.defer(attempt or ledger.begin(key, "?"), reason, message)
    except OSError as exc:
        raise LedgerUnavailable(f"the ledger cannot be written: {exc}") from exc
    return Outcome(key, "pending", attempt=attempt)


def _convert_or_reuse(paths, key, item, previous, config, force) -> tuple[LedgerEntry, bool]:
    """A file whose bytes are those already converted (committed or staged) is not converted
    again: a run that was killed after converting it only has to record it."""
    landing = Path(paths.landing.path)
    # An OSError here (permissions, I/O) is a passing cause: process_file defers the file.
    current = item.identity or sha256_file(readable_path(landing, item))
    if (
        previous is not None
        and not force
        and previous.status in ("converted", "quarantined")
        and previous.sha256 == current
        and previous.error_class != ErrorClass.INTERNAL
    ):
        return previous, True
    sha = None if item.identity is not None else current
    return convert_file(paths, key, config, previous, sha256=sha), False


def _failed_repeatedly(landing: Path, item: LandingFile, attempt: Attempt) -> LedgerEntry:
    last = attempt.message or (
        "the conversion started but never finished (the worker stopped while converting it)"
    )
    entry = LedgerEntry(item.relpath, digest_of(landing, item), "quarantined", "", item.size)
    entry.file_type = file_type(item.relpath)
    entry.error = {
        "class": ErrorClass.FAILED_REPEATEDLY.value,
        "message": f"{attempt.count - 1} attempts failed; last: {last}",
    }
    return entry
