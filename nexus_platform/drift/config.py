"""Which incoming tables are checked, against what, and how strictly: `config/drift.yaml`.

```yaml
defaults:                      # optional; every key below has a built-in default
  min_rows: 30                 # fewer rows than this: "not enough rows", not a test
  sample_rows: 10000           # statistical tests run on at most this many rows per side
  embedding_sample_rows: 1000  # texts embedded per side for embedding drift
  max_categories: 50           # rarer categories fold into "__other__"
  thresholds: {numeric_drift: 0.2, categorical_drift: 0.2, label_drift: 0.2, ...}
tables:
  - incoming: "reviews/**/*.csv"   # glob on the path under the landing root
    tables: [sentiment]            # optional: only these tables of the file
    reference: previous            # | {table: landing/reviews/base.csv} | {task: esg_sentiment}
    label: label
    text: [text]
    ignore: [id]                   # columns left out of drift (identifiers, timestamps)
    thresholds: {numeric_drift: 0.3}
```

A bad file fails with `ConfigError` naming the file and the field; where the platform must go on
without it (`rules_in_force`), a bad file defines no rules: nothing is checked until it is fixed,
and the platform_configuration check names the error.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, with_config

from nexus_platform.config_files import (
    FORBID_EXTRA,
    ConfigFileError,
    ConfigModel,
    Integer,
    Names,
    NonEmpty,
    Number,
    or_default,
    read_yaml,
    validate,
)
from nexus_platform.globbing import path_matches

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "config" / "drift.yaml"

Score = Annotated[Number, Field(ge=0)]
Rows = Annotated[Integer, Field(ge=0)]


class ConfigError(ConfigFileError):
    """A drift configuration that cannot be used, naming the file and the field."""


@with_config(FORBID_EXTRA)
@dataclass(frozen=True)
class Thresholds:
    numeric_drift: Score = 0.2  # Kolmogorov-Smirnov statistic per numeric column
    categorical_drift: Score = 0.2  # Cramer's V per categorical column
    new_category_ratio: Score = 0.05  # share of incoming rows whose category the reference lacks
    label_drift: Score = 0.2  # Cramer's V (classes) or KS (numeric label)
    embedding_drift: Score = 0.3  # 2 * AUC - 1 of the domain classifier on text embeddings
    property_drift: Score = 0.3  # KS per text property (length, words, special characters)
    max_null_ratio: Score = 0.5  # per column
    max_duplicate_ratio: Score = 0.2  # identical rows
    max_conflicting_label_ratio: Score = 0.05  # identical inputs with different labels


@with_config(FORBID_EXTRA)
@dataclass(frozen=True)
class CheckSettings:
    min_rows: Rows = 30
    sample_rows: Rows = 10_000
    embedding_sample_rows: Rows = 1_000
    integrity_sample_rows: Rows = 100_000
    max_categories: Rows = 50
    seed: Rows = 42
    thresholds: Thresholds = field(default_factory=Thresholds)


@dataclass(frozen=True)
class Reference:
    """`previous`: the last accepted version of the same table; `table`: another table (a path
    under NEXUS_HOME, a landing path, or a file path); `task`: the training set of an ML task."""

    kind: Literal["previous", "table", "task", "none"]
    value: str = ""

    def describe(self) -> str:
        return self.kind if not self.value else f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class TableRule:
    incoming: str
    reference: Reference
    tables: tuple[str, ...] = ()
    label: str | None = None
    text: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    settings: CheckSettings = field(default_factory=CheckSettings)

    def matches(self, relpath: str, table: str | None = None) -> bool:
        if not path_matches(self.incoming, relpath):
            return False
        return table is None or not self.tables or table in self.tables


@dataclass(frozen=True)
class DriftConfig:
    source: str
    rules: tuple[TableRule, ...]
    defaults: CheckSettings

    def rule_for(self, relpath: str, table: str | None = None) -> TableRule | None:
        """The first rule whose glob matches (rules are tried in file order)."""
        for rule in self.rules:
            if rule.matches(relpath, table):
                return rule
        return None


def _reference(raw: Any) -> Reference:
    if raw is None or raw == "none":
        return Reference("none")
    if raw == "previous":
        return Reference("previous")
    if isinstance(raw, dict) and len(raw) == 1:
        ((kind, value),) = raw.items()
        if kind in ("table", "task") and isinstance(value, str) and value.strip():
            return Reference(kind, value.strip())
    raise ValueError(f"expected 'previous', {{table: PATH}} or {{task: NAME}}, got {raw!r}")


class _Rule(ConfigModel):
    incoming: NonEmpty
    tables: Names = ()
    reference: Annotated[Reference, BeforeValidator(_reference)] = Reference("previous")
    label: NonEmpty | None = None
    text: Names = ()
    ignore: Names = ()
    # Only the keys given replace the defaults' values (see `_overlay`).
    thresholds: Thresholds | None = None
    settings: CheckSettings | None = None


class _DriftFile(ConfigModel):
    defaults: CheckSettings = CheckSettings()
    tables: list[_Rule] = []


def _overlay(base: Any, validated: Any, given: dict) -> Any:
    """`base` with the fields written in the file (`given`) taken from their validated
    values; a nested section (thresholds) is overlaid the same way."""
    changes = {
        key: _overlay(getattr(base, key), getattr(validated, key), value)
        if isinstance(value, dict)
        else getattr(validated, key)
        for key, value in given.items()
    }
    return replace(base, **changes)


def parse_config(data: Any, source: str = "<config>") -> DriftConfig:
    parsed = validate({} if data is None else data, _DriftFile, source, ConfigError)
    rules = []
    for rule, raw in zip(parsed.tables, data["tables"] if parsed.tables else [], strict=True):
        settings = parsed.defaults
        if rule.settings is not None:
            settings = _overlay(settings, rule.settings, raw["settings"])
        if rule.thresholds is not None:
            thresholds = _overlay(settings.thresholds, rule.thresholds, raw["thresholds"])
            settings = replace(settings, thresholds=thresholds)
        rules.append(
            TableRule(
                incoming=rule.incoming,
                reference=rule.reference,
                tables=rule.tables,
                label=rule.label,
                text=rule.text,
                ignore=rule.ignore,
                settings=settings,
            )
        )
    return DriftConfig(source=source, rules=tuple(rules), defaults=parsed.defaults)


def load_config(path: str | Path | None = None) -> DriftConfig:
    """Read a drift config file (default: the repo's `config/drift.yaml`)."""
    path = Path(path) if path else DEFAULT_CONFIG
    return parse_config(read_yaml(path, ConfigError), str(path))


def rules_in_force(path: str | Path | None = None) -> DriftConfig:
    """The drift rules the platform applies: those of the file, or none while the file does not
    validate (its error is logged and shown by the platform_configuration check)."""
    path = Path(path) if path else DEFAULT_CONFIG
    empty = DriftConfig(source=str(path), rules=(), defaults=CheckSettings())
    return or_default(lambda: load_config(path), empty)
