"""Settings of the knowledge base build, read from `config/knowledgebase.yaml`.

A mistake in the file fails the build early with a message naming the file and the field,
rather than silently producing a knowledge base without the expected text (or rebuilding every
record with default settings): the last good knowledge base stays until the file is fixed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, with_config

from nexus_platform.config_files import (
    FORBID_EXTRA,
    ConfigFileError,
    ConfigModel,
    Integer,
    Names,
    NonEmpty,
    Number,
    load_yaml_file,
    validate,
)

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parents[2] / "config" / "knowledgebase.yaml"

Share = Annotated[Number, Field(ge=0, le=1)]


class KnowledgeConfigError(ConfigFileError):
    """The knowledge base configuration (or a rule applied to a table) is wrong."""


@with_config(FORBID_EXTRA)
@dataclass(frozen=True)
class ChunkingConfig:
    # all-MiniLM-L6-v2 reads at most 256 word pieces including [CLS]/[SEP]: 200 leaves room.
    max_tokens: Annotated[Integer, Field(ge=8)] = 200
    overlap_tokens: Annotated[Integer, Field(ge=0)] = 32


@with_config(FORBID_EXTRA)
@dataclass(frozen=True)
class TextDetection:
    """What makes a string column "prose" when no rule names the text columns."""

    min_avg_chars: Annotated[Number, Field(ge=0)] = 20.0
    min_avg_words: Annotated[Number, Field(ge=0)] = 3.0
    # Characters per word (spaces included): prose ~5-7; tag sequences "O B-ORG O" ~2.5.
    min_chars_per_word: Annotated[Number, Field(ge=0)] = 3.5
    # Lower-case share of cased letters: prose is mostly lower case, labels and tag
    # sequences ("B-ORG I-ORG") are not. Scripts without case are not affected.
    min_lowercase_share: Share = 0.3
    min_distinct_ratio: Share = 0.3
    sample_rows: Annotated[Integer, Field(gt=0)] = 2000


@with_config(FORBID_EXTRA)
@dataclass(frozen=True)
class TableRule:
    """Tables whose landing path matches `path` (and name matches `table`) use `text_columns`."""

    path: NonEmpty
    text_columns: Names  # [] means "this table holds no text"
    table: NonEmpty = "*"
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


class _Duplicates(ConfigModel):
    max_share: Share = KnowledgeConfig.max_duplicate_share


class _KnowledgeFile(ConfigModel):
    chunking: ChunkingConfig = ChunkingConfig()
    text_detection: TextDetection = TextDetection()
    duplicates: _Duplicates = _Duplicates()
    tables: list[TableRule] = []

    @field_validator("chunking")
    @classmethod
    def _overlap_fits(cls, chunking: ChunkingConfig) -> ChunkingConfig:
        if chunking.overlap_tokens >= chunking.max_tokens // 2:
            raise ValueError("overlap_tokens must be below half of max_tokens")
        return chunking


def _config(parsed: _KnowledgeFile, source: str) -> KnowledgeConfig:
    return KnowledgeConfig(
        chunking=parsed.chunking,
        detection=parsed.text_detection,
        max_duplicate_share=parsed.duplicates.max_share,
        rules=tuple(parsed.tables),
        source=source,
    )


def parse_config(raw: object, source: str) -> KnowledgeConfig:
    return _config(
        validate({} if raw is None else raw, _KnowledgeFile, source, KnowledgeConfigError), source
    )


def load_config(path: str | Path | None = None) -> KnowledgeConfig:
    """Read the YAML file; without a path, the repository's file or built-in defaults."""
    if path is None or str(path) == "":
        if not DEFAULT_CONFIG_PATH.exists():
            return KnowledgeConfig()
        path = DEFAULT_CONFIG_PATH
    return _config(load_yaml_file(path, _KnowledgeFile, KnowledgeConfigError), str(path))
