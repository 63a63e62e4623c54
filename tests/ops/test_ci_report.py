"""scripts/ci_report.py: metrics from a run's NEXUS_HOME and CLI output, rendered as markdown
with the change against main."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "ci_report.py"

# scripts/ is not a package: load the script the way CI runs it, by path.
spec = importlib.util.spec_from_file_location("ci_report", SCRIPT)
assert spec is not None and spec.loader is not None
ci_report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ci_report)

STATUS_LINES = [
    {"path": "esg/a.csv", "status": "converted", "tables": [{"name": "a"}], "error": None},
    {
        "path": "esg/b.xlsx",
        "status": "converted",
        "tables": [{"name": "s1"}, {"name": "s2"}],
        "error": None,
    },
    {
        "path": "docs/locked.pdf",
        "status": "quarantined",
        "tables": [],
        "error": {"class": "encrypted", "message": "needs a password"},
    },
    {"path": "new/c.csv", "status": "pending", "tables": [], "error": None},
]
MODEL_LINES = [
    {
        "task": "emotion",
        "kind": "text_classification",
        "version": 1,
        "metrics": {"macro_f1": 0.70},
        "robustness_drop": {"typos": 0.05},
    },
    {
        "task": "emotion",
        "kind": "text_classification",
        "version": 2,
        "metrics": {"macro_f1": 0.81},
        "robustness_drop": {"typos": 0.04, "case": 0.01},
    },
]


def _drift_summary(table: str, scores: dict[str, float], drifted: list[str]) -> dict:
    return {
        "table": table,
        "column_drift": {c: {"score": s, "threshold": 0.2} for c, s in scores.items()},
        "label_drift": None,
        "embedding_drift": {"text": {"drift_score": 0.11, "domain_classifier_auc": 0.55}},
        "drift_ok": not drifted,
        "integrity_ok": True,
        "drifted_columns": drifted,
    }


@pytest.fixture
def home(tmp_path) -> Path:
    home = tmp_path / "nexus"
    kb = home / "knowledgebase"
    kb.mkdir(parents=True)
    (kb / "knowledgebase.jsonl").write_text(
        "".join(json.dumps({"id": str(i), "text": "t" * i}) + "\n" for i in range(7))
    )
    (kb / "knowledgebase.parquet").write_bytes(b"P" * 1234)
    reports = home / "reports" / "esg_a"
    reports.mkdir(parents=True)
    old = _drift_summary("esg_a", {"price": 0.9}, ["price"])
    new = _drift_summary("esg_a", {"price": 0.05, "region": 0.3}, ["region"])
    (reports / "20260101T000000-000000Z.json").write_text(json.dumps(old))
    (reports / "20260102T000000-000000Z.json").write_text(json.dumps(new))
    (reports / "20260102T000000-000000Z.html").write_text("<html></html>")
    # Another kind of report in the tree is ignored.
    (home / "reports" / "emotion").mkdir()
    (home / "reports" / "emotion" / "evaluation.json").write_text(json.dumps({"macro_f1": 1}))
    return home


def test_file_summary_counts_each_status():
    summary = ci_report.summarise_files(STATUS_LINES)
    assert (summary["converted"], summary["quarantined"], summary["pending"]) == (2, 1, 1)
    assert summary["tables"] == 3
    assert summary["quarantined_files"] == [
        {"path": "docs/locked.pdf", "class": "encrypted", "message": "needs a password"}
    ]


def test_latest_model_version_wins():
    models = ci_report.latest_models(list(reversed(MODEL_LINES)))
    assert models["emotion"]["version"] == 2
    assert models["emotion"]["metrics"] == {"macro_f1": 0.81}
    assert models["emotion"]["worst_robustness_drop"] == 0.04


def test_newest_drift_summary_per_table(home):
    drift = ci_report.drift_scores(home)
    assert set(drift) == {"esg_a"}
    assert drift["esg_a"]["scores"] == {"price": 0.05, "region": 0.3, "embedding:text": 0.11}
    assert drift["esg_a"]["max_score"] == 0.3
    assert drift["esg_a"]["drifted_columns"] == ["region"]
    assert drift["esg_a"]["drift_ok"] is False


def test_knowledgebase_size(home):
    assert ci_report.knowledgebase_size(home) == {
        "records": 7,
        "jsonl_bytes": (home / "knowledgebase" / "knowledgebase.jsonl").stat().st_size,
        "parquet_bytes": 1234,
    }
    assert ci_report.knowledgebase_size(home / "elsewhere") is None


def test_markdown_shows_values_and_their_change_against_main(home):
    current = {
        "files": ci_report.summarise_files(STATUS_LINES),
        "knowledgebase": ci_report.knowledgebase_size(home),
        "drift": ci_report.drift_scores(home),
        "models": ci_report.latest_models(MODEL_LINES),
        "skipped": {},
    }
    baseline = json.loads(json.dumps(current))
    baseline["files"]["converted"] = 5
    baseline["knowledgebase"]["records"] = 4
    baseline["drift"]["esg_a"]["max_score"] = 0.1
    baseline["models"]["emotion"]["metrics"]["macro_f1"] = 0.75

    report = ci_report.render(current, baseline)
    lines = report.splitlines()
    assert "| converted | 2 | 5 | -3 |" in lines
    assert "| quarantined | 1 | 1 | = |" in lines
    assert "| records | 7 | 4 | +3 |" in lines
    assert "- `docs/locked.pdf`: encrypted: needs a password" in lines
    drift_row = next(line for line in lines if line.startswith("| `esg_a`"))
    assert "| 0.300 | 0.100 | +0.200 | region |" in drift_row and "❌" in drift_row
    assert "| `emotion` | 2 | macro_f1 | 0.810 | 0.750 | +0.060 |" in lines
    assert "Compared with the last run on `main`." in lines
    # A task main did not have yet is marked as new.
    del baseline["models"]["emotion"]
    assert "| `emotion` | 2 | macro_f1 | 0.810 | – | new |" in ci_report.render(current, baseline)


def test_without_a_baseline_and_with_missing_sources_the_report_still_renders():
    current = {
        "skipped": {
            "models": "`nexus models list --json` is not available in this build",
            "knowledgebase": "no knowledgebase/knowledgebase.jsonl",
        },
        "files": ci_report.summarise_files([]),
        "drift": {},
    }
    report = ci_report.render(current, None)
    assert "No report from `main` to compare with yet" in report
    assert "_Skipped: `nexus models list --json` is not available in this build._" in report
    assert "_Skipped: no knowledgebase/knowledgebase.jsonl._" in report
    assert "| total | 0 | – |  |" in report


def test_bad_cli_output_names_the_command_and_line():
    with pytest.raises(ValueError, match=r"nexus status --json: line 2 is not JSON"):
        ci_report.parse_json_lines('{"a": 1}\nnot json\n', source="nexus status --json")


STAND_IN_CLI = textwrap.dedent(
    """
    import argparse, json, sys
    parser = argparse.ArgumentParser(prog="nexus")
    sub = parser.add_subparsers(dest="command")
    status = sub.add_parser("status")
    status.add_argument("--json", action="store_true")
    args = parser.parse_args()
    for line in json.loads(open(sys.argv[0] + ".json").read()):
        print(json.dumps(line))
    """
)


def test_collect_skips_a_subcommand_the_cli_does_not_have(home, tmp_path):
    # An argparse CLI with `status` but no `models`: what the report meets on a build
    # without the model registry.
    cli = tmp_path / "nexus_cli.py"
    cli.write_text(STAND_IN_CLI)
    (tmp_path / "nexus_cli.py.json").write_text(json.dumps(STATUS_LINES))
    metrics = ci_report.collect(home, [sys.executable, str(cli)])
    assert metrics["files"]["converted"] == 2
    assert "models" not in metrics
    assert "not available in this build" in metrics["skipped"]["models"]
    assert metrics["knowledgebase"]["records"] == 7


def test_end_to_end_with_the_real_cli(tmp_path):
    home = tmp_path / "nexus"
    (home / "landing" / "esg").mkdir(parents=True)
    (home / "landing" / "esg" / "t.csv").write_text("x,y\n1,2\n")
    baseline = tmp_path / "main.json"
    baseline.write_text(json.dumps({"files": {"total": 3, "pending": 0}}))
    out, metrics_out = tmp_path / "report.md", tmp_path / "metrics.json"
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--home",
            str(home),
            "--nexus",
            f"{sys.executable} -m nexus_platform.cli",
            "--baseline",
            str(baseline),
            "--metrics-out",
            str(metrics_out),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    metrics = json.loads(metrics_out.read_text())
    # Nothing was converted: the one landing file is pending.
    assert (metrics["files"]["total"], metrics["files"]["pending"]) == (1, 1)
    report = out.read_text()
    assert "| total | 1 | 3 | -2 |" in report
    assert "| pending | 1 | 0 | +1 |" in report
