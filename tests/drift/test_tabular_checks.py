"""Integrity and tabular drift with the real deepchecks on small tables."""

from __future__ import annotations

import json
from dataclasses import replace
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from drift_tables import make_frame
from upath import UPath

from nexus_platform.drift.report import check_table


def run(incoming, reference, settings, **kwargs):
    kwargs.setdefault("label", "label")
    return check_table(incoming, reference, table="t", settings=settings, **kwargs)


def test_same_distribution_passes(settings):
    report = run(make_frame(1), make_frame(2), settings)
    assert report.integrity_ok and report.drift_ok
    assert report.drifted_columns == []
    assert set(report.column_drift) == {"amount", "score", "colour"}
    assert all(d["score"] < d["threshold"] for d in report.column_drift.values())
    assert report.label_drift["score"] < settings.thresholds.label_drift


def test_shifted_numeric_column_is_flagged(settings):
    report = run(make_frame(1, shift=8.0), make_frame(2), settings)
    assert report.drifted_columns == ["amount"]
    assert report.column_drift["amount"]["method"] == "Kolmogorov-Smirnov"
    assert report.column_drift["amount"]["score"] >= 0.2
    assert not report.drift_ok and report.integrity_ok
    assert report.worst_columns(1)[0][0] == "amount"


def test_new_category_is_flagged(settings):
    incoming = make_frame(1, categories=("red", "green", "blue", "violet"))
    report = run(incoming, make_frame(2), settings)
    assert report.drifted_columns == ["colour"]
    colour = report.column_drift["colour"]
    assert colour["new_categories"] == ["violet"]
    assert colour["new_category_ratio"] > 0.1


def test_flipped_label_balance_is_label_drift(settings):
    report = run(make_frame(1, positive_share=0.8), make_frame(2, positive_share=0.2), settings)
    assert report.drifted_columns == ["label"]
    assert report.label_drift["drifted"] and report.label_drift["score"] > 0.4
    assert report.label_drift["incoming_balance"]["pos"] > 0.7
    assert report.label_drift["reference_balance"]["pos"] < 0.3


def test_too_few_rows_is_a_result_not_a_crash(settings):
    report = run(make_frame(1, rows=12), make_frame(2), settings)
    outcome = next(o for o in report.drift if o.name == "feature_drift")
    assert outcome.status == "not_enough_rows"
    assert outcome.message == "not enough rows (12 < 30) in the incoming table"
    assert report.drift_ok and not report.drift_assessed  # nothing to block, nothing proven
    assert report.integrity_ok


def test_missing_label_fails_naming_the_column(settings):
    incoming = make_frame(1).drop(columns=["label"])
    report = run(incoming, make_frame(2), settings)
    present = next(o for o in report.integrity if o.name == "label_column_present")
    assert present.status == "fail" and "'label'" in present.message
    assert not report.integrity_ok
    label = next(o for o in report.drift if o.name == "label_drift")
    assert label.status == "fail" and "missing from the incoming table" in label.message


def test_integrity_failures_duplicates_nulls_conflicts(settings):
    frame = make_frame(3, rows=100)
    frame.loc[:59, "score"] = np.nan  # 60% nulls
    dupes = frame.iloc[:40].copy()
    dupes["label"] = np.where(dupes["label"] == "pos", "neg", "pos")  # same inputs, other label
    report = run(frame._append(dupes, ignore_index=True), None, settings)
    failed = {o.name for o in report.integrity if o.failed}
    assert failed == {"nulls", "conflicting_labels"}
    nulls = next(o for o in report.integrity if o.name == "nulls")
    assert "score" in nulls.message
    assert report.drift[0].status == "skipped"


def test_high_cardinality_categories_are_capped(settings, tmp_path):
    rng = np.random.default_rng(5)
    incoming, reference = make_frame(1, rows=300), make_frame(2, rows=300)
    incoming["customer"] = [f"c{i}" for i in rng.integers(0, 3000, 300)]
    reference["customer"] = [f"c{i}" for i in rng.integers(0, 3000, 300)]
    small = replace(settings, max_categories=20)
    report = run(incoming, reference, small, reports_root=UPath(tmp_path))
    assert any("'customer'" in n and "20 most frequent" in n for n in report.notes)
    assert "customer" in report.column_drift
    assert UPath(report.report_html).stat().st_size < 12_000_000


def test_report_html_and_json_summary(settings, tmp_path):
    report = run(make_frame(1, shift=8.0), make_frame(2), settings, reports_root=UPath(tmp_path))
    html_path = UPath(report.report_html)
    assert html_path.parent == UPath(tmp_path) / "t" and html_path.suffix == ".html"
    html = html_path.read_text(encoding="utf-8")

    class Tags(HTMLParser):
        seen: set = set()

        def handle_starttag(self, tag, attrs):
            self.seen.add(tag)

    parser = Tags()
    parser.feed(html)
    assert {"html", "body", "script", "table"} <= parser.seen
    assert "Feature Drift" in html
    assert html.count("* plotly.js v") == 1  # one embedded copy: opens offline, stays small
    summary = json.loads(UPath(report.summary_json).read_text())
    assert summary["drifted_columns"] == ["amount"]
    assert summary["report_html"] == report.report_html
    assert summary["column_drift"]["amount"]["drifted"] is True
    assert summary["thresholds"]["numeric_drift"] == 0.2


@pytest.mark.parametrize("sample_rows", [50])
def test_sampling_is_stated(settings, sample_rows):
    report = run(make_frame(1), make_frame(2), replace(settings, sample_rows=sample_rows))
    assert report.sampling["sampled"] and report.sampling["incoming_rows_tested"] == sample_rows
    assert any("random sample: 50 of 200 incoming rows" in n for n in report.notes)


def test_timestamps_booleans_and_nested_columns(settings):
    def with_odd_columns(frame, days):
        frame = frame.copy()
        frame["seen_at"] = pd.date_range(
            "2024-01-01", periods=len(frame), freq=f"{days}h", tz="Europe/Berlin"
        )
        frame["flag"] = frame.index % 2 == 0
        frame["tags"] = [["a", "b"]] * len(frame)
        return frame

    report = run(with_odd_columns(make_frame(1), 1), with_odd_columns(make_frame(2), 5), settings)
    assert "column 'tags' not tested: nested values (lists or structs)" in report.notes
    assert report.column_drift["seen_at"]["kind"] == "numeric"
    assert "seen_at" in report.drifted_columns  # five times the time span
    assert (
        report.column_drift["flag"]["kind"] == "categorical"
        and not report.column_drift["flag"]["drifted"]
    )
