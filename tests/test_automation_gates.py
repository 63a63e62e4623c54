"""What runs when, decided by the assets' automation conditions alone: a task retrains only
on a new version of its own source file, and only once that version passed its drift check
(or was accepted by an override); a file landing elsewhere retrains nothing.

The evaluation here is `automation_loop.evaluate`, the one `nexus refresh` runs; the daemon's
automation sensor evaluates the same conditions (tests/test_dagster_dev.py watches it do so).
Runs of the conversion and of the incoming-data report are executed for real; the tasks'
own runs are not needed to see what is requested.
"""

from __future__ import annotations

import csv
import io

import dagster as dg
import pytest

from nexus_platform.asset_keys import INCOMING_REPORT, KNOWLEDGEBASE, PLATFORM_CONFIGURATION
from nexus_platform.assets.ml_tasks import task_key
from nexus_platform.dagster_internals import stale_status

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SENTIMENT = "nlp/sentiment/esg_sentiment.csv"


@pytest.fixture
def platform(nexus_home):
    from nexus_platform.definitions import build_definitions

    defs = build_definitions()
    with dg.instance_for_test() as instance:
        yield defs, instance


def requested(defs, instance, paths):
    from nexus_platform.automation_loop import evaluate

    return evaluate(defs, instance, paths)


def convert(defs, instance):
    from nexus_platform.refresh import RefreshSummary, convert_landing

    summary = RefreshSummary()
    convert_landing(defs, instance, summary, lambda *_: None, {})
    assert not summary.failed_runs
    return summary


def report(defs, instance, key, override=False):
    from nexus_platform.sensors.landing import range_tags

    run_config = {
        "ops": {
            "incoming_data_report": {
                "config": {
                    "override_drift": override,
                    "override_reason": "new market" if override else "",
                }
            }
        }
    }
    job = defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection={INCOMING_REPORT})
    return job.execute_in_process(
        instance=instance, tags=range_tags([key]), run_config=run_config, raise_on_error=False
    )


def drift_passed(instance, key) -> bool:
    history = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(INCOMING_REPORT, "drift_within_threshold"), limit=100
    )
    return next(r for r in history if r.partition == key).evaluation.passed


def only_negative(sample: str) -> str:
    rows = list(csv.DictReader(io.StringIO(sample)))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(r for r in rows if r["label"] == "negative")
    return out.getvalue()


def test_retrain_follows_the_source_file_and_its_drift_gate(platform, paths, put, tmp_path):
    from tests.conftest import SAMPLE_LANDING

    defs, instance = platform
    dataset = task_key("esg_sentiment", "dataset")
    other_datasets = {task_key(t, "dataset") for t in ("emotion", "esg_entities")}
    sample = (SAMPLE_LANDING / SENTIMENT).read_text()
    baseline = requested(defs, instance, paths)  # nothing has landed: nothing to build
    assert set(baseline) <= {PLATFORM_CONFIGURATION}  # (validating the YAML files needs none)

    # The task's file lands: its report is asked for first; the dataset waits for it.
    put(SENTIMENT, sample)
    convert(defs, instance)
    first = requested(defs, instance, paths)
    assert first[INCOMING_REPORT] == {SENTIMENT} and KNOWLEDGEBASE in first
    assert dataset not in first
    assert report(defs, instance, SENTIMENT).success and drift_passed(instance, SENTIMENT)
    accepted = requested(defs, instance, paths)
    assert dataset in accepted and not other_datasets & set(accepted)
    job = defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection={dataset})
    assert job.execute_in_process(instance=instance).success
    assert stale_status(defs, instance, dataset) == "FRESH"

    # A file lands in an unrelated folder: its own report and the knowledge base, no task.
    put("climate/notes/site_visits.csv", "site,visits\nRheintal,4\nNordwerk,7\n")
    convert(defs, instance)
    unrelated = requested(defs, instance, paths)
    assert unrelated[INCOMING_REPORT] == {"climate/notes/site_visits.csv"}
    assert dataset not in unrelated and not other_datasets & set(unrelated)
    assert stale_status(defs, instance, dataset) == "FRESH"

    # A drifted version of the task's file (only bad news): the drift gate holds.
    put(SENTIMENT, only_negative(sample))
    convert(defs, instance)
    assert dataset not in requested(defs, instance, paths)
    report(defs, instance, SENTIMENT)
    assert not drift_passed(instance, SENTIMENT)
    assert dataset not in requested(defs, instance, paths)
    assert dataset not in requested(defs, instance, paths)  # and keeps holding

    # Accepted by an override (recorded with its reason): the task retrains.
    assert report(defs, instance, SENTIMENT, override=True).success
    assert dataset in requested(defs, instance, paths)
