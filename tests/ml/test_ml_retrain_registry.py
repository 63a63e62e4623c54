"""The retrain trigger (new data that passed its drift check) and the DVC registry round trip."""

from __future__ import annotations

import json
import shutil

import dagster as dg
import pytest
from ml_synthetic import sentiment_rows, to_csv

from nexus_platform.assets.ml_tasks import DRIFT_CHECK, build_task_retrain_sensor, task_key
from nexus_platform.ml.registry import ModelRegistry, RegistryError, parse_reference
from nexus_platform.ml.spec import parse_spec
from nexus_platform.resources.dvc import registry_for
from nexus_platform.resources.storage import NexusStorage
from nexus_platform.settings import NexusPaths

SPEC = parse_spec(
    {
        "name": "sent",
        "kind": "text_classification",
        "source": "landing/nlp/*.csv",
        "label_column": "label",
    },
    "sent.yaml",
)


def _tick(sensor, instance, nexus_home, cursor):
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"storage": NexusStorage(home=str(nexus_home))}
    )
    return sensor(context)


def _report_drift(instance, relpath: str, passed: bool) -> None:
    instance.report_runless_asset_event(
        dg.AssetCheckEvaluation(
            asset_key=DRIFT_CHECK.asset_key,
            check_name=DRIFT_CHECK.name,
            passed=passed,
            partition=relpath,
        )
    )


def test_new_data_retrains_only_after_its_drift_check_passed(land, nexus_home):
    sensor = build_task_retrain_sensor([SPEC], require_drift_check=True)
    land("nlp/sent.csv", to_csv(sentiment_rows(5)))
    with dg.instance_for_test() as instance:
        first = _tick(sensor, instance, nexus_home, None)
        assert not first.run_requests  # the data the task was first trained on is the baseline
        land("nlp/sent.csv", to_csv(sentiment_rows(6)))
        waiting = _tick(sensor, instance, nexus_home, first.cursor)
        assert (
            not waiting.run_requests
            and "waiting for the drift check" in waiting.skip_reason.skip_message
        )
        _report_drift(instance, "nlp/sent.csv", passed=True)
        ready = _tick(sensor, instance, nexus_home, waiting.cursor)
        [request] = ready.run_requests
        assert set(request.asset_selection) == {
            task_key("sent", s)
            for s in ("dataset", "model", "evaluation", "robustness", "promoted_model")
        }
        assert request.tags["nexus/retrain"] == "sent"
        assert not _tick(sensor, instance, nexus_home, ready.cursor).run_requests  # nothing new

        land("nlp/more.csv", to_csv(sentiment_rows(4, seed=2)))
        _report_drift(instance, "nlp/more.csv", passed=False)
        blocked = _tick(sensor, instance, nexus_home, ready.cursor)
        assert (
            not blocked.run_requests
            and "drift outside thresholds" in blocked.skip_reason.skip_message
        )
        assert json.loads(blocked.cursor)["sent"]["blocked"] is True


def test_without_a_drift_check_new_data_retrains_at_once(land, nexus_home):
    sensor = build_task_retrain_sensor([SPEC], require_drift_check=False)
    land("nlp/sent.csv", to_csv(sentiment_rows(5)))
    with dg.instance_for_test() as instance:
        first = _tick(sensor, instance, nexus_home, None)
        land("nlp/sent.csv", to_csv(sentiment_rows(7)))
        second = _tick(sensor, instance, nexus_home, first.cursor)
        assert len(second.run_requests) == 1
        assert second.run_requests[0].run_key.startswith("retrain:sent:")


@pytest.mark.slow
def test_dvc_add_push_pull_round_trip(tmp_path):
    workspace, remote = tmp_path / "home", tmp_path / "remote"
    registry = ModelRegistry(workspace, str(remote))
    model = tmp_path / "model"
    model.mkdir()
    (model / "weights.bin").write_bytes(b"version one")
    first = registry.promote(
        "sent", "text_classification", model, {"macro_f1": 0.8}, {"typos": 0.05}
    )
    (model / "weights.bin").write_bytes(b"version two")
    second = registry.promote(
        "sent", "text_classification", model, {"macro_f1": 0.9}, {"typos": 0.02}
    )
    again = registry.promote(
        "sent", "text_classification", model, {"macro_f1": 0.9}, {"typos": 0.02}
    )
    assert (first.version, second.version, again.version) == (
        1,
        2,
        2,
    )  # unchanged bytes: same version
    assert first.dvc_md5 != second.dvc_md5 and first.dvc_md5.endswith(".dir")
    assert any(remote.rglob("*")), "push wrote objects to the remote"

    # A fresh machine: only the remote and the version index survive.
    shutil.rmtree(workspace / ".dvc" / "cache")
    shutil.rmtree(workspace / "models" / "sent" / "promoted")
    entry, folder = registry.pull("sent", 1)
    assert entry.metrics == {"macro_f1": 0.8}
    assert (folder / "model" / "weights.bin").read_bytes() == b"version one"
    entry, folder = registry.pull("sent")
    assert entry.version == 2 and (folder / "model" / "weights.bin").read_bytes() == b"version two"
    with pytest.raises(RegistryError, match="no version 7"):
        registry.pull("sent", 7)


def test_references_and_environment_config(tmp_path):
    assert parse_reference("esg_sentiment") == ("esg_sentiment", None)
    assert parse_reference("esg_sentiment@v3") == ("esg_sentiment", 3)
    assert parse_reference("esg_sentiment@2") == ("esg_sentiment", 2)
    with pytest.raises(RegistryError):
        parse_reference("esg_sentiment@latest-ish")
    local = registry_for("local", NexusPaths.from_uri(str(tmp_path)))
    assert local.workspace == str(tmp_path) and local.remote_url == f"{tmp_path}/dvc-remote"
    prod = registry_for("prod", NexusPaths.from_uri("gs://bucket/nexus"))
    assert prod.remote_url == "gs://bucket/nexus/dvc-remote"
    assert prod.index_uri == "gs://bucket/nexus/models/_registry"
