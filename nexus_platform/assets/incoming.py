"""Incoming-data checks: every landed table that `config/drift.yaml` covers is checked for
integrity and for drift against its reference before anyone trains on it."""

import dagster as dg

from nexus_platform.asset_keys import INCOMING_REPORT, PARQUET_TABLES
from nexus_platform.assets.partitions import landing_files
from nexus_platform.automation import PER_FILE
from nexus_platform.config_files import ConfigFileError
from nexus_platform.dagster_internals import check_outputs_done
from nexus_platform.drift.config import load_config
from nexus_platform.drift.results import DriftReport
from nexus_platform.resources.storage import NexusStorage
from nexus_platform.resources.tracking import TrackingResource

INTEGRITY_CHECK = "integrity_ok"
DRIFT_CHECK = "drift_within_threshold"


class IncomingReportConfig(dg.Config):
    config_path: str = ""  # drift YAML; empty = the repo's config/drift.yaml
    # Explicit, recorded override: accept drifted data for training anyway. Integrity
    # failures are never overridden.
    override_drift: bool = False
    override_reason: str = ""
    track: bool = True  # log each report as a W&B run


def _check_spec(name: str, description: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name,
        asset=INCOMING_REPORT,
        partitions_def=landing_files,
        blocking=True,
        description=description,
    )


def _drift_state(report: DriftReport, override: bool) -> str:
    if not report.drift_ok:
        return "overridden" if override else "fail"
    if any(o.status == "not_enough_rows" for o in report.drift):
        return "warn"
    return "pass"


def _table_summary(target, report: DriftReport, override: bool, run_dir: str | None) -> dict:
    state = _drift_state(report, override)
    return {
        "landing_path": target.relpath,
        "table": target.table,
        "table_id": target.table_id,
        "rows": report.incoming_rows,
        "integrity_ok": report.integrity_ok,
        "drift_state": state,
        # Not enough rows to test drift ("warn") is shown, not held against the data.
        "accepted": report.integrity_ok and state in ("pass", "overridden", "warn"),
        "drifted_columns": report.drifted_columns,
        "failed_checks": [
            f"{o.name}: {o.message}" for o in report.integrity + report.drift if o.failed
        ],
        "report": report.report_html,
        "wandb_run_dir": run_dir,
    }


def _metadata(reports: list[tuple], summaries: list[dict], config: IncomingReportConfig) -> dict:
    meta: dict = {
        "dagster/row_count": sum(r.incoming_rows for _, r in reports),
        "tables_checked": dg.MetadataValue.json(summaries),
        "override_drift": config.override_drift,
    }
    if config.override_drift:
        meta["override_reason"] = config.override_reason or "(none given)"
    many = len(reports) > 1
    for target, report in reports:
        suffix = f"[{target.table_id}]" if many else ""
        meta[f"column_drift{suffix}"] = dg.MetadataValue.json(
            {c: d.get("score") for c, d in report.column_drift.items()}
        )
        meta[f"worst_columns{suffix}"] = dg.MetadataValue.json(dict(report.worst_columns()))
        meta[f"drifted_columns{suffix}"] = ", ".join(report.drifted_columns) or "none"
        if report.label_drift and report.label_drift.get("score") is not None:
            meta[f"label_drift{suffix}"] = float(report.label_drift["score"])
        if report.embedding_drift:
            meta[f"embedding_drift{suffix}"] = dg.MetadataValue.json(
                {
                    c: {
                        "domain_classifier_auc": d.get("domain_classifier_auc"),
                        "drift_score": d.get("drift_score"),
                    }
                    for c, d in report.embedding_drift.items()
                }
            )
        if report.report_html:
            meta[f"report{suffix}"] = dg.MetadataValue.path(report.report_html)
    meta["preview"] = dg.MetadataValue.md(_markdown(summaries))
    return meta


def _markdown(summaries: list[dict]) -> str:
    if not summaries:
        return "No table of this file is covered by the drift configuration."
    lines = ["| table | rows | integrity | drift | drifted columns |", "|---|---|---|---|---|"]
    for s in summaries:
        integrity = "ok" if s["integrity_ok"] else "FAILED"
        lines.append(
            f"| {s['table_id']} | {s['rows']} | {integrity} | {s['drift_state']} | "
            f"{', '.join(s['drifted_columns']) or '-'} |"
        )
    return "\n".join(lines)


