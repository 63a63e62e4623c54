"""A text-classification task through the real Dagster graph: dataset, model (real embeddings),
evaluation, robustness, the blocking checks and DVC promotion; then the CLI lists and pulls it."""

from __future__ import annotations

import argparse
import json
import shutil

import dagster as dg
import pytest
import yaml
from ml_synthetic import sentiment_rows, to_csv

from nexus_platform.assets.ml_tasks import build_defs, task_key
from nexus_platform.resources import tracking
from nexus_platform.resources.dvc import resources_for
from nexus_platform.resources.storage import NexusStorage
from nexus_platform.tracking import read_offline_run

SPEC = {
    "name": "sent",
    "kind": "text_classification",
    "source": "landing/nlp/sent.csv",
    "text_columns": ["text"],
    "label_column": "label",
    "split": {"test_size": 0.3, "seed": 3},
    "model": {"type": "mlp", "epochs": 30},
    "thresholds": {"min_macro_f1": 0.8, "max_robustness_drop": 0.5},
}


def _run(paths, nexus_home, selection=None):
    defs = build_defs(paths, folders=[nexus_home / "tasks"])
    assets = [a for a in defs.assets if selection is None or a.key in selection]
    resources = {
        "storage": NexusStorage(home=str(nexus_home)),
        **resources_for("local", paths),
        **tracking.resources_for("local", paths),
    }
    return dg.materialize(assets, resources=resources, raise_on_error=False)


def _cli(module, argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    module.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def _meta(result, stage):
    [event] = result.asset_materializations_for_node(f"sent__{stage}")
    return event.metadata


@pytest.mark.slow
def test_text_task_end_to_end_promotes_and_round_trips(land, write_spec, paths, nexus_home, capsys):
    from nexus_platform.cli import models

    land("nlp/sent.csv", to_csv(sentiment_rows(15)))
    write_spec(SPEC)
    result = _run(paths, nexus_home)
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"quality_ok": True, "robust_ok": True}

    evaluation = _meta(result, "evaluation")
    saved = json.loads((nexus_home / "models/sent/evaluation/evaluation.json").read_text())
    assert evaluation["macro_f1"].value == saved["macro_f1"] >= 0.8
    assert sum(map(sum, saved["confusion_matrix"])) == saved["examples"] == 14
    assert "data:image/png;base64," in evaluation["confusion_matrix"].value
    assert (nexus_home / "models/sent/evaluation/confusion_matrix.png").read_bytes()[
        :4
    ] == b"\x89PNG"

    robustness = _meta(result, "robustness")
    drops = {k.split("/", 1)[1]: v.value for k, v in robustness.items() if k.startswith("drop/")}
    assert set(drops) == {
        "typos",
        "casing",
        "whitespace",
        "punctuation",
        "word_dropout",
        "synonyms",
    }
    assert robustness["max_drop"].value == max(drops.values())

    promoted = _meta(result, "promoted_model")
    dvc_file = yaml.safe_load((nexus_home / "models/sent/promoted.dvc").read_text())
    assert promoted["dvc_md5"].value == dvc_file["outs"][0]["md5"]
    assert promoted["version"].value == 1

    # Training logged its params and every epoch to W&B (offline), evaluation its scores.
    runs = {
        r.job_type: r for r in map(read_offline_run, (nexus_home / "wandb").rglob("offline-run-*"))
    }
    assert runs["train"].config["task"] == "sent" and runs["train"].config["epochs"] == 30
    assert len([h for h in runs["train"].history if "train_loss" in h]) == 30
    assert runs["evaluation"].summary["macro_f1"] == saved["macro_f1"]

    capsys.readouterr()
    assert _cli(models, ["models", "list", "--json"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert record["task"] == "sent" and record["kind"] == "text_classification"
    assert record["dvc_hash"] == promoted["dvc_md5"].value
    assert record["metrics"]["macro_f1"] == saved["macro_f1"]
    assert record["robustness_drop"] == pytest.approx(drops)

    # Pull restores the exact files from the remote even with the workspace copy and cache gone.
    model_files = sorted(p.name for p in (nexus_home / "models/sent/model").iterdir())
    shutil.rmtree(nexus_home / "models/sent/promoted")
    shutil.rmtree(nexus_home / ".dvc/cache")
    assert _cli(models, ["models", "pull", "sent@1"]) == 0
    assert "sent@v1" in capsys.readouterr().out
    restored = nexus_home / "models/sent/promoted/model"
    assert sorted(p.name for p in restored.iterdir()) == model_files
    assert json.loads((nexus_home / "models/sent/promoted/evaluation.json").read_text()) == saved


@pytest.mark.slow
def test_failed_quality_check_blocks_promotion(land, write_spec, paths, nexus_home):
    land("nlp/sent.csv", to_csv(sentiment_rows(10)))
    write_spec({**SPEC, "thresholds": {"min_macro_f1": 1.01, "max_robustness_drop": 0.5}})
    result = _run(paths, nexus_home)
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["quality_ok"] is False
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert task_key("sent", "evaluation") in materialized
    assert task_key("sent", "promoted_model") not in materialized
    assert not (nexus_home / "models/_registry/sent").exists()


def test_definitions_build_one_graph_per_spec_with_gpu_tags(paths, nexus_home, write_spec):
    write_spec(SPEC)
    write_spec({"name": "kb_lm", "kind": "language_model", "source": "knowledgebase"})
    write_spec({"name": "broken", "kind": "clustering", "source": "x"})  # logged and left out
    defs = build_defs(paths)  # repo tasks/ + NEXUS_HOME/tasks
    keys = {key.to_user_string() for a in defs.assets for key in a.keys}
    assert {
        "sent/dataset",
        "sent/model",
        "sent/evaluation",
        "sent/robustness",
        "sent/promoted_model",
    } <= keys
    assert {"esg_sentiment/promoted_model", "kb_lm/model"} <= keys
    assert not any(k.startswith("broken/") for k in keys)
    by_key = {a.key: a for a in defs.assets}
    text_model = by_key[task_key("sent", "model")]
    k8s = text_model.op.tags["dagster-k8s/config"]
    k8s = json.loads(k8s) if isinstance(k8s, str) else k8s
    assert k8s["container_config"]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert text_model.op.pool == "gpu"
    assert "dagster-k8s/config" not in by_key[task_key("kb_lm", "model")].op.tags
    checks = {(c.asset_key.to_user_string(), c.name) for a in defs.assets for c in a.check_specs}
    assert ("sent/evaluation", "quality_ok") in checks and (
        "sent/robustness",
        "robust_ok",
    ) in checks
    assert all(spec.blocking for a in defs.assets for spec in a.check_specs)
    resources = {
        "storage": NexusStorage(home=str(nexus_home)),
        **resources_for("local", paths),
        **tracking.resources_for("local", paths),
    }
    merged = dg.Definitions.merge(defs, dg.Definitions(resources=resources))
    dg.Definitions.validate_loadable(merged)
    # Retraining is declarative automation, not a sensor: a task's dataset reads its own file's
    # partition and that file's incoming-data report (the drift gate).
    assert not defs.sensors
    dataset = by_key[task_key("sent", "dataset")]
    assert (
        dataset.automation_conditions_by_key[dataset.key].label
        == "on its source file accepted by its checks"
    )
    assert {d.asset_key.to_user_string() for d in dataset.specs_by_key[dataset.key].deps} == {
        "parquet_tables",
        "incoming_data_report",
    }
