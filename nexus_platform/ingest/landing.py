"""The landing folder: listing, identifying and refusing what must not be read.

Landing files are only ever read. A file's identity for the platform is its partition key
(its path relative to the landing root, see `keys`); whether it changed is decided by its
content hash, so touching a file changes nothing.

A folder can hold anything: names in any bytes, FIFOs, sockets and devices (opening a FIFO
blocks until a writer appears), symlinks to anywhere, entries nobody may read. `inspect` is
the one place that decides what an entry is, from `lstat` and the link target alone, without
opening it; the scan, the sensor and the converter all ask it. Only regular files inside the
root are ever opened.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from nexus_platform.ingest.keys import fs_name, key_for
from nexus_platform.ingest.model import ErrorClass, IngestError, TransientError

_CHUNK = 1 << 20


class EntryKind(StrEnum):
    FILE = "file"  # a regular file inside the root (possibly through a symlink): readable
    OUTSIDE = "outside"  # a symlink resolving outside the root: never read
    SPECIAL = "special"  # FIFO, socket, device, broken link: never opened
    UNREADABLE = "unreadable"  # no permission to read or list: retried later


@dataclass(frozen=True)
class LandingFile:
    relpath: str  # the partition key: posix, relative to the landing root, valid text
    size: int
    mtime_ns: int
    kind: EntryKind = EntryKind.FILE
    detail: str = ""  # why a non-file entry is what it is

    @property
    def identity(self) -> str | None:
        """For entries that are never read: what stands in for their content hash, so the
        ledger can record them as done. None for files (their sha256 decides)."""
        if self.kind is EntryKind.FILE:
            return None
        digest = hashlib.sha256(self.detail.encode("utf-8", "surrogateescape")).hexdigest()
        return f"{self.kind.value}:{digest[:16]}"


def _skip(name: str) -> bool:
    # Hidden files and the temp files of copy tools are not (yet) landed data.
    return name.startswith((".", "~$")) or name.endswith((".tmp", ".part", ".crdownload"))


def scan(root: Path, settle_seconds: float = 0.0) -> list[LandingFile]:
    """Every entry under `root`, sorted by key. Files modified within `settle_seconds` are
    left for a later scan: a copy still in progress is not converted half-written.
    Directories that cannot be listed are entries of their own (UNREADABLE), so nothing in
    the folder goes unaccounted."""
    if not root.is_dir():
        return []
    now = time.time_ns()
    real_root = os.path.realpath(root)
    root_text = os.fspath(root)  # joined 100,000 times a scan: a str joins without conversion
    found: list[LandingFile] = []
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            with os.scandir(os.path.join(root_text, rel_dir) if rel_dir else root_text) as entries:
                listing = list(entries)
        except OSError as exc:
            if rel_dir:  # the root itself missing is handled above; a vanished dir is not news
                found.append(_unreadable(rel_dir + "/", exc))
            continue
        for entry in listing:
            if _skip(entry.name):
                continue
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(rel)
                    continue
            except OSError:
                pass
            item = inspect(root_text, rel, real_root=real_root)
            if item is None:
                continue  # vanished, or a link to a folder inside the root (listed there)
            if settle_seconds and now - item.mtime_ns < settle_seconds * 1e9:
                continue
            found.append(item)
    return sorted(found, key=lambda f: f.relpath)


def inspect(root: Path | str, name: str, real_root: str | None = None) -> LandingFile | None:
    """What the entry `name` (a file-system name relative to `root`) is, without opening it.
    None when it does not exist (any more) or is a link to a directory inside the root."""
    real_root = real_root or os.path.realpath(root)
    full = os.path.join(root, name)
    key = key_for(name)
    try:
        st = os.lstat(full)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return _unreadable(name, exc)
    if stat.S_ISLNK(st.st_mode):
        real = os.path.realpath(full)
        if not _inside(real_root, real):
            return LandingFile(key, 0, st.st_mtime_ns, EntryKind.OUTSIDE, f"resolves to {real}")
        try:
            st = os.stat(full)
        except OSError as exc:
            return LandingFile(key, 0, st.st_mtime_ns, EntryKind.SPECIAL, f"broken link: {exc}")
        if stat.S_ISDIR(st.st_mode):
            return None
    if stat.S_ISREG(st.st_mode):
        if not os.access(full, os.R_OK):
            return _unreadable(name, PermissionError("permission denied"))
        return LandingFile(key, st.st_size, st.st_mtime_ns)
    return LandingFile(key, 0, st.st_mtime_ns, EntryKind.SPECIAL, _special_kind(st.st_mode))


def _unreadable(name: str, exc: OSError) -> LandingFile:
    reason = exc.strerror or type(exc).__name__
    return LandingFile(key_for(name), 0, 0, EntryKind.UNREADABLE, f"cannot be read: {reason}")


def _special_kind(mode: int) -> str:
    for test, label in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a directory"),
    ):
        if test(mode):
            return label
    return f"a special file (mode {oct(mode)})"


def _inside(real_root: str, real: str) -> bool:
    return os.path.commonpath([real_root, real]) == real_root


def landing_entry(root: Path, key: str) -> LandingFile:
    """The landing entry a partition key names; TransientError when it is gone (a deleted
    file's partition is removed by the next sensor tick)."""
    item = inspect(root, fs_name(key))
    if item is None:
        raise TransientError("missing", f"{key} is no longer in the landing folder")
    return item


def readable_path(root: Path, item: LandingFile) -> Path:
    """The path to open for a landing entry, or the error that says why there is none:
    IngestError for what is never read (outside the root, not a regular file), TransientError
    for what may be readable later (permissions)."""
    if item.kind is EntryKind.OUTSIDE:
        raise IngestError(
            ErrorClass.OUTSIDE_LANDING,
            f"{item.relpath} {item.detail}, outside the landing folder: refused, never read",
        )
    if item.kind is EntryKind.SPECIAL:
        raise IngestError(ErrorClass.NOT_A_FILE, f"{item.relpath} is {item.detail}: never opened")
    if item.kind is EntryKind.UNREADABLE:
        raise TransientError("permission", f"{item.relpath} {item.detail}")
    return Path(os.path.realpath(os.path.join(root, fs_name(item.relpath))))


def digest_of(root: Path, item: LandingFile) -> str:
    """What identifies the current version of an entry: the sha256 of a file's bytes, the
    identity of an entry that is never read, or an `unreadable:` identity when reading fails
    (retried on later ticks)."""
    if item.identity is not None:
        return item.identity
    try:
        return sha256_file(readable_path(root, item))
    except OSError as exc:
        return _unreadable(fs_name(item.relpath), exc).identity or ""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
