"""What changed in the landing folder since the last look, decided by content hash.

The index remembers (size, mtime, sha256) per file so that a tick hashes only files whose
size or mtime moved; a touched file is re-hashed, found identical and left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from nexus_platform.ingest.landing import LandingFile


@dataclass
class Changes:
    new: list[tuple[str, str]] = field(default_factory=list)  # (relpath, sha256)
    changed: list[tuple[str, str]] = field(default_factory=list)
    touched: list[str] = field(default_factory=list)  # metadata moved, bytes did not
    deleted: list[str] = field(default_factory=list)
    deferred: int = 0  # over this tick's hashing budget: seen again next time
    index: dict[str, list] = field(default_factory=dict)  # the index to keep after this tick

    @property
    def to_convert(self) -> list[tuple[str, str]]:
        return sorted(self.new + self.changed)


def detect(
    files: Sequence[LandingFile],
    index: dict[str, list],
    hasher: Callable[[str], str],
    max_files: int = 10_000,
    max_bytes: int = 4 << 30,
) -> Changes:
    """Compare a landing listing with the index. Work per call is capped: files beyond the
    budget keep their old index entry (or none) and are picked up by the next call."""
    result = Changes(index=dict(index))
    hashed_files = hashed_bytes = 0
    seen = set()
    for f in files:
        seen.add(f.relpath)
        known = index.get(f.relpath)
        if known and known[0] == f.size and known[1] == f.mtime_ns:
            continue
        if hashed_files >= max_files or (hashed_files and hashed_bytes + f.size > max_bytes):
            result.deferred += 1
            continue
        digest = hasher(f.relpath)
        hashed_files += 1
        hashed_bytes += f.size
        result.index[f.relpath] = [f.size, f.mtime_ns, digest]
        if known is None:
            result.new.append((f.relpath, digest))
        elif known[2] != digest:
            result.changed.append((f.relpath, digest))
        else:
            result.touched.append(f.relpath)
    for relpath in index:
        if relpath not in seen:
            result.deleted.append(relpath)
            result.index.pop(relpath, None)
    return result


def contiguous_ranges(order: Sequence[str], keys: Iterable[str], max_len: int) -> list[list[str]]:
    """Group `keys` into runs of neighbours in partition `order`, each at most `max_len` long.

    A run over a contiguous partition range converts many files in one process; the key order
    is the order partitions were added, so files landing together end up neighbours.
    """
    position = {k: i for i, k in enumerate(order)}
    wanted = sorted({position[k] for k in keys if k in position})
    ranges: list[list[str]] = []
    for pos in wanted:
        if ranges and position[ranges[-1][-1]] == pos - 1 and len(ranges[-1]) < max_len:
            ranges[-1].append(order[pos])
        else:
            ranges.append([order[pos]])
    return ranges
