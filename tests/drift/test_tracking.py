"""W&B offline runs: the Tracker API and drift reports logged as runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from drift_tables import make_frame
from upath import UPath

from nexus_platform.drift.report import check_table, log_to_tracker
from nexus_platform.resources.tracking import TrackingResource, resources_for
from nexus_platform.settings import NexusPaths
from nexus_platform.tracking import Tracker, read_offline_run


def test_tracker_offline_run_records_metrics_summary_and_artifact(tmp_path):
    tracker = Tracker(project="nexus-test", directory=str(tmp_path / "wandb"))
    model = tmp_path / "model.bin"
    model.write_bytes(b"weights")
    with tracker.run(name="train-esg", job_type="train", config={"lr": 0.01, "epochs": 2}) as run:
        run.log({"loss": 0.9}, step=0)
        run.log({"loss": 0.4}, step=1)
        run.summary({"macro_f1": 0.81})
        run.log_artifact(str(model), name="esg sentiment/model", type="model")
        run_dir = run.run_dir
    assert Path(run_dir).parent == tmp_path / "wandb" / "wandb"
    recorded = read_offline_run(run_dir)
    assert recorded.project == "nexus-test" and recorded.job_type == "train"
    assert recorded.config["lr"] == 0.01 and recorded.config["epochs"] == 2
    assert [h["loss"] for h in recorded.history] == [0.9, 0.4]
    assert recorded.summary["macro_f1"] == 0.81
    assert recorded.artifacts == [
        {
            "name": "esg-sentiment-model",
            "type": "model",
            "digest": recorded.artifacts[0]["digest"],
            "files": ["model.bin"],
        }
    ]
    assert recorded.exit_code == 0


def test_failure_inside_a_run_marks_it_failed(tmp_path):
    tracker = Tracker(project="nexus-test", directory=str(tmp_path))
    with pytest.raises(RuntimeError):
        with tracker.run(name="boom", job_type="train", config={}) as run:
            run_dir = run.run_dir
            raise RuntimeError("training diverged")
    assert read_offline_run(run_dir).exit_code == 1


def test_drift_report_logged_with_scores_and_html(settings, tmp_path):
    report = check_table(
        make_frame(1, shift=8.0),
        make_frame(2),
        table="sales",
        settings=settings,
        label="label",
        reports_root=UPath(tmp_path / "reports"),
    )
    tracker = Tracker(project="nexus-test", directory=str(tmp_path / "wandb"))
    run_dir = log_to_tracker(report, tracker, {"override_drift": False})
    recorded = read_offline_run(run_dir)
    assert recorded.job_type == "drift-check"
    assert recorded.summary["drift/amount"] == pytest.approx(report.column_drift["amount"]["score"])
    assert recorded.summary["drift_ok"] == 0.0 and recorded.summary["drifted_columns"] == 1.0
    assert recorded.summary["label_drift"] == pytest.approx(report.label_drift["score"])
    assert recorded.config["override_drift"] is False and recorded.config["table"] == "sales"
    assert recorded.artifacts[0]["type"] == "drift-report"
    assert recorded.artifacts[0]["files"] == [Path(report.report_html).name]


def test_resource_is_offline_unless_key_and_project(monkeypatch, tmp_path):
    paths = NexusPaths.from_uri(str(tmp_path))
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    local = resources_for("local", paths)["tracking"]
    assert local.effective_mode() == "offline" and local.directory == str(tmp_path / "wandb")
    monkeypatch.setenv("WANDB_API_KEY", "secret-value")
    monkeypatch.delenv("WANDB_PROJECT", raising=False)
    assert resources_for("prod", paths)["tracking"].effective_mode() == "offline"
    monkeypatch.setenv("WANDB_PROJECT", "esg")
    online = resources_for("prod", paths)["tracking"]
    assert online.project == "esg"
    assert TrackingResource(directory="x", project="p", api_key="k").effective_mode() == "online"
    with pytest.raises(ValueError, match="mode"):
        Tracker(project="p", directory="x", mode="sometimes")
