"""Run the integrity and drift checks on one table and write the report.

`check_table` is the one entry point (the Dagster asset and `nexus check` both call it): it
returns a `DriftReport` and writes `<reports>/<table>/<timestamp>.html` (deepchecks' report,
self-contained, opens offline) and `<timestamp>.json` (the summary) atomically.

Cost control, stated in the summary's `sampling`: statistical tests run on at most
`sample_rows` rows per side, integrity on at most `integrity_sample_rows`, and embedding drift
embeds at most `embedding_sample_rows` texts per side (the embedder is the slow part: about
90 texts/s on a laptop CPU).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape as html_escape

import pandas as pd
from upath import UPath

from nexus_platform.drift import frames
from nexus_platform.drift.config import CheckSettings
from nexus_platform.drift.results import CheckOutcome, DriftReport
from nexus_platform.storage import atomic_output, write_json

log = logging.getLogger(__name__)


def check_table(
    incoming: pd.DataFrame,
    reference: pd.DataFrame | None,
    *,
    table: str,
    settings: CheckSettings,
    label: str | None = None,
    text: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    incoming_source: str = "",
    reference_source: str | None = None,
    reports_root: UPath | None = None,
    embedder: Callable[[], object] | object | None = None,
    notes: tuple[str, ...] = (),
    reference_error: str | None = None,
) -> DriftReport:
    """Check `incoming` (against `reference` when given). `embedder` is an Embedder or a
    zero-argument factory, called only when there are text columns to compare.
    `reference_error` (a configured reference that cannot be found) fails the drift gate."""
    started = time.perf_counter()
    report = DriftReport(
        table=table,
        incoming=incoming_source,
        reference=reference_source,
        incoming_rows=len(incoming),
        reference_rows=0 if reference is None else len(reference),
        thresholds=_as_dict(settings),
        notes=list(notes),
        created_at=datetime.now(UTC).isoformat(),
    )
    roles = frames.column_roles(incoming, label, tuple(text), tuple(ignore))
    for column, why in roles.dropped.items():
        report.notes.append(f"column {column!r} not tested: {why}")
    missing_text = [c for c in text if c not in incoming.columns]
    if missing_text:
        report.integrity.append(
            CheckOutcome(
                "text_columns_present",
                "fail",
                f"text column(s) {missing_text} missing from the incoming table",
                {"columns": missing_text},
            )
        )

    inc = frames.normalise(incoming, roles, label)
    ref = None if reference is None else frames.normalise(reference, roles, label)
    results: list = []
    # Integrity sees the real values: folding rare categories would invent duplicates.
    inc_integrity = frames.sample(inc, settings.integrity_sample_rows, settings.seed)
    _integrity(report, inc_integrity, roles, label, settings, results)

    inc, ref = inc.copy(), None if ref is None else ref.copy()
    capped = frames.cap_categories(
        [f for f in (inc, ref) if f is not None], roles.categorical, settings.max_categories
    )
    for column, distinct in capped.items():
        report.notes.append(
            f"column {column!r} has {distinct} distinct values: kept the {settings.max_categories} "
            f"most frequent, the rest counted as {frames.OTHER!r}"
        )

    if reference_error:
        report.drift.append(CheckOutcome("reference", "fail", reference_error, {}))
    elif ref is None:
        report.drift.append(
            CheckOutcome("drift", "skipped", "no reference to compare against", blocking=False)
        )
    else:
        _drift(report, inc, ref, roles, label, settings, embedder, results)
    report.sampling = _sampling(report, inc, ref, inc_integrity, settings)
    report.seconds = round(time.perf_counter() - started, 2)
    if reports_root is not None:
        write_report(report, results, reports_root)
    return report


def _integrity(report, frame, roles, label, settings, results) -> None:
    from nexus_platform.drift.integrity import run_integrity
    from nexus_platform.drift.text_drift import run_text_integrity

    outcomes, found = run_integrity(frame, roles, label, settings)
    report.integrity.extend(outcomes)
    results.extend(found)
    for column in roles.text:
        outcome, result = run_text_integrity(frame[column].tolist(), column, settings)
        report.integrity.append(outcome)
        if result is not None:
            results.append(result)


def _drift(report, inc, ref, roles, label, settings, embedder, results) -> None:
    from nexus_platform.drift.tabular_drift import run_tabular_drift, schema_outcome

    report.drift.append(schema_outcome(roles, inc, ref, label))
    inc_s = frames.sample(inc, settings.sample_rows, settings.seed)
    ref_s = frames.sample(ref, settings.sample_rows, settings.seed)
    column_drift, label_drift, outcomes, found = run_tabular_drift(
        ref_s, inc_s, roles, label, settings
    )
    report.column_drift, report.label_drift = column_drift, label_drift
    report.drift.extend(outcomes)
    results.extend(found)

    text_columns = [c for c in roles.text if c in ref.columns]
    if not text_columns:
        return
    from nexus_platform.drift.text_drift import run_text_drift

    model = _embedder(embedder)
    for column in text_columns:
        info, outcomes, found = run_text_drift(
            ref_s[column].tolist(), inc_s[column].tolist(), column, model, settings
        )
        if info is not None:
            report.embedding_drift[column] = info
        report.drift.extend(outcomes)
        results.extend(found)


def _embedder(embedder):
    if embedder is None:
        from nexus_platform.embeddings.local import local_embedder

        return local_embedder()
    return embedder() if callable(embedder) and not hasattr(embedder, "embed") else embedder


def _sampling(report, inc, ref, inc_integrity, settings: CheckSettings) -> dict:
    tested_inc = min(len(inc), settings.sample_rows)
    tested_ref = 0 if ref is None else min(len(ref), settings.sample_rows)
    info = {
        "sample_rows": settings.sample_rows,
        "incoming_rows_tested": tested_inc,
        "reference_rows_tested": tested_ref,
        "integrity_rows_tested": len(inc_integrity),
        "embedding_sample_rows": settings.embedding_sample_rows,
        "sampled": tested_inc < len(inc) or (ref is not None and tested_ref < len(ref)),
    }
    if info["sampled"]:
        report.notes.append(
            f"statistical tests ran on a random sample: {tested_inc} of {len(inc)} incoming rows, "
            f"{tested_ref} of {0 if ref is None else len(ref)} reference rows (seed {settings.seed})"
        )
    if len(inc_integrity) < len(inc):
        report.notes.append(f"integrity checks ran on {len(inc_integrity)} of {len(inc)} rows")
    return info


def _as_dict(settings: CheckSettings) -> dict:
    from dataclasses import asdict

    data = asdict(settings)
    thresholds = data.pop("thresholds")
    return {**thresholds, **{f"settings.{k}": v for k, v in data.items()}}


def write_report(report: DriftReport, results: list, reports_root: UPath) -> None:
    """HTML and JSON summary under `<reports_root>/<table>/<timestamp>.*`, each atomic."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S-%fZ")
    folder = reports_root / report.table
    html_target, json_target = folder / f"{stamp}.html", folder / f"{stamp}.json"
    html = render_html(report, results)
    with atomic_output(html_target, "wb") as fh:
        fh.write(html.encode("utf-8"))
    report.report_html, report.summary_json = str(html_target), str(json_target)
    write_json(json_target, report.summary())


