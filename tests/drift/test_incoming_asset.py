"""The `incoming_data_report` asset, its blocking checks and the retrain sensor, on a real
Dagster instance with a temp NEXUS_HOME."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest
from drift_tables import land, make_frame
from upath import UPath

from nexus_platform.assets.incoming import (
    DRIFT_CHECK,
    INCOMING_REPORT,
    INTEGRITY_CHECK,
    build_defs,
    build_retrain_sensor,
    incoming_data_report,
)
from nexus_platform.assets.partitions import landing_files
from nexus_platform.drift.reference import baseline_path
from nexus_platform.resources.storage import NexusStorage
from nexus_platform.resources.tracking import TrackingResource
from nexus_platform.settings import NexusPaths
from nexus_platform.tracking import read_offline_run

KEY = "sales/orders.csv"


@dg.asset(partitions_def=landing_files, deps=[INCOMING_REPORT])
def sales_model_training() -> dg.MaterializeResult:
    """Stands in for a model trained on the checked table."""
    return dg.MaterializeResult()


@dg.op
def retrain_stub() -> None:
    pass


@dg.job
def retrain_sales_model():
    retrain_stub()


@pytest.fixture
def setup(nexus_home, tmp_path):
    config = tmp_path / "drift.yaml"
    config.write_text(
        'tables:\n  - incoming: "sales/*.csv"\n    reference: previous\n    label: label\n'
        "defaults:\n  min_rows: 30\n"
    )
    paths = NexusPaths.from_uri(str(nexus_home))
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("landing_files", [KEY, "other/notes.csv"])
    resources = {
        "storage": NexusStorage(home=str(nexus_home)),
        "tracking": TrackingResource(directory=str(nexus_home / "wandb"), mode="offline"),
    }
    return paths, instance, resources, str(config)


def materialize(setup, assets, override=False, key=KEY):
    paths, instance, resources, config = setup
    run_config = {
        "ops": {
            "incoming_data_report": {
                "config": {
                    "config_path": config,
                    "override_drift": override,
                    "override_reason": "new market" if override else "",
                }
            }
        }
    }
    return dg.materialize(
        assets,
        partition_key=key,
        resources=resources,
        run_config=run_config,
        instance=instance,
        raise_on_error=False,
    )


def checks_of(result) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def latest_metadata(instance) -> dict:
    record = instance.fetch_materializations(INCOMING_REPORT, limit=1).records[0]
    return record.asset_materialization.metadata


def test_first_version_passes_and_becomes_the_baseline(setup):
    paths, instance, _, _ = setup
    land(paths, KEY, make_frame(1))
    result = materialize(setup, [incoming_data_report, sales_model_training])
    assert result.success
    checks = checks_of(result)
    assert checks[INTEGRITY_CHECK].passed and checks[DRIFT_CHECK].passed
    assert baseline_path(paths, "sales__orders.csv").exists()
    meta = latest_metadata(instance)
    (table,) = meta["tables_checked"].value
    assert table["accepted"] and table["drift_state"] == "pass"
    assert meta["dagster/row_count"].value == 200
    assert UPath(meta["report"].value).exists()


def test_drifted_version_blocks_downstream_until_overridden(setup):
    paths, instance, _, _ = setup
    land(paths, KEY, make_frame(1))
    assert materialize(setup, [incoming_data_report]).success
    land(paths, KEY, make_frame(2, shift=8.0))

    blocked = materialize(setup, [incoming_data_report, sales_model_training])
    assert not blocked.success
    checks = checks_of(blocked)
    assert checks[INTEGRITY_CHECK].passed
    assert (
        not checks[DRIFT_CHECK].passed
        and checks[DRIFT_CHECK].severity == dg.AssetCheckSeverity.ERROR
    )
    assert "sales__orders.csv" in checks[DRIFT_CHECK].description
    materialized = {e.asset_key for e in blocked.get_asset_materialization_events()}
    assert materialized == {INCOMING_REPORT}  # the training asset never ran
    meta = latest_metadata(instance)
    assert meta["drifted_columns"].value == "amount"
    assert meta["column_drift"].value["amount"] > 0.2 > meta["column_drift"].value["score"]
    assert meta["worst_columns"].value and list(meta["worst_columns"].value)[0] == "amount"
    assert meta["label_drift"].value < 0.2
    wandb_run = read_offline_run(meta["tables_checked"].value[0]["wandb_run_dir"])
    assert wandb_run.summary["drift/amount"] == pytest.approx(meta["column_drift"].value["amount"])
    assert wandb_run.config["override_drift"] is False
    # The rejected version did not replace the baseline: the next check still compares with v1.
    baseline = baseline_path(paths, "sales__orders.csv")
    assert abs(pd.read_parquet(baseline.path)["amount"].mean() - 100) < 3

    overridden = materialize(setup, [incoming_data_report, sales_model_training], override=True)
    assert overridden.success
    assert checks_of(overridden)[DRIFT_CHECK].passed
    assert {e.asset_key for e in overridden.get_asset_materialization_events()} == {
        INCOMING_REPORT,
        dg.AssetKey("sales_model_training"),
    }
    meta = latest_metadata(instance)
    assert meta["override_drift"].value is True and meta["override_reason"].value == "new market"
    table = meta["tables_checked"].value[0]
    assert table["drift_state"] == "overridden" and table["drifted_columns"] == ["amount"]
    assert read_offline_run(table["wandb_run_dir"]).config["override_drift"] is True
    assert abs(pd.read_parquet(baseline.path)["amount"].mean() - 108) < 3  # accepted: new baseline


def test_uncovered_file_is_a_passing_no_op(setup):
    paths, instance, _, _ = setup
    land(paths, "other/notes.csv", make_frame(1))
    result = materialize(setup, [incoming_data_report], key="other/notes.csv")
    assert result.success
    assert latest_metadata(instance)["tables_checked"].value == []


def test_retrain_sensor_requests_only_after_accepted_data(setup):
    paths, instance, _, _ = setup
    sensor = build_retrain_sensor({"sales_model": ("landing/sales/*.csv", retrain_sales_model)})

    def tick(cursor):
        return sensor(dg.build_sensor_context(instance=instance, cursor=cursor))

    empty = tick(None)
    assert empty.run_requests == []

    land(paths, KEY, make_frame(1))
    materialize(setup, [incoming_data_report])
    first = tick(empty.cursor)
    (request,) = first.run_requests
    assert request.job_name == "retrain_sales_model"
    assert request.tags["nexus/retrain_task"] == "sales_model"
    assert request.run_key.startswith("sales_model:")

    land(paths, KEY, make_frame(2, shift=8.0))
    materialize(setup, [incoming_data_report])  # drift: check fails
    second = tick(first.cursor)
    assert second.run_requests == []

    materialize(setup, [incoming_data_report], override=True)
    third = tick(second.cursor)
    assert [r.tags["nexus/drift_state"] for r in third.run_requests] == ["overridden"]
    assert tick(third.cursor).run_requests == []  # nothing new, nothing requested


def test_definitions_load_with_the_sensor_and_asset_selection_targets():
    sensor = build_retrain_sensor({"t": ("x/*.csv", [dg.AssetKey("sales_model_training")])})
    defs = dg.Definitions.merge(
        build_defs(),
        dg.Definitions(
            assets=[sales_model_training],
            sensors=[sensor],
            resources={
                "storage": NexusStorage(home="/tmp/unused"),
                "tracking": TrackingResource(directory="/tmp/unused"),
            },
        ),
    )
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("retrain_t") is not None
