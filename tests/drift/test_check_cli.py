"""`nexus check`: results table, --json object and exit codes."""

from __future__ import annotations

import argparse
import json

import pytest
from drift_tables import land, make_frame

from nexus_platform.cli import check
from nexus_platform.settings import NexusPaths


def nexus(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nexus")
    check.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def files(nexus_home, tmp_path):
    reference = tmp_path / "reference.parquet"
    make_frame(2).to_parquet(reference)
    same = tmp_path / "same.csv"
    make_frame(1).to_csv(same, index=False)
    shifted = tmp_path / "shifted.csv"
    make_frame(1, shift=8.0, categories=("red", "green", "violet")).to_csv(shifted, index=False)
    return reference, same, shifted


def test_json_output_for_a_drifted_file_exits_1(files, capsys):
    reference, _, shifted = files
    code = nexus(
        ["check", str(shifted), "--reference", str(reference), "--label", "label", "--json"]
    )
    assert code == 1
    result = json.loads(capsys.readouterr().out)
    assert result["drifted_columns"] == ["amount", "colour"]
    assert (
        result["column_drift"]["amount"]["drifted"]
        and not result["column_drift"]["score"]["drifted"]
    )
    assert result["label_drift"]["column"] == "label" and not result["label_drift"]["drifted"]
    assert result["embedding_drift"] == {}
    assert {i["name"] for i in result["integrity"]} >= {
        "nulls",
        "duplicates",
        "label_column_present",
    }
    assert result["thresholds"]["numeric_drift"] == 0.2
    assert result["report"].endswith(".html") and result["report"].startswith(
        str(NexusPaths.from_env().reports)
    )
    assert result["passed"] is False


def test_table_output_for_a_clean_file_exits_0(files, capsys):
    reference, same, _ = files
    assert nexus(["check", str(same), "--reference", str(reference), "--label", "label"]) == 0
    out = capsys.readouterr().out
    assert "feature_drift" in out and "drifted columns: none" in out and "PASSED" in out


def test_missing_label_exits_1_naming_it(files, capsys):
    reference, same, _ = files
    assert (
        nexus(["check", str(same), "--reference", str(reference), "--label", "churned", "--json"])
        == 1
    )
    result = json.loads(capsys.readouterr().out)
    failed = [i for i in result["integrity"] if i["status"] == "fail"]
    assert failed[0]["name"] == "label_column_present" and "'churned'" in failed[0]["message"]


def test_configured_reference_of_a_landed_file(nexus_home, tmp_path, capsys):
    paths = NexusPaths.from_uri(str(nexus_home))
    land(paths, "sales/base.csv", make_frame(2))
    land(paths, "sales/orders.csv", make_frame(1, positive_share=0.9))
    config = tmp_path / "drift.yaml"
    config.write_text(
        'tables:\n  - incoming: "sales/orders.csv"\n    reference: {table: landing/sales/base.csv}\n    label: label\n'
    )
    code = nexus(["check", "landing/sales/orders.csv", "--config", str(config), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 1 and result["drifted_columns"] == ["label"]
    assert result["reference"].endswith("base.parquet")


def test_unconfigured_file_without_reference_is_a_clear_error(files):
    _, same, _ = files
    with pytest.raises(ValueError, match="pass --reference"):
        nexus(["check", str(same)])