_SERIALIZE_LOCK = threading.Lock()


def render_html(report: DriftReport, results: list) -> str:
    """deepchecks' report as one self-contained page with a single copy of plotly.js.

    deepchecks asks plotly for each figure with include_plotlyjs='require', which plotly 6+
    answers by embedding the whole library (4.8 MB) in every figure: a 20-column report grew
    past 100 MB. Figures are serialised here without the library, and the page loads it once
    in <head>, before any figure runs, so the report still opens offline."""
    from deepchecks.core.serialization.check_result import html as check_html
    from deepchecks.core.suite import SuiteResult
    from plotly.offline import get_plotlyjs

    extra = [
        f"Incoming: {report.incoming} ({report.incoming_rows} rows)",
        f"Reference: {report.reference or 'none'} ({report.reference_rows} rows)",
        *report.notes,
        *(f"{o.name}: {o.status} — {o.message}" for o in report.integrity + report.drift),
    ]
    suite = SuiteResult(f"Incoming data report: {report.table}", results, extra_info=extra)
    original = check_html.to_html

    def figure_without_library(*args, **kwargs):
        return original(*args, **{**kwargs, "include_plotlyjs": False})

    with _SERIALIZE_LOCK:  # the patch is module-wide: one serialisation at a time
        check_html.to_html = figure_without_library
        try:
            body = suite.html_serializer.serialize(
                output_id="report", full_html=False, include_plotlyjs=False, include_requirejs=False
            )
        finally:
            check_html.to_html = original
    title = html_escape(f"Incoming data report: {report.table}")
    return (
        '<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"/>'
        f"<title>{title}</title>\n<script>{get_plotlyjs()}</script>\n</head>\n"
        '<body style="background-color: white; padding: 1rem 1rem 0 1rem;">\n'
        f"{body}\n</body>\n</html>\n"
    )


def log_to_tracker(report: DriftReport, tracker, config: dict | None = None) -> str:
    """One W&B run per report: drift scores as summary metrics, the HTML report as an
    artifact (local reports; a gs:// report is linked in the run config instead). Returns the
    run's local folder."""
    run_config = {
        "table": report.table,
        "incoming": report.incoming,
        "reference": report.reference,
        "thresholds": report.thresholds,
        "sampling": report.sampling,
        "report_html": report.report_html,
        **(config or {}),
    }
    with tracker.run(
        name=f"drift-{report.table}", job_type="drift-check", config=run_config
    ) as run:
        run.summary(report.metrics())
        path = report.report_html
        if path and _is_local_file(path) and UPath(path).exists():
            run.log_artifact(
                UPath(path).path, name=f"drift-report-{report.table}", type="drift-report"
            )
        return run.run_dir


def _is_local_file(path: str) -> bool:
    return "://" not in path or path.startswith("file://")
