"""Search quality, measured: recall@k and MRR of each mode on a labelled query set.

`config/search_queries.yaml` (or the user's copy, `NEXUS_HOME/config/search_queries.yaml`,
which replaces it) lists queries and what each must find, by record id or by landing file
(optionally the page or row), plus the floor each mode must reach:

    k: 10
    floor: {hybrid: {recall: 0.8, mrr: 0.6}, dense: {recall: 0.6}, lexical: {recall: 0.6}}
    queries:
      - query: "CEM III/A"
        kind: exact                      # exact (codes, names) or paraphrase
        relevant:
          - {path: materials/lca/oekobaudat_materials_excerpt.xlsx, row: 7}

A query's recall is the share of its `relevant` targets found in the top k (a target is found
when any record it describes is there); its reciprocal rank is 1 / the rank of the first hit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from nexus_platform.config_files import (
    ConfigFileError,
    ConfigModel,
    Integer,
    NonEmpty,
    Number,
    load_yaml_file,
)
from nexus_platform.search.catalog import Catalog
from nexus_platform.search.engine import MODES
from nexus_platform.settings import NexusPaths, is_local

REPO_QUERIES_FILE = Path(__file__).resolve().parents[2] / "config" / "search_queries.yaml"
QUERIES_FILE_NAME = "search_queries.yaml"

Share = Annotated[Number, Field(ge=0.0, le=1.0)]


class QueriesError(ConfigFileError):
    """The labelled query set cannot be used; the message names the file and the field."""


class Target(ConfigModel):
    """One thing a query must find: a record by id, or a landing file (page / row)."""

    id: NonEmpty | None = None
    path: NonEmpty | None = None
    page: Integer | None = None
    row: Integer | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Target:
        if (self.id is None) == (self.path is None):
            raise ValueError("give either id or path")
        if self.id is not None and (self.page is not None or self.row is not None):
            raise ValueError("page and row go with path, not with id")
        return self

    def matches(self, record_id: str, source: dict) -> bool:
        if self.id is not None:
            return record_id == self.id
        return (
            source.get("path") == self.path
            and (self.page is None or source.get("page") == self.page)
            and (self.row is None or source.get("row") == self.row)
        )

    def __str__(self) -> str:
        if self.id is not None:
            return f"id {self.id}"
        where = "".join(
            f" {name} {value}" for name, value in (("page", self.page), ("row", self.row)) if value
        )
        return f"{self.path}{where}"


class LabelledQuery(ConfigModel):
    query: Annotated[NonEmpty, Field(max_length=1000)]
    kind: Literal["exact", "paraphrase"] = "paraphrase"
    relevant: Annotated[tuple[Target, ...], Field(min_length=1)]


class Floor(ConfigModel):
    recall: Share = 0.0
    mrr: Share = 0.0


class QuerySet(ConfigModel):
    k: Annotated[Integer, Field(ge=1, le=100)] = 10
    floor: dict[Literal["hybrid", "dense", "lexical"], Floor] = {}
    queries: Annotated[tuple[LabelledQuery, ...], Field(min_length=1)]


def queries_file(paths: NexusPaths) -> Path:
    """The user's copy when there is one, else the shipped set."""
    user = paths.home / "config" / QUERIES_FILE_NAME
    if is_local(user) and Path(user.path).is_file():
        return Path(user.path)
    return REPO_QUERIES_FILE


def load_query_set(path: Path | str) -> QuerySet:
    return load_yaml_file(Path(path), QuerySet, error=QueriesError)


@dataclass
class ModeQuality:
    mode: str
    recall: float = 0.0
    mrr: float = 0.0
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)  # queries with no relevant hit
    error: str | None = None  # the mode could not answer at all

    def passes(self, floor: Floor | None) -> bool:
        if self.error is not None:
            return False
        if floor is None:
            return True
        return self.recall >= floor.recall and self.mrr >= floor.mrr


@dataclass
class QualityReport:
    k: int
    queries: int
    modes: dict[str, ModeQuality]
    unresolved: list[str]  # targets that describe no record of the knowledge base

    def failures(self, floors: Mapping[Any, Floor]) -> list[str]:
        out = []
        for mode, quality in self.modes.items():
            floor = floors.get(mode)
            if quality.error is not None:
                out.append(f"{mode}: broken ({quality.error})")
            elif not quality.passes(floor):
                assert floor is not None
                out.append(
                    f"{mode}: recall@{self.k} {quality.recall:.3f} (floor {floor.recall}), "
                    f"MRR {quality.mrr:.3f} (floor {floor.mrr})"
                )
        return out


def _score(query: LabelledQuery, hits: Sequence[tuple[str, dict]], k: int) -> tuple[float, float]:
    """(recall, reciprocal rank) of one query's top-k hits (record id, source)."""
    found = [any(t.matches(rid, src) for rid, src in hits[:k]) for t in query.relevant]
    first = next(
        (
            rank
            for rank, (rid, src) in enumerate(hits[:k], 1)
            if any(t.matches(rid, src) for t in query.relevant)
        ),
        None,
    )
    return sum(found) / len(found), (1.0 / first if first else 0.0)


def evaluate(
    query_set: QuerySet,
    search: Callable[[str, int, str], Sequence[tuple[str, dict]]],
    catalog: Catalog | None = None,
    modes: Sequence[str] = MODES,
) -> QualityReport:
    """Run every query in every mode through `search(query, k, mode) -> [(id, source)]`."""
    unresolved = []
    if catalog is not None:
        by_path: dict[str, list[dict]] = {}
        for source in catalog.sources:
            by_path.setdefault(source.get("path") or "", []).append(source)
        for labelled in query_set.queries:
            for target in labelled.relevant:
                if target.id is not None:
                    resolved = target.id in catalog.row_of
                else:
                    resolved = any(
                        target.matches("", s) for s in by_path.get(target.path or "", [])
                    )
                if not resolved:
                    unresolved.append(f"{labelled.query!r}: {target}")
    k = query_set.k
    report = QualityReport(k=k, queries=len(query_set.queries), modes={}, unresolved=unresolved)
    for mode in modes:
        quality = ModeQuality(mode)
        per_kind: dict[str, list[tuple[float, float]]] = {}
        try:
            for labelled in query_set.queries:
                recall, rr = _score(labelled, search(labelled.query, k, mode), k)
                per_kind.setdefault(labelled.kind, []).append((recall, rr))
                if rr == 0.0:
                    quality.misses.append(labelled.query)
        except (LookupError, ValueError, OSError, RuntimeError) as exc:
            quality.error = f"{type(exc).__name__}: {exc}"
        scores = [s for kind in per_kind.values() for s in kind]
        if scores and quality.error is None:
            quality.recall = sum(r for r, _ in scores) / len(scores)
            quality.mrr = sum(rr for _, rr in scores) / len(scores)
            quality.by_kind = {
                kind: {
                    "recall": sum(r for r, _ in values) / len(values),
                    "mrr": sum(rr for _, rr in values) / len(values),
                    "queries": len(values),
                }
                for kind, values in sorted(per_kind.items())
            }
        report.modes[mode] = quality
    return report


def engine_search(engine) -> Callable[[str, int, str], list[tuple[str, dict]]]:
    """`evaluate`'s search function over a `SearchEngine`."""

    def run(query: str, k: int, mode: str) -> list[tuple[str, dict]]:
        response = engine.search(query, k=k, mode=mode)
        return [(r.id, r.source) for r in response.results]

    return run