def _evaluations(
    key: str, summaries: list[dict], errors: list[str]
) -> list[dg.AssetCheckEvaluation]:
    integrity_failed = [s["table_id"] for s in summaries if not s["integrity_ok"]]
    states = [s["drift_state"] for s in summaries]
    drift_failed = [s["table_id"] for s in summaries if s["drift_state"] == "fail"]
    drift_warn = [s["table_id"] for s in summaries if s["drift_state"] == "warn"]
    details = [c for s in summaries for c in s["failed_checks"]] + errors
    integrity = dg.AssetCheckEvaluation(
        asset_key=INCOMING_REPORT,
        check_name=INTEGRITY_CHECK,
        passed=not integrity_failed and not errors,
        partition=key,
        blocking=True,
        description="; ".join(details)[:2000] or f"{len(summaries)} table(s) passed",
        metadata={"failed_tables": ", ".join(integrity_failed) or "none"},
    )
    drift = dg.AssetCheckEvaluation(
        asset_key=INCOMING_REPORT,
        check_name=DRIFT_CHECK,
        # "warn" (not enough rows to test) is visible but blocks nothing.
        passed=not drift_failed and not drift_warn,
        severity=dg.AssetCheckSeverity.ERROR if drift_failed else dg.AssetCheckSeverity.WARN,
        partition=key,
        blocking=True,
        description=(
            "drift in " + ", ".join(drift_failed)
            if drift_failed
            else ("not enough rows to test " + ", ".join(drift_warn) if drift_warn else None)
        ),
        metadata={
            "drifted_tables": ", ".join(drift_failed) or "none",
            "overridden": "overridden" in states,
        },
    )
    return [integrity, drift]


@dg.asset(
    key=INCOMING_REPORT,
    partitions_def=landing_files,
    deps=[PARQUET_TABLES],
    backfill_policy=dg.BackfillPolicy.single_run(),
    # A partition is materialised only when its file's new version is accepted (integrity
    # and drift checks passed, or drift overridden): that is the gate before a retrain, and
    # it holds for whatever reads the report, in any run, under the daemon or the CLI.
    output_required=False,
    automation_condition=PER_FILE,
    check_specs=[
        _check_spec(INTEGRITY_CHECK, "Nulls, duplicates, conflicting labels and the label column."),
        _check_spec(
            DRIFT_CHECK, "Feature, label and embedding drift within the configured thresholds."
        ),
    ],
    group_name="quality",
    kinds={"deepchecks", "wandb"},
)
def incoming_data_report(
    context: dg.AssetExecutionContext,
    config: IncomingReportConfig,
    storage: NexusStorage,
    tracking: TrackingResource,
):
    """Data quality of newly landed tables, before any model trains on them: deepchecks'
    integrity checks on the table itself, and drift against its reference (the previous
    accepted version, another table or a task's training set, per config/drift.yaml) for
    every column, the label and the embeddings of text columns. Writes an offline HTML report
    and a JSON summary under reports/<table>/ and logs each report as a W&B run. A drifted
    table fails `drift_within_threshold` and its partition is not materialised (the report is
    recorded as an observation), so no task retrains on it unless a run is launched with
    `override_drift: true` (recorded here and in W&B)."""
    from nexus_platform.drift.pipeline import accepted, check_target, targets_for
    from nexus_platform.drift.report import log_to_tracker

    paths = storage.paths()
    try:
        drift_config = load_config(config.config_path or None)
    except ConfigFileError as exc:
        # Fail closed: while the rules do not validate, nothing is accepted for training (the
        # blocking integrity check fails, naming the file and field), rather than every table
        # passing unchecked. The platform_configuration check shows the same error.
        context.log.error(f"drift rules not applied: {exc}")
        for key in context.partition_keys:
            yield from _evaluations(key, [], [f"the drift rules do not validate: {exc}"])
        yield from check_outputs_done(INCOMING_REPORT, INTEGRITY_CHECK, DRIFT_CHECK)
        return
    tracker = tracking.tracker() if config.track else None
    for key in context.partition_keys:
        reports, summaries, errors = [], [], []
        for target in targets_for(paths, drift_config, key):
            try:
                report = check_target(paths, target, override=config.override_drift)
            except Exception as exc:  # one unreadable table must not stop the batch
                context.log.error(f"{key} [{target.table}]: {type(exc).__name__}: {exc}")
                errors.append(f"{target.table_id}: could not check: {type(exc).__name__}: {exc}")
                continue
            run_dir = None
            if tracker is not None:
                run_dir = log_to_tracker(
                    report,
                    tracker,
                    {
                        "override_drift": config.override_drift,
                        "override_reason": config.override_reason,
                        "partition": key,
                        "dagster_run_id": context.run_id,
                        "accepted": accepted(report, config.override_drift),
                    },
                )
            reports.append((target, report))
            summaries.append(_table_summary(target, report, config.override_drift, run_dir))
        metadata = _metadata(reports, summaries, config)
        if not errors and all(s["accepted"] for s in summaries):
            yield dg.AssetMaterialization(
                asset_key=INCOMING_REPORT, partition=key, metadata=metadata
            )
        else:
            # Not accepted: the partition keeps its last accepted version, so nothing that
            # reads it (a task's dataset) sees new data. The report itself stays visible.
            yield dg.AssetObservation(asset_key=INCOMING_REPORT, partition=key, metadata=metadata)
        yield from _evaluations(key, summaries, errors)
    yield from check_outputs_done(INCOMING_REPORT, INTEGRITY_CHECK, DRIFT_CHECK)


def build_defs() -> dg.Definitions:
    return dg.Definitions(assets=[incoming_data_report])
