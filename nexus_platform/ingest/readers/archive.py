"""Zip archives: every member a file of its own (see `nexus_platform.ingest.members`).

The central directory is checked against the archive limits before any member is inflated
(`open_zip`); folders, the `__MACOSX` resource forks and hidden files (`.DS_Store`) are not
members, as the landing scan skips hidden files; encrypted members and symbolic links are
refused with their reason.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

from nexus_platform.ingest.limits import open_zip
from nexus_platform.ingest.members import Container, Member
from nexus_platform.ingest.model import ErrorClass, IngestError
from nexus_platform.ingest.readers import ReadOptions


def read(path: Path, options: ReadOptions) -> Container:
    archive = open_zip(Path(path), options.archive)
    members = []
    with archive:
        for info in archive.infolist():
            if info.is_dir() or _skipped(info.filename):
                continue
            members.append(
                Member(info.filename, info.file_size, _opener(path, info), _refusal(info))
            )
    if not members:
        raise IngestError(ErrorClass.EMPTY, "archive holds no file")
    return Container(members=members)


def _skipped(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return parts[0] == "__MACOSX" or any(p.startswith(".") and p not in (".", "..") for p in parts)


def _refusal(info: zipfile.ZipInfo) -> IngestError | None:
    if info.flag_bits & 0x1:
        return IngestError(ErrorClass.ENCRYPTED, "member is password-protected")
    if stat.S_ISLNK(info.external_attr >> 16):
        return IngestError(ErrorClass.OUTSIDE_LANDING, "member is a symbolic link: not followed")
    return None


def _opener(path: Path, info: zipfile.ZipInfo):
    """Opens the member when it is converted: one member inflated at a time, streamed."""

    def open_member():
        archive = zipfile.ZipFile(path)
        try:
            return _ClosingMember(archive, archive.open(info))
        except Exception:
            archive.close()
            raise

    return open_member


class _ClosingMember:
    """A member stream that closes its archive with it."""

    def __init__(self, archive: zipfile.ZipFile, stream):
        self._archive, self._stream = archive, stream

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except (zipfile.BadZipFile, EOFError, ValueError) as exc:
            raise IngestError(ErrorClass.CORRUPT, f"member is damaged: {exc}") from exc

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._stream.close()
        self._archive.close()
