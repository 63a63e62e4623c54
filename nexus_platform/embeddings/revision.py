"""A model's revision: a fingerprint of the files in its directory.

Local model directories carry no reliable version string, yet vectors from two different
weight files must never be mixed. The fingerprint covers every file's name and size and
its content (for very large files the first and last bytes, which change with any
re-export and keep start-up fast on multi-GB checkpoints).
"""

from __future__ import annotations

import functools
import hashlib
import os

_FULL_HASH_LIMIT = 512 * 1024 * 1024
_EDGE_BYTES = 8 * 1024 * 1024


def _hash_file(path: str, size: int, digest) -> None:
    with open(path, "rb") as fh:
        if size <= _FULL_HASH_LIMIT:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
            return
        digest.update(fh.read(_EDGE_BYTES))
        fh.seek(size - _EDGE_BYTES)
        digest.update(fh.read(_EDGE_BYTES))


@functools.lru_cache(maxsize=16)
def directory_revision(model_dir: str) -> str:
    """12 hex digits that change whenever any file of the model directory changes."""
    if not os.path.isdir(model_dir):
        raise FileNotFoundError(f"model directory not found: {model_dir}")
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(model_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or name.lower().startswith("readme"):
                continue
            full = os.path.join(root, name)
            size = os.path.getsize(full)
            rel = os.path.relpath(full, model_dir).replace(os.sep, "/")
            digest.update(f"{rel}\0{size}\0".encode())
            _hash_file(full, size, digest)
    return digest.hexdigest()[:12]
