"""Task specs: a small YAML file per ML task, parsed and validated before anything trains.

A spec lives in the repo's `tasks/` folder (the shipped samples) or in `NEXUS_HOME/tasks/`
(the user's own; a user spec with the same name replaces the shipped one). Every error names
the spec file and the field so that a wrong column name is fixed in seconds, not after a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, with_config
from upath import UPath

from nexus_platform.config_files import (
    FORBID_EXTRA,
    AssetName,
    ConfigFileError,
    ConfigModel,
    Integer,
    Names,
    NonEmpty,
    Number,
    read_yaml,
    validate,
)
from nexus_platform.ml.robustness import TEXT_PERTURBATIONS

TaskKind = Literal["text_classification", "token_classification", "language_model"]
KINDS: tuple[str, ...] = ("text_classification", "token_classification", "language_model")

# The primary metric each kind is judged on, and whether higher is better.
PRIMARY_METRIC = {
    "text_classification": ("macro_f1", True),
    "token_classification": ("entity_f1", True),
    "language_model": ("perplexity", False),
}

REPO_TASKS_DIR = Path(__file__).resolve().parents[2] / "tasks"


class SpecError(ConfigFileError):
    """A task spec that cannot work, naming the spec file and the offending field."""

    @property
    def spec_file(self) -> str:
        return self.file


class SourceNotLanded(SpecError):
    """The spec is fine but its source table has not landed (yet): nothing to train on."""


@with_config(FORBID_EXTRA)
@dataclass(frozen=True)
class SplitSpec:
    test_size: Annotated[Number, Field(gt=0, lt=1)] = 0.2
    stratify: bool = True
    seed: Integer = 42


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


# The file format. `model` stays a free mapping here: each kind's model settings are typed and
# checked by its model config (`pipeline.model_config`) when the dataset stage starts.


class Robustness(ConfigModel):
    perturbations: list[str] | None = None  # None: every perturbation that fits the kind
    rate: Annotated[Number, Field(gt=0, le=1)] = 0.15  # share of words perturbed
    lexicon: Annotated[Literal["esg", "none"], BeforeValidator(lambda v: v or "none")] = "esg"
    max_examples: Annotated[Integer, Field(gt=0)] = 300  # held-out rows perturbed

    @field_validator("perturbations")
    @classmethod
    def _known(cls, names: list[str] | None) -> list[str] | None:
        unknown = sorted(set(names or ()) - set(TEXT_PERTURBATIONS))
        if unknown:
            raise ValueError(f"unknown {unknown}; known: {', '.join(TEXT_PERTURBATIONS)}")
        return names


class _Spec(ConfigModel):
    name: AssetName
    kind: str
    source: NonEmpty
    description: str = ""
    metadata_columns: Names | None = None
    split: SplitSpec = SplitSpec()
    model: dict[str, Any] = {}
    robustness: Robustness = Robustness()


# Thresholds per kind: the primary metric's bound and the largest metric drop allowed under
# perturbations. Perplexity depends on the corpus; its default bound only catches a broken model.
class _TextThresholds(ConfigModel):
    min_macro_f1: Number = 0.6
    max_robustness_drop: Number = 0.15


class _TokenThresholds(ConfigModel):
    min_entity_f1: Number = 0.5
    max_robustness_drop: Number = 0.2


class _LanguageModelThresholds(ConfigModel):
    max_perplexity: Number = 5000.0
    max_robustness_drop: Number = 0.9


class _TextClassificationSpec(_Spec):
    text_columns: Names = ("text",)
    label_column: NonEmpty
    multi_label: bool = False
    label_separator: Annotated[str, Field(min_length=1)] = "|"
    thresholds: _TextThresholds = _TextThresholds()


class _TokenClassificationSpec(_Spec):
    tokens_column: NonEmpty
    tags_column: NonEmpty
    thresholds: _TokenThresholds = _TokenThresholds()


class _LanguageModelSpec(_Spec):
    text_columns: Names = ("text",)
    thresholds: _LanguageModelThresholds = _LanguageModelThresholds()


_SPEC_FORMATS: dict[str, type[_Spec]] = {
    "text_classification": _TextClassificationSpec,
    "token_classification": _TokenClassificationSpec,
    "language_model": _LanguageModelSpec,
}


class _Kind(BaseModel):
    """Read first: which fields a spec may have depends on its kind."""

    model_config = ConfigDict(extra="ignore")
    kind: TaskKind


def parse_spec(raw: Any, spec_file: str) -> TaskSpec:
    """Validate the structure of one spec (columns are checked against the table later)."""
    kind = validate(raw, _Kind, spec_file, SpecError).kind
    parsed = validate(raw, _SPEC_FORMATS[kind], spec_file, SpecError)
    values = dict(parsed)
    values["thresholds"] = parsed.thresholds.model_dump()  # type: ignore[attr-defined]
    values["robustness"] = parsed.robustness.model_dump(exclude_none=True)
    return TaskSpec(spec_file=spec_file, **values)


def load_spec(path: Path | UPath | str) -> TaskSpec:
    path = UPath(path) if not isinstance(path, Path | UPath) else path
    return parse_spec(read_yaml(path, SpecError), str(path))


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


@dataclass(frozen=True)
class SpecDiscovery:
    specs: tuple[TaskSpec, ...]  # the valid ones, by name
    errors: tuple[SpecError, ...]  # one per spec file left out
    files: tuple[str, ...]  # every spec file read


def discover_specs(folders: list[Path | UPath]) -> SpecDiscovery:
    """Every spec of the folders, in order; a later folder's spec replaces an earlier one of
    the same name (the user's `NEXUS_HOME/tasks` overrides the shipped samples). A spec that
    does not validate is left out with its error: one bad file never hides the others."""
    found: dict[str, TaskSpec] = {}
    errors: list[SpecError] = []
    files: list[str] = []
    for folder in folders:
        seen_here: dict[str, str] = {}
        for path in spec_files(folder):
            files.append(str(path))
            try:
                spec = load_spec(path)
                if spec.name in seen_here:
                    raise spec.error(
                        "name", f"{spec.name!r} is also defined in {seen_here[spec.name]}"
                    )
            except SpecError as exc:
                errors.append(exc)
                continue
            seen_here[spec.name] = str(path)
            found[spec.name] = spec
    return SpecDiscovery(
        specs=tuple(sorted(found.values(), key=lambda s: s.name)),
        errors=tuple(errors),
        files=tuple(files),
    )


def task_folders(home_tasks: Path | UPath | None) -> list[Path | UPath]:
    folders: list[Path | UPath] = [REPO_TASKS_DIR]
    # Definitions load on every run and must not wait on the network: user specs are read
    # from a local NEXUS_HOME only; in production they ship in the image's tasks/ folder.
    if home_tasks is not None and getattr(home_tasks, "protocol", "") in ("", "file", "local"):
        folders.append(home_tasks)
    return folders
