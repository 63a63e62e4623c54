"""The landing folder: listing, hashing and refusing paths that escape it.

Landing files are only ever read. A file's identity for the platform is its path relative to
the landing root (the partition key); whether it changed is decided by its content hash, so
touching a file changes nothing.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from nexus_platform.ingest.model import ErrorClass, IngestError

_CHUNK = 1 << 20


@dataclass(frozen=True)
class LandingFile:
    relpath: str  # posix, relative to the landing root: the partition key
    size: int
    mtime_ns: int


def _skip(name: str) -> bool:
    # Hidden files and the temp files of copy tools are not (yet) landed data.
    return name.startswith((".", "~$")) or name.endswith((".tmp", ".part", ".crdownload"))


def scan(root: Path, settle_seconds: float = 0.0) -> list[LandingFile]:
    """Every file under `root`, sorted by path. Files modified within `settle_seconds` are
    left for a later scan: a copy still in progress is not converted half-written."""
    if not root.is_dir():
        return []
    now = time.time_ns()
    found: list[LandingFile] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if _skip(name):
                continue
            full = Path(dirpath) / name
            try:
                st = full.lstat()
            except FileNotFoundError:
                continue
            if settle_seconds and now - st.st_mtime_ns < settle_seconds * 1e9:
                continue
            rel = full.relative_to(root).as_posix()
            found.append(LandingFile(rel, st.st_size, st.st_mtime_ns))
    return sorted(found, key=lambda f: f.relpath)


def resolve_inside(root: Path, relpath: str) -> Path:
    """The real path of a landing file; refuses anything (symlink or `..`) resolving outside."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(real_root, relpath))
    if os.path.commonpath([real_root, real]) != real_root:
        raise IngestError(
            ErrorClass.OUTSIDE_LANDING,
            f"{relpath} resolves to {real}, outside the landing folder: refused",
        )
    return Path(real)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
