"""Which columns make a record's text, and how bad configuration is reported."""

from __future__ import annotations

import pyarrow as pa
import pytest

from nexus_platform.globbing import glob_regex
from nexus_platform.knowledge.config import (
    DEFAULT_CONFIG_PATH,
    KnowledgeConfig,
    KnowledgeConfigError,
    TableRule,
    TextDetection,
    load_config,
)
from nexus_platform.knowledge.text_columns import (
    detect_text_columns,
    path_rules,
    resolve_text_columns,
)

PROSE = [
    "Scope 1 emissions fell after the kiln switched to alternative fuels.",
    "The supplier audit found overtime above the legal limit at two sites.",
    "Wastewater from the quarry is now treated before it reaches the river.",
    "Employees asked for clearer rules on remote work and travel by train.",
]


def _table() -> pa.Table:
    return pa.table(
        {
            "site_code": ["DE-01", "DE-02", "AT-01", "CH-01"],
            "country": ["Germany", "Germany", "Austria", "Switzerland"],
            "category": ["climate change mitigation"] * 4,  # long but one value repeated
            "tags": ["O B-ORG I-ORG O O B-LOC", "O O B-MAT O", "B-ORG O O O", "O O O B-LOC"],
            "comment": PROSE,
            "tonnes": [1.0, 2.0, 3.0, 4.0],
        }
    )


def test_default_detection_picks_prose_columns_only():
    assert detect_text_columns(_table(), TextDetection()) == ["comment"]


def test_glob_semantics():
    assert glob_regex("esg/*.csv").match("esg/a.csv")
    assert not glob_regex("esg/*.csv").match("esg/sub/a.csv")
    assert glob_regex("esg/**/*.csv").match("esg/a.csv")
    assert glob_regex("esg/**/*.csv").match("esg/x/y/a.csv")
    assert not glob_regex("esg/**/*.csv").match("other/esg/a.csv")


def test_first_matching_rule_wins_and_table_globs_apply():
    rules = (
        TableRule(path="esg/**", table="sheet_*", text_columns=("country",)),
        TableRule(path="esg/**", text_columns=("comment", "category"), separator=" | "),
    )
    config = KnowledgeConfig(rules=rules)
    matched = path_rules(config, "esg/sites/list.xlsx")
    table = _table()
    chosen = resolve_text_columns(
        config, matched, "esg/sites/list.xlsx", "sheet_1", table.schema, table
    )
    assert chosen.columns == ("country",) and chosen.origin == "rule"
    other = resolve_text_columns(
        config, matched, "esg/sites/list.xlsx", "summary", table.schema, table
    )
    assert other.columns == ("comment", "category") and other.separator == " | "


def test_the_repository_configuration_loads():
    config = load_config()
    assert config.source == str(DEFAULT_CONFIG_PATH)
    assert config.chunking.max_tokens + 2 <= 256  # fits the model with [CLS] and [SEP]


@pytest.mark.parametrize(
    "text,needle",
    [
        ("chunking:\n  max_tokenz: 100\n", "max_tokenz"),
        ("tables:\n  - path: 'a/**'\n", "tables[0].text_columns"),
        ("tables:\n  - path: 'a/**'\n    text_columns: [x]\n    colour: red\n", "colour"),
        ("duplicates:\n  max_share: 2\n", "duplicates.max_share"),
        ("chunking: [1, 2]\n", "field 'chunking': expected a mapping"),
        ("text_detection:\n  min_avg_chars: lots\n", "text_detection"),
    ],
)
def test_bad_configuration_names_the_file_and_field(tmp_path, text, needle):
    path = tmp_path / "kb.yaml"
    path.write_text(text)
    with pytest.raises(KnowledgeConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value) and needle in str(error.value)
