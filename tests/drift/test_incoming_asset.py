"""The `incoming_data_report` asset and its blocking checks, on a real Dagster instance with
a temp NEXUS_HOME: a version of a file is materialised only once it is accepted."""

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
    incoming_data_report,
)
from nexus_platform.drift.reference import baseline_path
from nexus_platform.resources.storage import NexusStorage
from nexus_platform.resources.tracking import TrackingResource
from nexus_platform.settings import NexusPaths
from nexus_platform.tracking import read_offline_run

KEY = "sales/orders.csv"


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
    result = materialize(setup, [incoming_data_report])
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

    blocked = materialize(setup, [incoming_data_report])
    assert not blocked.success
    checks = checks_of(blocked)
    assert checks[INTEGRITY_CHECK].passed
    assert (
        not checks[DRIFT_CHECK].passed
        and checks[DRIFT_CHECK].severity == dg.AssetCheckSeverity.ERROR
    )
    assert "sales__orders.csv" in checks[DRIFT_CHECK].description
    # Not accepted: no new materialisation (what reads the report sees no new data); the
    # report is recorded as an observation of the partition.
    assert not blocked.get_asset_materialization_events()
    observed = instance.fetch_observations(INCOMING_REPORT, limit=1).records[0]
    assert observed.partition_key == KEY
    meta = observed.asset_observation.metadata
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

    overridden = materialize(setup, [incoming_data_report], override=True)
    assert overridden.success
    assert checks_of(overridden)[DRIFT_CHECK].passed
    # Accepted by the override: the new version is materialised for what reads it.
    [event] = overridden.get_asset_materialization_events()
    assert event.asset_key == INCOMING_REPORT and event.partition == KEY
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


def test_drift_rules_that_do_not_validate_accept_nothing(setup, tmp_path):
    """Fail closed: a broken drift file must not let every table through unchecked."""
    paths, instance, resources, _ = setup
    land(paths, KEY, make_frame(1))
    broken = tmp_path / "broken.yaml"
    broken.write_text('tables: [{incoming: "sales/*.csv", refrence: previous}]\n')
    result = materialize((paths, instance, resources, str(broken)), [incoming_data_report])
    assert not result.get_asset_materialization_events()
    integrity = checks_of(result)[INTEGRITY_CHECK]
    assert not integrity.passed and "refrence" in integrity.description
