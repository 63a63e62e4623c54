"""Atomic writes on local disks and object stores through one UPath code path.

Local: write to a temporary sibling and `os.replace` it, so a kill -9 mid-write leaves the
previous version intact. Object stores (gs://) publish an object only when its upload
completes, which gives the same guarantee.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from upath import UPath

from nexus_platform.settings import is_local

_UMASK = os.umask(0)
os.umask(_UMASK)


def ensure_dir(path: UPath) -> None:
    if is_local(path):
        Path(path.path).mkdir(parents=True, exist_ok=True)
    else:
        # Object stores have no directories; nothing to create.
        return


@contextlib.contextmanager
def atomic_output(target: UPath, mode: str = "wb", durable: bool = True) -> Iterator[IO[Any]]:
    """Open a file handle whose content appears at `target` only if the block succeeds.

    The rename alone survives a killed process; `durable` also fsyncs, for power loss."""
    if is_local(target):
        local = Path(target.path)
        local.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{local.name}.", suffix=".tmp", dir=local.parent)
        # mkstemp creates 0600; outputs are shared files, readable like any other.
        os.chmod(tmp, 0o666 & ~_UMASK)
        try:
            with os.fdopen(fd, mode) as fh:
                yield fh
                fh.flush()
                if durable:
                    os.fsync(fh.fileno())
            os.replace(tmp, local)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
    else:
        with target.open(mode) as fh:
            yield fh


@contextlib.contextmanager
def atomic_local_path(target: UPath, suffix: str = "") -> Iterator[str]:
    """A local temporary file path that replaces `target` when the block succeeds.

    For writers that want a filename (pyarrow's ParquetWriter, DuckDB COPY): locally the temp
    file sits beside the target; for object stores it is uploaded after the writer finishes.
    """
    if is_local(target):
        local = Path(target.path)
        local.parent.mkdir(parents=True, exist_ok=True)
        tmp = local.parent / f".{local.name}.{uuid.uuid4().hex}{suffix}.tmp"
        try:
            yield str(tmp)
            os.replace(tmp, local)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    else:
        with tempfile.TemporaryDirectory() as tmpdir:
            tmp_name = os.path.join(tmpdir, "part" + suffix)
            yield tmp_name
            target.fs.put_file(tmp_name, target.path)


def write_bytes(target: UPath, data: bytes, durable: bool = True) -> None:
    with atomic_output(target, "wb", durable) as fh:
        fh.write(data)


def write_text(target: UPath, text: str, durable: bool = True) -> None:
    write_bytes(target, text.encode("utf-8"), durable)


def write_json(target: UPath, obj: Any, durable: bool = True) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    write_text(target, text, durable)


def read_json(target: UPath, default: Any = None) -> Any:
    try:
        return json.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default


def remove(target: UPath) -> None:
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
