"""Which columns of a table make a record's text: a configured rule, else the prose columns."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from nexus_platform.globbing import glob_regex
from nexus_platform.knowledge.config import (
    KnowledgeConfig,
    KnowledgeConfigError,
    TableRule,
    TextDetection,
)


def path_rules(config: KnowledgeConfig, path: str) -> list[TableRule]:
    """The rules that may apply to some table of the landing file at `path`."""
    return [r for r in config.rules if glob_regex(r.path).match(path)]


def rule_for(rules: list[TableRule], table_name: str) -> TableRule | None:
    for rule in rules:
        if glob_regex(rule.table).match(table_name):
            return rule
    return None


@dataclass(frozen=True)
class TextColumns:
    columns: tuple[str, ...]
    separator: str
    origin: str  # "rule" | "detected"


def _is_string(dtype: pa.DataType) -> bool:
    if pa.types.is_dictionary(dtype):
        dtype = dtype.value_type
    return (
        pa.types.is_string(dtype)
        or pa.types.is_large_string(dtype)
        or (hasattr(pa.types, "is_string_view") and pa.types.is_string_view(dtype))
    )


def is_prose(values: pa.ChunkedArray | pa.Array, detection: TextDetection) -> bool:
    """Long values, several words each, rarely repeated: prose rather than labels or codes."""
    values = pc.drop_null(values.cast(pa.string()))
    values = values.filter(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(values)), 0))
    if len(values) == 0:
        return False
    avg_chars = pc.mean(pc.utf8_length(values)).as_py()
    avg_words = pc.mean(pc.count_substring_regex(values, r"\S+")).as_py()
    distinct_ratio = pc.count_distinct(values).as_py() / len(values)
    lower = pc.sum(pc.count_substring_regex(values, r"\p{Ll}")).as_py() or 0
    upper = pc.sum(pc.count_substring_regex(values, r"\p{Lu}")).as_py() or 0
    lowercase_share = lower / (lower + upper) if lower + upper else 1.0
    return (
        avg_chars >= detection.min_avg_chars
        and avg_words >= detection.min_avg_words
        and avg_chars / avg_words >= detection.min_chars_per_word
        and lowercase_share >= detection.min_lowercase_share
        and distinct_ratio >= detection.min_distinct_ratio
    )


def detect_text_columns(sample: pa.Table, detection: TextDetection) -> list[str]:
    return [
        f.name
        for f in sample.schema
        if _is_string(f.type) and is_prose(sample.column(f.name), detection)
    ]


def resolve_text_columns(
    config: KnowledgeConfig,
    rules: list[TableRule],
    source_path: str,
    table_name: str,
    schema: pa.Schema,
    sample: pa.Table,
) -> TextColumns:
    """The text columns of one table; a rule naming a missing column is a configuration error."""
    rule = rule_for(rules, table_name)
    if rule is None:
        return TextColumns(tuple(detect_text_columns(sample, config.detection)), "\n", "detected")
    missing = [c for c in rule.text_columns if c not in schema.names]
    if missing:
        index = config.rules.index(rule)
        raise KnowledgeConfigError(
            config.source,
            f"tables[{index}].text_columns",
            f"(path {rule.path!r}, table {rule.table!r}) names text column(s) {missing} that "
            f"table {table_name!r} of {source_path} lacks; its columns are {schema.names}",
        )
    return TextColumns(rule.text_columns, rule.separator, "rule")
