"""Task specs: a small YAML file per ML task, parsed and validated before anything trains.

A spec lives in the repo's `tasks/` folder (the shipped samples) or in `NEXUS_HOME/tasks/`
(the user's own; a user spec with the same name replaces the shipped one). Every error names
the spec file and the field so that a wrong column name is fixed in seconds, not after a run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from upath import UPath

TaskKind = Literal["text_classification", "token_classification", "language_model"]
KINDS: tuple[str, ...] = ("text_classification", "token_classification", "language_model")

# The primary metric each kind is judged on, and whether higher is better.
PRIMARY_METRIC = {
    "text_classification": ("macro_f1", True),
    "token_classification": ("entity_f1", True),
    "language_model": ("perplexity", False),
}

REPO_TASKS_DIR = Path(__file__).resolve().parents[2] / "tasks"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class SpecError(ValueError):
    """A task spec that cannot work, naming the spec file and the offending field."""

    def __init__(self, spec_file: str, field_name: str, message: str):
        self.spec_file = spec_file
        self.field = field_name
        self.message = message
        super().__init__(f"{spec_file}: field '{field_name}': {message}")


class SourceNotLanded(SpecError):
    """The spec is fine but its source table has not landed (yet): nothing to train on."""


@dataclass(frozen=True)
class SplitSpec:
    test_size: float = 0.2
    stratify: bool = True
    seed: int = 42


@dataclass(frozen=True)
class TaskSpec:
    name: str
    kind: str
    source: str
    spec_file: str
    text_columns: tuple[str, ...] = ()
    label_column: str | None = None
    multi_label: bool = False
    label_separator: str = "|"
    tokens_column: str | None = None
    tags_column: str | None = None
    metadata_columns: tuple[str, ...] | None = None  # None: every other column
    split: SplitSpec = field(default_factory=SplitSpec)
    model: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    robustness: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    @property
    def primary_metric(self) -> tuple[str, bool]:
        return PRIMARY_METRIC[self.kind]

    @property
    def input_columns(self) -> tuple[str, ...]:
        """The columns the dataset needs from the source table."""
        if self.kind == "token_classification":
            return (self.tokens_column or "", self.tags_column or "")
        if self.kind == "text_classification":
            return (*self.text_columns, self.label_column or "")
        return self.text_columns

    def error(self, field_name: str, message: str) -> SpecError:
        return SpecError(self.spec_file, field_name, message)

    def quality_threshold(self) -> tuple[str, float, bool]:
        """(metric, bound, higher_is_better) that `quality_ok` enforces."""
        metric, higher = self.primary_metric
        key = f"min_{metric}" if higher else f"max_{metric}"
        return metric, float(self.thresholds[key]), higher

    def max_robustness_drop(self) -> float:
        return float(self.thresholds["max_robustness_drop"])


DEFAULT_THRESHOLDS = {
    "text_classification": {"min_macro_f1": 0.6, "max_robustness_drop": 0.15},
    "token_classification": {"min_entity_f1": 0.5, "max_robustness_drop": 0.2},
    # Perplexity depends on the corpus; the bound only catches a broken model.
    "language_model": {"max_perplexity": 5000.0, "max_robustness_drop": 0.9},
}


def _str_list(spec_file: str, name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise SpecError(spec_file, name, f"must be a list of column names, got {value!r}")
    return tuple(value)


def _required_str(spec_file: str, raw: dict, name: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise SpecError(spec_file, name, "is required and must be a non-empty string")
    return value.strip()


def _split(spec_file: str, raw: Any) -> SplitSpec:
    if raw is None:
        return SplitSpec()
    if not isinstance(raw, dict):
        raise SpecError(spec_file, "split", "must be a mapping like {test_size: 0.2, seed: 42}")
    unknown = set(raw) - {"test_size", "stratify", "seed"}
    if unknown:
        raise SpecError(spec_file, "split", f"unknown keys {sorted(unknown)}")
    split = SplitSpec(
        test_size=float(raw.get("test_size", 0.2)),
        stratify=bool(raw.get("stratify", True)),
        seed=int(raw.get("seed", 42)),
    )
    if not 0.0 < split.test_size < 1.0:
        raise SpecError(spec_file, "split.test_size", f"must be in (0, 1), got {split.test_size}")
    return split


def parse_spec(raw: Any, spec_file: str) -> TaskSpec:
    """Validate the structure of one spec (columns are checked against the table later)."""
    if not isinstance(raw, dict):
        raise SpecError(spec_file, "<root>", "a task spec must be a YAML mapping")
    name = _required_str(spec_file, raw, "name")
    if not _NAME.match(name):
        raise SpecError(spec_file, "name", f"{name!r} must be snake_case (it becomes asset keys)")
    kind = _required_str(spec_file, raw, "kind")
    if kind not in KINDS:
        raise SpecError(spec_file, "kind", f"unknown kind {kind!r}; expected one of {KINDS}")
    source = _required_str(spec_file, raw, "source")
    metadata = raw.get("metadata_columns")
    model = raw.get("model") or {}
    if not isinstance(model, dict):
        raise SpecError(spec_file, "model", "must be a mapping of model settings")
    thresholds = dict(DEFAULT_THRESHOLDS[kind])
    given = raw.get("thresholds") or {}
    if not isinstance(given, dict):
        raise SpecError(spec_file, "thresholds", "must be a mapping")
    for key, value in given.items():
        if not isinstance(value, int | float):
            raise SpecError(spec_file, f"thresholds.{key}", f"must be a number, got {value!r}")
        thresholds[key] = float(value)
    robustness = raw.get("robustness") or {}
    if not isinstance(robustness, dict):
        raise SpecError(spec_file, "robustness", "must be a mapping {perturbations, rate, lexicon}")
    unknown = set(robustness) - {"perturbations", "rate", "lexicon", "max_examples"}
    if unknown:
        raise SpecError(spec_file, "robustness", f"unknown keys {sorted(unknown)}")
    from nexus_platform.ml.robustness import TEXT_PERTURBATIONS

    unknown = set(robustness.get("perturbations") or []) - set(TEXT_PERTURBATIONS)
    if unknown:
        raise SpecError(
            spec_file,
            "robustness.perturbations",
            f"unknown {sorted(unknown)}; known: {TEXT_PERTURBATIONS}",
        )
    if robustness.get("lexicon", "esg") not in ("esg", None, "none"):
        raise SpecError(spec_file, "robustness.lexicon", "must be 'esg' or 'none'")

    # Fields shared by every kind; Any because the values differ in type per field.
    common: dict[str, Any] = dict(
        name=name,
        kind=kind,
        source=source,
        spec_file=spec_file,
        metadata_columns=None
        if metadata is None
        else _str_list(spec_file, "metadata_columns", metadata),
        split=_split(spec_file, raw.get("split")),
        model=dict(model),
        thresholds=thresholds,
        robustness=dict(robustness),
        description=str(raw.get("description") or ""),
    )
    if kind == "text_classification":
        return TaskSpec(
            **common,
            text_columns=_str_list(spec_file, "text_columns", raw.get("text_columns", ["text"])),
            label_column=_required_str(spec_file, raw, "label_column"),
            multi_label=bool(raw.get("multi_label", False)),
            label_separator=str(raw.get("label_separator", "|")),
        )
    if kind == "token_classification":
        return TaskSpec(
            **common,
            tokens_column=_required_str(spec_file, raw, "tokens_column"),
            tags_column=_required_str(spec_file, raw, "tags_column"),
        )
    text_columns = raw.get("text_columns", ["text"])
    return TaskSpec(**common, text_columns=_str_list(spec_file, "text_columns", text_columns))


def load_spec(path: Path | UPath | str) -> TaskSpec:
    path = UPath(path) if not isinstance(path, Path | UPath) else path
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(str(path), "<yaml>", f"not valid YAML: {exc}") from exc
    return parse_spec(raw, str(path))


def spec_files(folder: Path | UPath) -> list[Path | UPath]:
    if not folder.exists():
        return []
    return sorted(
        (
            p
            for p in folder.iterdir()
            if p.name.endswith((".yaml", ".yml")) and not p.name.startswith(".")
        ),
        key=lambda p: p.name,
    )


def discover_specs(folders: list[Path | UPath]) -> list[TaskSpec]:
    """Load every spec from the folders in order; a later folder's spec replaces an earlier one
    of the same name (the user's `NEXUS_HOME/tasks` overrides the shipped samples)."""
    found: dict[str, TaskSpec] = {}
    for folder in folders:
        seen_here: dict[str, str] = {}
        for path in spec_files(folder):
            spec = load_spec(path)
            if spec.name in seen_here:
                raise SpecError(
                    str(path), "name", f"{spec.name!r} is also defined in {seen_here[spec.name]}"
                )
            seen_here[spec.name] = str(path)
            found[spec.name] = spec
    return sorted(found.values(), key=lambda s: s.name)


def task_folders(home_tasks: Path | UPath | None) -> list[Path | UPath]:
    folders: list[Path | UPath] = [REPO_TASKS_DIR]
    # Definitions load on every run and must not wait on the network: user specs are read
    # from a local NEXUS_HOME only; in production they ship in the image's tasks/ folder.
    if home_tasks is not None and getattr(home_tasks, "protocol", "") in ("", "file", "local"):
        folders.append(home_tasks)
    return folders
