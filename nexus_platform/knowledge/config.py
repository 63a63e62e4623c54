"""Settings of the knowledge base build, read from `config/knowledgebase.yaml`.

A mistake in the file fails the build early with a message naming the file and the field,
rather than silently producing a knowledge base without the expected text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parents[2] / "config" / "knowledgebase.yaml"


class KnowledgeConfigError(ValueError):
    """The knowledge base configuration (or a rule applied to a table) is wrong."""


@dataclass(frozen=True)
class ChunkingConfig:
    # all-MiniLM-L6-v2 reads at most 256 word pieces including [CLS]/[SEP]: 200 leaves room.
    max_tokens: int = 200
    overlap_tokens: int = 32


@dataclass(frozen=True)
class TextDetection:
    """What makes a string column "prose" when no rule names the text columns."""

    min_avg_chars: float = 20.0
    min_avg_words: float = 3.0
    # Characters per word (spaces included): prose ~5-7; tag sequences "O B-ORG O" ~2.5.
    min_chars_per_word: float = 3.5
    # Lower-case share of cased letters: prose is mostly lower case, labels and tag
    # sequences ("B-ORG I-ORG") are not. Scripts without case are not affected.
    min_lowercase_share: float = 0.3
    min_distinct_ratio: float = 0.3
    sample_rows: int = 2000


@dataclass(frozen=True)
class TableRule:
    """Tables whose landing path matches `path` (and name matches `table`) use `text_columns`."""

    path: str
    text_columns: tuple[str, ...]
    table: str = "*"
    separator: str = "\n"


@dataclass(frozen=True)
class KnowledgeConfig:
    chunking: ChunkingConfig = field(default_factory=ChunkingConfig)
    detection: TextDetection = field(default_factory=TextDetection)
    max_duplicate_share: float = 0.2
    rules: tuple[TableRule, ...] = ()
    source: str = "<defaults>"

    def fingerprint(self, rules: list[TableRule]) -> str:
        """What, besides the file's bytes, decides a file's records (part of its shard key)."""
        recipe = {
            "chunking": asdict(self.chunking),
            "detection": asdict(self.detection),
            "rules": [asdict(r) for r in rules],
        }
        return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]


_TOP_KEYS = {"chunking", "text_detection", "duplicates", "tables"}


# type[Any]: cls is always a config dataclass, whose __dataclass_fields__ plain `type` hides.
def _section(raw: dict, key: str, cls: type[Any], source: str):
    values = raw.get(key) or {}
    if not isinstance(values, dict):
        raise KnowledgeConfigError(f"{source}: '{key}' must be a mapping")
    known = set(cls.__dataclass_fields__)
    unknown = sorted(set(values) - known)
    if unknown:
        raise KnowledgeConfigError(
            f"{source}: unknown field(s) {unknown} in '{key}' (known: {sorted(known)})"
        )
    try:
        obj = cls(**{k: type(getattr(cls(), k))(v) for k, v in values.items()})
    except (TypeError, ValueError) as exc:
        raise KnowledgeConfigError(f"{source}: bad value in '{key}': {exc}") from exc
    return obj


def _rule(item: object, index: int, source: str) -> TableRule:
    where = f"{source}: tables[{index}]"
    if not isinstance(item, dict):
        raise KnowledgeConfigError(f"{where} must be a mapping with 'path' and 'text_columns'")
    unknown = sorted(set(item) - {"path", "table", "text_columns", "separator"})
    if unknown:
        raise KnowledgeConfigError(f"{where}: unknown field(s) {unknown}")
    if not isinstance(item.get("path"), str) or not item["path"]:
        raise KnowledgeConfigError(f"{where}.path must be a non-empty glob string")
    columns = item.get("text_columns")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise KnowledgeConfigError(f"{where}.text_columns must be a list of column names")
    return TableRule(
        path=item["path"],
        table=str(item.get("table", "*")),
        text_columns=tuple(columns),
        separator=str(item.get("separator", "\n")),
    )


def parse_config(raw: object, source: str) -> KnowledgeConfig:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise KnowledgeConfigError(f"{source}: expected a mapping at the top level")
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        raise KnowledgeConfigError(f"{source}: unknown field(s) {unknown}")
    chunking = _section(raw, "chunking", ChunkingConfig, source)
    if chunking.max_tokens < 8 or not 0 <= chunking.overlap_tokens < chunking.max_tokens // 2:
        raise KnowledgeConfigError(
            f"{source}: chunking.max_tokens must be >= 8 and overlap_tokens below half of it"
        )
    duplicates = raw.get("duplicates") or {}
    if not isinstance(duplicates, dict) or set(duplicates) - {"max_share"}:
        raise KnowledgeConfigError(f"{source}: 'duplicates' accepts only 'max_share'")
    max_share = float(duplicates.get("max_share", 0.2))
    if not 0.0 <= max_share <= 1.0:
        raise KnowledgeConfigError(f"{source}: duplicates.max_share must be within [0, 1]")
    tables = raw.get("tables") or []
    if not isinstance(tables, list):
        raise KnowledgeConfigError(f"{source}: 'tables' must be a list of rules")
    return KnowledgeConfig(
        chunking=chunking,
        detection=_section(raw, "text_detection", TextDetection, source),
        max_duplicate_share=max_share,
        rules=tuple(_rule(item, i, source) for i, item in enumerate(tables)),
        source=source,
    )


def load_config(path: str | Path | None = None) -> KnowledgeConfig:
    """Read the YAML file; without a path, the repository's file or built-in defaults."""
    import yaml

    if path is None or str(path) == "":
        if not DEFAULT_CONFIG_PATH.exists():
            return KnowledgeConfig()
        path = DEFAULT_CONFIG_PATH
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KnowledgeConfigError(f"{path}: knowledge base configuration not found") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeConfigError(f"{path}: not valid YAML: {exc}") from exc
    return parse_config(raw, str(path))
