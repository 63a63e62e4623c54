"""What changed in the landing folder since the last look, decided by content hash, and
which files are not done yet.

The landing index (`state/landing_index.json`) remembers per partition key
`[size, mtime_ns, digest, done]`: `digest` is the content sha256 of a file (or the identity
of an entry that is never read, see `LandingFile.identity`), `done` the digest whose
conversion committed (ledger entry written after Dagster recorded the outcome), or null.
A tick hashes only files whose size, mtime or kind moved; a touched file is re-hashed, found
identical and left alone. A file is pending while `digest != done`: whatever happened to the
run that was meant to convert it, it is asked for again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from nexus_platform.ingest.landing import EntryKind, LandingFile

SIZE, MTIME, DIGEST, DONE = range(4)


def digest_kind(digest: str | None) -> EntryKind:
    """The kind of entry a stored digest describes (a sha256 is a readable file)."""
    if digest and ":" in digest:
        return EntryKind(digest.split(":", 1)[0])
    return EntryKind.FILE


@dataclass
class Changes:
    new: list[tuple[str, str]] = field(default_factory=list)  # (key, digest)
    changed: list[tuple[str, str]] = field(default_factory=list)
    touched: list[str] = field(default_factory=list)  # metadata moved, bytes did not
    deleted: list[str] = field(default_factory=list)
    deferred: int = 0  # over this tick's hashing budget: seen again next time
    index: dict[str, list] = field(default_factory=dict)  # the index to keep after this tick

    @property
    def to_convert(self) -> list[tuple[str, str]]:
        return sorted(self.new + self.changed)

    def pending(self) -> list[str]:
        """Keys whose current digest has not committed (new, changed, or left behind)."""
        return sorted(k for k, e in self.index.items() if e[DIGEST] != done_of(e))


def done_of(entry: list) -> str | None:
    return entry[DONE] if len(entry) > DONE else None


def detect(
    files: Sequence[LandingFile],
    index: dict[str, list],
    hasher: Callable[[str], str],
    max_files: int = 10_000,
    max_bytes: int = 4 << 30,
) -> Changes:
    """Compare a landing listing with the index. Work per call is capped: files beyond the
    budget keep their old index entry (or none) and are picked up by the next call.
    `hasher(key)` returns a file's sha256, or an `unreadable:` identity when it cannot."""
    result = Changes(index=dict(index))
    hashed_files = hashed_bytes = 0
    seen = set()
    for f in files:
        seen.add(f.relpath)
        known = index.get(f.relpath)
        if (
            known
            and known[SIZE] == f.size
            and known[MTIME] == f.mtime_ns
            and digest_kind(known[DIGEST]) is f.kind
        ):
            continue
        if f.kind is EntryKind.FILE:
            if hashed_files >= max_files or (hashed_files and hashed_bytes + f.size > max_bytes):
                result.deferred += 1
                continue
            digest = hasher(f.relpath)
            hashed_files += 1
            hashed_bytes += f.size
        else:
            digest = f.identity or ""
        done = done_of(known) if known else None
        result.index[f.relpath] = [f.size, f.mtime_ns, digest, done]
        if known is None:
            result.new.append((f.relpath, digest))
        elif known[DIGEST] != digest:
            result.changed.append((f.relpath, digest))
        else:
            result.touched.append(f.relpath)
    for key in index:
        if key not in seen:
            result.deleted.append(key)
            result.index.pop(key, None)
    return result


def mark_done(index: dict[str, list], committed: dict[str, str]) -> list[str]:
    """Record committed digests (key -> digest); returns the keys that became done."""
    became = []
    for key, digest in committed.items():
        entry = index.get(key)
        if entry is None:
            continue
        entry.extend([None] * (DONE + 1 - len(entry)))
        if entry[DONE] != digest:
            entry[DONE] = digest
            if digest == entry[DIGEST]:
                became.append(key)
    return became


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
