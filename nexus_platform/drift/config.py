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

A bad file fails with `ConfigError` naming the file and the field.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from nexus_platform.globbing import path_matches

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "config" / "drift.yaml"


class ConfigError(ValueError):
    def __init__(self, file: str | Path, field_path: str, message: str):
        super().__init__(f"{file}: {field_path}: {message}")
        self.file = str(file)
        self.field = field_path


@dataclass(frozen=True)
class Thresholds:
    numeric_drift: float = 0.2  # Kolmogorov-Smirnov statistic per numeric column
    categorical_drift: float = 0.2  # Cramer's V per categorical column
    new_category_ratio: float = 0.05  # share of incoming rows whose category the reference lacks
    label_drift: float = 0.2  # Cramer's V (classes) or KS (numeric label)
    embedding_drift: float = 0.3  # 2 * AUC - 1 of the domain classifier on text embeddings
    property_drift: float = 0.3  # KS per text property (length, words, special characters)
    max_null_ratio: float = 0.5  # per column
    max_duplicate_ratio: float = 0.2  # identical rows
    max_conflicting_label_ratio: float = 0.05  # identical inputs with different labels


@dataclass(frozen=True)
class CheckSettings:
    min_rows: int = 30
    sample_rows: int = 10_000
    embedding_sample_rows: int = 1_000
    integrity_sample_rows: int = 100_000
    max_categories: int = 50
    seed: int = 42
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


def _merge_dataclass(cls, base, raw: Any, file, where: str):
    """`base` with the numbers in `raw` replacing its fields (a nested `thresholds` too)."""
    if raw is None:
        return base
    if not isinstance(raw, dict):
        raise ConfigError(file, where, f"expected a mapping, got {type(raw).__name__}")
    known = {f.name for f in dataclasses.fields(cls)}
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(file, f"{where}.{key}", f"unknown key (known: {sorted(known)})")
        if key == "thresholds":
            changes[key] = _merge_dataclass(
                Thresholds, base.thresholds, value, file, f"{where}.{key}"
            )
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(file, f"{where}.{key}", f"expected a number, got {value!r}")
        if value < 0:
            raise ConfigError(file, f"{where}.{key}", f"must not be negative, got {value}")
        changes[key] = type(getattr(base, key))(value)
    return replace(base, **changes)


def _reference(raw: Any, file, where: str) -> Reference:
    if raw is None or raw == "none":
        return Reference("none")
    if raw == "previous":
        return Reference("previous")
    if isinstance(raw, dict) and len(raw) == 1:
        ((kind, value),) = raw.items()
        if kind in ("table", "task") and isinstance(value, str) and value.strip():
            return Reference(kind, value.strip())
    raise ConfigError(
        file, where, f"expected 'previous', {{table: PATH}} or {{task: NAME}}, got {raw!r}"
    )


def _names(raw: Any, file, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(x, str) and x for x in raw):
        raise ConfigError(file, where, f"expected a list of column names, got {raw!r}")
    return tuple(raw)


def parse_config(data: Any, source: str = "<config>") -> DriftConfig:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(source, "(top level)", "expected a mapping with 'tables'")
    unknown = set(data) - {"defaults", "tables"}
    if unknown:
        raise ConfigError(source, sorted(unknown)[0], "unknown key (known: defaults, tables)")
    defaults = _merge_dataclass(
        CheckSettings, CheckSettings(), data.get("defaults"), source, "defaults"
    )
    raw_rules = data.get("tables") or []
    if not isinstance(raw_rules, list):
        raise ConfigError(source, "tables", "expected a list of table rules")
    rules = []
    allowed = {
        "incoming",
        "tables",
        "reference",
        "label",
        "text",
        "ignore",
        "thresholds",
        "settings",
    }
    for index, raw in enumerate(raw_rules):
        where = f"tables[{index}]"
        if not isinstance(raw, dict):
            raise ConfigError(source, where, "expected a mapping")
        for key in raw:
            if key not in allowed:
                raise ConfigError(
                    source, f"{where}.{key}", f"unknown key (known: {sorted(allowed)})"
                )
        incoming = raw.get("incoming")
        if not isinstance(incoming, str) or not incoming.strip():
            raise ConfigError(source, f"{where}.incoming", "required: a path glob under landing/")
        label = raw.get("label")
        if label is not None and (not isinstance(label, str) or not label):
            raise ConfigError(source, f"{where}.label", f"expected a column name, got {label!r}")
        settings = _merge_dataclass(
            CheckSettings, defaults, raw.get("settings"), source, f"{where}.settings"
        )
        if "thresholds" in raw:
            settings = replace(
                settings,
                thresholds=_merge_dataclass(
                    Thresholds,
                    settings.thresholds,
                    raw["thresholds"],
                    source,
                    f"{where}.thresholds",
                ),
            )
        rules.append(
            TableRule(
                incoming=incoming.strip(),
                reference=_reference(
                    raw.get("reference", "previous"), source, f"{where}.reference"
                ),
                tables=_names(raw.get("tables"), source, f"{where}.tables"),
                label=label,
                text=_names(raw.get("text"), source, f"{where}.text"),
                ignore=_names(raw.get("ignore"), source, f"{where}.ignore"),
                settings=settings,
            )
        )
    return DriftConfig(source=source, rules=tuple(rules), defaults=defaults)


def load_config(path: str | Path | None = None) -> DriftConfig:
    """Read a drift config file (default: the repo's `config/drift.yaml`)."""
    import yaml

    path = Path(path) if path else DEFAULT_CONFIG
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, "(file)", "not found") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(path, "(yaml)", str(exc).replace("\n", " ")) from None
    return parse_config(data, str(path))
