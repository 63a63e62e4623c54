"""`where` filters of a search: `folder=<prefix>`, `file_type=<ext>`, `topic=<label>` and
`<task>=<label>` for any annotated classification task (e.g. `esg_sentiment=negative`).

Filters combine with AND. A filter that leaves nothing is named in the answer, with the values
that do exist, so "no results" is never a mystery.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

FOLDER, FILE_TYPE, TOPIC = "folder", "file_type", "topic"
SOURCE_KEYS = (FOLDER, FILE_TYPE)
MAX_WHERE = 20
MAX_WHERE_CHARS = 200
_SHOWN_VALUES = 12


class FilterError(ValueError):
    """A `where` that cannot be read (not key=value, empty, too long)."""


@dataclass(frozen=True)
class Where:
    key: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Where:
        if len(text) > MAX_WHERE_CHARS:
            raise FilterError(f"where: at most {MAX_WHERE_CHARS} characters, got {len(text)}")
        key, sep, value = text.partition("=")
        key, value = key.strip().lower().replace("-", "_"), value.strip()
        if not sep or not key or not value:
            raise FilterError(f"where {text!r}: expected key=value, e.g. file_type=pdf")
        if key == FOLDER:
            value = value.strip("/")
        elif key == FILE_TYPE:
            value = value.lower().lstrip(".")
        if not value:
            raise FilterError(f"where {text!r}: the value is empty")
        return cls(key, value)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


def parse_where(items: Iterable[str]) -> list[Where]:
    wheres = [Where.parse(item) for item in items]
    if len(wheres) > MAX_WHERE:
        raise FilterError(f"where: at most {MAX_WHERE} filters, got {len(wheres)}")
    return list(dict.fromkeys(wheres))


def _listing(values: Iterable[str]) -> str:
    ordered = sorted(set(values))
    if not ordered:
        return "none"
    more = f", … ({len(ordered)} in all)" if len(ordered) > _SHOWN_VALUES else ""
    return ", ".join(ordered[:_SHOWN_VALUES]) + more


@dataclass(frozen=True)
class FilterOutcome:
    """Which records pass (None: no filter), and when none does, which filter emptied it."""

    mask: np.ndarray | None
    matching: int
    emptied_by: str | None = None
    reason: str | None = None


class RecordFilters:
    """Masks over the records of one catalog snapshot, computed once per distinct filter."""

    def __init__(
        self,
        folder_paths: Sequence[str],
        file_types: Sequence[str],
        labels: dict[str, dict[str, np.ndarray]],
        topics: dict[str, np.ndarray],
    ):
        import pyarrow as pa

        self.count = len(folder_paths)
        self._folders = pa.array(folder_paths, pa.string())
        self._file_types = np.asarray(file_types, dtype=object)
        self._labels = labels  # task -> label -> mask
        self._topics = topics  # topic label -> mask
        self._cache: dict[Where, np.ndarray] = {}

    @property
    def file_types(self) -> list[str]:
        return sorted({t for t in self._file_types if t})

    def folders(self, depth: int = 2) -> list[str]:
        """Folder prefixes up to `depth` levels, for pickers."""
        out: set[str] = set()
        for path in set(self._folders.to_pylist()):
            parts = [p for p in (path or "").split("/") if p]
            out.update("/".join(parts[: i + 1]) for i in range(min(depth, len(parts))))
        return sorted(out)

    @property
    def tasks(self) -> dict[str, list[str]]:
        return {task: sorted(labels) for task, labels in sorted(self._labels.items())}

    @property
    def topics(self) -> list[str]:
        return sorted(self._topics)

    def _mask(self, where: Where) -> np.ndarray:
        import pyarrow.compute as pc

        cached = self._cache.get(where)
        if cached is not None:
            return cached
        if where.key == FOLDER:
            mask = pc.or_(
                pc.equal(self._folders, where.value),
                pc.starts_with(self._folders, where.value + "/"),
            )
            result = mask.fill_null(False).to_numpy(zero_copy_only=False)
        elif where.key == FILE_TYPE:
            result = self._file_types == where.value
        elif where.key == TOPIC:
            result = self._topics.get(where.value, np.zeros(self.count, dtype=bool))
        else:
            by_label = self._labels.get(where.key, {})
            result = by_label.get(where.value, np.zeros(self.count, dtype=bool))
        self._cache[where] = result
        return result

    def _why_empty(self, where: Where) -> str:
        if where.key == FOLDER:
            return f"no record is under folder={where.value} (folders: {_listing(self.folders(1))})"
        if where.key == FILE_TYPE:
            return (
                f"no record has file_type={where.value} (file types: {_listing(self.file_types)})"
            )
        if where.key == TOPIC:
            if not self._topics:
                return f"no record has topic={where.value} (no topic annotations yet)"
            return f"no record has topic={where.value} (topics: {_listing(self._topics)})"
        if where.key not in self._labels:
            known = ", ".join([FOLDER, FILE_TYPE, TOPIC, *sorted(self._labels)])
            return (
                f"no record has a {where.key!r} annotation (filter keys: {known}; annotated "
                f"tasks: {_listing(self._labels)})"
            )
        labels = _listing(self._labels[where.key])
        return f"no record has {where} ({where.key} labels: {labels})"

    def apply(self, wheres: Sequence[Where]) -> FilterOutcome:
        if not wheres:
            return FilterOutcome(None, self.count)
        mask = np.ones(self.count, dtype=bool)
        for i, where in enumerate(wheres):
            alone = self._mask(where)
            mask = mask & alone
            if not mask.any():
                if not alone.any():
                    reason = self._why_empty(where)
                else:
                    before = " and ".join(str(w) for w in wheres[:i])
                    reason = f"no record has {where} together with {before}"
                return FilterOutcome(mask, 0, emptied_by=str(where), reason=reason)
        return FilterOutcome(mask, int(mask.sum()))
