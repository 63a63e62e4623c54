"""Bounded work per file: zip containers are measured before anything is inflated, and
nesting that a reader would follow by recursion is cut off with a class of its own.

Every zip-based format (xlsx/xlsm/xlsb, ods, docx, pptx, odt, zip archives) opens through
`open_zip`, which reads only the central directory: member count, declared inflated sizes and
compression ratios are checked there, so a decompression bomb is quarantined as `too_large`
having cost a few kilobytes of memory. Python's zipfile never inflates a member past its
declared size (the CRC check fails first), so the declared sizes bound what readers built on
it can inflate; `verify_members` streams the members once, in bounded memory, for native
parsers that trust the data instead.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nexus_platform.ingest.model import ErrorClass, IngestError

_CHUNK = 1 << 20


@dataclass(frozen=True)
class ArchiveLimits:
    """What one zip container may hold. The defaults pass every real office file seen and
    stop bombs: Office XML compresses 5-30x, a bomb 1000x."""

    max_members: int = 10_000
    max_total_bytes: int = 1 << 30  # declared inflated size of all members together
    max_ratio: float = 200.0  # inflated / compressed, for members above ratio_floor_bytes
    ratio_floor_bytes: int = 1 << 20  # small members (empty XML parts) compress arbitrarily
    max_depth: int = 3  # archives inside archives


def _declared_entries(path: Path) -> int | None:
    """The member count the end-of-central-directory record declares, read before zipfile
    builds one object per member (a forged count of millions would cost gigabytes)."""
    end_record = getattr(zipfile, "_EndRecData", None)
    if end_record is None:  # pragma: no cover - present in every CPython since 2.x
        return None
    with open(path, "rb") as fh:
        record = end_record(fh)
    if not record:
        return None
    return int(record[zipfile._ECD_ENTRIES_TOTAL])  # type: ignore[attr-defined]


def check_members(infos: list[zipfile.ZipInfo], limits: ArchiveLimits, what: str = "archive"):
    """Raise too_large when the declared content of a zip breaks a limit."""
    if len(infos) > limits.max_members:
        raise IngestError(
            ErrorClass.TOO_LARGE,
            f"{what} holds {len(infos)} members, over the limit of {limits.max_members}",
        )
    total = 0
    for info in infos:
        total += info.file_size
        if total > limits.max_total_bytes:
            raise IngestError(
                ErrorClass.TOO_LARGE,
                f"{what} inflates to more than {limits.max_total_bytes} bytes "
                f"(limit reached at member {info.filename!r})",
            )
        if info.file_size > limits.ratio_floor_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise IngestError(
                    ErrorClass.TOO_LARGE,
                    f"{what} member {info.filename!r} inflates {ratio:.0f}x "
                    f"({info.compress_size} -> {info.file_size} bytes), over the limit of "
                    f"{limits.max_ratio:.0f}x: a decompression bomb",
                )


def open_zip(path: Path, limits: ArchiveLimits, what: str = "archive") -> zipfile.ZipFile:
    """The zip container at `path`, opened only after its central directory passed `limits`."""
    try:
        declared = _declared_entries(Path(path))
    except OSError as exc:
        raise IngestError(ErrorClass.CORRUPT, f"{what} is not readable: {exc}") from exc
    if declared is not None and declared > limits.max_members:
        raise IngestError(
            ErrorClass.TOO_LARGE,
            f"{what} declares {declared} members, over the limit of {limits.max_members}",
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise IngestError(ErrorClass.CORRUPT, f"{what} is not a readable zip: {exc}") from exc
    try:
        check_members(archive.infolist(), limits, what)
    except IngestError:
        archive.close()
        raise
    return archive


def check_zip(path: Path, limits: ArchiveLimits, what: str = "archive") -> None:
    """`open_zip` for readers that open the file with their own parser afterwards."""
    open_zip(path, limits, what).close()


def verify_members(path: Path, limits: ArchiveLimits, what: str = "archive") -> None:
    """Inflate every member once, 1 MiB at a time, counting real bytes against the limits.

    For native parsers (calamine) that do not stop at a member's declared size: a forged
    header cannot make them inflate more than this pass saw."""
    with open_zip(path, limits, what) as archive:
        total = 0
        for info in archive.infolist():
            if info.is_dir():
                continue
            try:
                with archive.open(info) as member:
                    while chunk := member.read(_CHUNK):
                        total += len(chunk)
                        if total > limits.max_total_bytes:
                            raise IngestError(
                                ErrorClass.TOO_LARGE,
                                f"{what} inflates to more than {limits.max_total_bytes} bytes",
                            )
            except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
                raise IngestError(
                    ErrorClass.CORRUPT, f"{what} member {info.filename!r} is damaged: {exc}"
                ) from exc
            except RuntimeError as exc:  # zipfile's word for an encrypted member
                raise IngestError(
                    ErrorClass.ENCRYPTED, f"{what} member {info.filename!r}: {exc}"
                ) from exc


@contextmanager
def nesting_guard(what: str) -> Iterator[None]:
    """Turn a RecursionError (a document nested deeper than the parser follows) into a
    `too_deep` quarantine instead of an interpreter error text."""
    try:
        yield
    except RecursionError as exc:
        raise IngestError(
            ErrorClass.TOO_DEEP, f"{what} is nested too deeply to read (recursion limit)"
        ) from exc
