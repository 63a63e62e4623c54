"""Reading user YAML: the file, the field and the problem in every error, whatever the format."""

from __future__ import annotations

import logging

import pytest

from nexus_platform.config_files import (
    ConfigFileError,
    ConfigModel,
    Names,
    Number,
    load_yaml_file,
    or_default,
    read_yaml,
)
from nexus_platform.drift.config import ConfigError
from nexus_platform.drift.config import load_config as load_drift_rules
from nexus_platform.knowledge.config import KnowledgeConfigError
from nexus_platform.knowledge.config import load_config as load_knowledge_rules
from nexus_platform.ml.spec import SpecError, load_spec
from nexus_platform.sources.connections import ConnectionConfigError, load_connections

CONNECTION = (
    "connections: [{name: x, connection_id: 5b8f3c7e-2a41-4c1e-9d6a-0e7f4b2c9a10, "
    "destination: {path: landing/x, format: csv}, streams: [s]%s}]"
)
SPEC = "name: t\nkind: text_classification\nsource: landing/a.csv\nlabel_column: label\n"


class Section(ConfigModel):
    threshold: Number = 0.5
    columns: Names = ()


class Example(ConfigModel):
    name: str
    sections: list[Section] = []


@pytest.mark.parametrize(
    ("loader", "error", "text", "field"),
    [
        (load_drift_rules, ConfigError, "tables: []\nchecks: []\n", "checks"),
        (load_drift_rules, ConfigError, "tables: [{incoming: a, lable: x}]", "tables[0].lable"),
        (load_knowledge_rules, KnowledgeConfigError, "chunkin: {max_tokens: 100}", "chunkin"),
        (
            load_knowledge_rules,
            KnowledgeConfigError,
            "tables: [{path: a, text_columns: [t], sheet: s}]",
            "tables[0].sheet",
        ),
        (
            load_connections,
            ConnectionConfigError,
            CONNECTION % ", colour: red",
            "connections[0].colour",
        ),
        (load_spec, SpecError, SPEC + "labl_column: label\n", "labl_column"),
    ],
)
def test_an_unknown_field_in_each_format_names_the_file_and_field(
    tmp_path, loader, error, text, field
):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(error) as info:
        loader(path)
    assert isinstance(info.value, ConfigFileError)
    assert info.value.file == str(path) and info.value.field == field
    assert str(info.value).startswith(f"{path}: field '{field}': unknown field")


def test_bytes_that_are_not_utf8_name_the_file_line_and_byte(tmp_path):
    path = tmp_path / "topics.yaml"
    path.write_bytes(b"name: ok\nsections:\n  - columns: [Gr\xfc\xdfe]\n")
    with pytest.raises(ConfigFileError) as info:
        read_yaml(path)
    assert str(info.value) == (
        f"{path}: not UTF-8 text: byte 0xfc at line 3, column 17 (save the file as UTF-8)"
    )


def test_yaml_mistakes_are_located(tmp_path):
    twice = tmp_path / "twice.yaml"
    twice.write_text("name: a\nsections: []\nname: b\n")
    with pytest.raises(ConfigFileError, match="line 3, column 1: key 'name' is given twice"):
        read_yaml(twice)
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: a\n  sections: [\n")
    with pytest.raises(ConfigFileError, match="not valid YAML at line 2"):
        read_yaml(broken)
    anchors = tmp_path / "anchors.yaml"  # merge keys are not repeated keys
    anchors.write_text("base: &b {threshold: 1}\nother: {<<: *b, threshold: 2}\n")
    assert read_yaml(anchors)["other"] == {"threshold": 2}
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n")
    assert read_yaml(empty) == {}
    with pytest.raises(ConfigFileError, match="not found"):
        read_yaml(tmp_path / "absent.yaml")


def test_every_problem_is_listed_with_its_path(tmp_path):
    path = tmp_path / "example.yaml"
    path.write_text("sections:\n  - {threshold: high}\n  - {columns: text, treshold: 1}\n  - [a]\n")
    with pytest.raises(ConfigFileError) as info:
        load_yaml_file(path, Example)
    assert dict(info.value.problems) == {
        "name": "required",
        "sections[0].threshold": "input should be a valid number, got 'high'",
        "sections[1].treshold": "unknown field; did you mean 'threshold'?",
        "sections[2]": "expected a mapping, got a list",
    }
    assert info.value.field == "name"


def test_numbers_must_be_written_as_numbers(tmp_path):
    path = tmp_path / "example.yaml"
    path.write_text("name: a\nsections: [{threshold: yes}, {threshold: '0.5'}, {columns: body}]")
    with pytest.raises(ConfigFileError) as info:
        load_yaml_file(path, Example)
    assert [f for f, _ in info.value.problems] == ["sections[0].threshold", "sections[1].threshold"]
    path.write_text("name: a\nsections: [{threshold: 1}, {columns: body}]")
    loaded = load_yaml_file(path, Example)
    assert loaded.sections[0].threshold == 1.0 and loaded.sections[1].columns == ("body",)


def test_or_default_leaves_out_a_bad_file_and_logs_it(tmp_path, caplog):
    path = tmp_path / "example.yaml"
    path.write_text("name: a\nextra: 1\n")
    with caplog.at_level(logging.ERROR):
        assert or_default(lambda: load_yaml_file(path, Example), None) is None
    assert f"{path}: field 'extra': unknown field" in caplog.text
