"""The drift configuration: what is checked against what, and errors that name the field."""

from __future__ import annotations

import pytest

from nexus_platform.drift.config import (
    DEFAULT_CONFIG,
    ConfigError,
    Reference,
    load_config,
    parse_config,
)
from nexus_platform.globbing import path_matches


def test_shipped_config_loads_and_covers_the_task_sources():
    config = load_config()
    assert config.source == str(DEFAULT_CONFIG)
    rule = config.rule_for("nlp/sentiment/esg_sentiment.csv")
    assert rule is not None
    assert rule.label == "label" and rule.text == ("text",)
    assert rule.reference == Reference("previous")
    assert config.rule_for("_inbox/meter_logger_firmware.bin") is None


def test_rules_merge_defaults_and_per_rule_thresholds(tmp_path):
    path = tmp_path / "drift.yaml"
    path.write_text(
        """
defaults:
  min_rows: 10
  thresholds: {numeric_drift: 0.4}
tables:
  - incoming: "sales/**/*.csv"
    reference: {table: landing/sales/base.csv}
    label: churned
    thresholds: {label_drift: 0.05}
  - incoming: "ml/*.parquet"
    reference: {task: esg_sentiment}
"""
    )
    config = load_config(path)
    sales = config.rule_for("sales/2024/q1/orders.csv")
    assert sales.reference == Reference("table", "landing/sales/base.csv")
    assert sales.settings.min_rows == 10
    assert sales.settings.thresholds.numeric_drift == 0.4  # from defaults
    assert sales.settings.thresholds.label_drift == 0.05  # from the rule
    assert config.rule_for("sales/orders.csv") is sales  # `**/` also matches no folder
    assert config.rule_for("ml/train.parquet").reference == Reference("task", "esg_sentiment")
    assert config.rule_for("ml/deeper/train.parquet") is None  # `*` stays in one folder


@pytest.mark.parametrize(
    "text, field",
    [
        ("tables: [{reference: previous}]", "tables[0].incoming"),
        ("tables: [{incoming: a.csv, reference: latest}]", "tables[0].reference"),
        (
            "tables: [{incoming: a.csv, thresholds: {numeric_drift: high}}]",
            "tables[0].thresholds.numeric_drift",
        ),
        (
            "tables: [{incoming: a.csv, thresholds: {numric_drift: 0.1}}]",
            "tables[0].thresholds.numric_drift",
        ),
        ("tables: [{incoming: a.csv, label: [a, b]}]", "tables[0].label"),
        ("defaults: {min_rows: -1}", "defaults.min_rows"),
        ("tables: [{incoming: a.csv, colour: red}]", "tables[0].colour"),
        ("tabels: []", "tabels"),
        ("defaults: {min_row: 3}", "defaults.min_row"),
        (
            "tables: [{incoming: a.csv, settings: {thresholds: {lable_drift: 1}}}]",
            "tables[0].settings.thresholds.lable_drift",
        ),
        ("defaults: {min_rows: yes}", "defaults.min_rows"),
    ],
)
def test_bad_configuration_names_file_and_field(tmp_path, text, field):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.field == field
    assert str(path) in str(info.value) and field in str(info.value)


def test_missing_file_and_broken_yaml_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("tables: [\n")
    with pytest.raises(ConfigError, match="not valid YAML at line 2"):
        load_config(broken)


def test_settings_overlay_the_defaults_key_by_key(tmp_path):
    path = tmp_path / "drift.yaml"
    path.write_text(
        """
defaults: {min_rows: 10, thresholds: {numeric_drift: 0.4, label_drift: 0.3}}
tables:
  - incoming: "a/*.csv"
    settings: {sample_rows: 500, thresholds: {label_drift: 0.1}}
    thresholds: {numeric_drift: 0.5}
"""
    )
    settings = load_config(path).rules[0].settings
    assert (settings.min_rows, settings.sample_rows) == (10, 500)
    assert (settings.thresholds.numeric_drift, settings.thresholds.label_drift) == (0.5, 0.1)
    assert settings.thresholds.embedding_drift == 0.3  # the built-in default


def test_a_bad_file_defines_no_rules_where_the_platform_goes_on(tmp_path, caplog):
    from nexus_platform.drift.config import rules_in_force

    path = tmp_path / "drift.yaml"
    path.write_text('tables: [{incoming: "nlp/**", refrence: previous}]\n')
    with pytest.raises(ConfigError):
        load_config(path)
    assert rules_in_force(path).rules == ()  # nothing checked; the error is logged
    assert "tables[0].refrence" in caplog.text and str(path) in caplog.text


def test_glob_semantics():
    assert path_matches("reviews/*.csv", "reviews/a.csv")
    assert not path_matches("reviews/*.csv", "reviews/x/a.csv")
    assert path_matches("**/*.csv", "a.csv") and path_matches("**/*.csv", "x/y/a.csv")
    assert path_matches("landing/reviews/?.csv", "/landing/reviews/a.csv")
    assert parse_config({"tables": [{"incoming": "x", "tables": "Sheet1"}]}).rules[0].tables == (
        "Sheet1",
    )
