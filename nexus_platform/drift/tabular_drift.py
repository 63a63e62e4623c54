"""Feature drift per column, new categories and label drift against the reference.

Scores are deepchecks': Kolmogorov-Smirnov for numeric columns, Cramer's V for categorical
ones (both 0 = same distribution, 1 = disjoint). A column drifts when its score reaches the
threshold for its kind, or when categories the reference never saw cover more than
`new_category_ratio` of the incoming rows.
"""

from __future__ import annotations

import pandas as pd

from nexus_platform.drift.config import CheckSettings
from nexus_platform.drift.frames import ColumnRoles
from nexus_platform.drift.integrity import run_check
from nexus_platform.drift.results import CheckOutcome, not_enough_rows


def _common_roles(roles: ColumnRoles, reference: pd.DataFrame) -> ColumnRoles:
    present = set(reference.columns)
    return ColumnRoles(
        numeric=[c for c in roles.numeric if c in present],
        categorical=[c for c in roles.categorical if c in present],
    )


def schema_outcome(roles: ColumnRoles, incoming: pd.DataFrame, reference: pd.DataFrame, label):
    tested = set(roles.features) | set(roles.text)
    new = sorted(c for c in tested if c not in reference.columns)
    gone = sorted(c for c in reference.columns if c not in incoming.columns and c != label)
    if not new and not gone:
        return CheckOutcome("schema", "pass", "same columns as the reference", blocking=False)
    parts = ([f"new columns {new}"] if new else []) + ([f"columns gone {gone}"] if gone else [])
    return CheckOutcome(
        "schema", "warn", "; ".join(parts), {"new": new, "gone": gone}, blocking=False
    )


def run_tabular_drift(
    reference: pd.DataFrame,
    incoming: pd.DataFrame,
    roles: ColumnRoles,
    label: str | None,
    settings: CheckSettings,
) -> tuple[dict[str, dict], dict | None, list[CheckOutcome], list]:
    """(column drift, label drift, outcomes, deepchecks results)."""
    from deepchecks.tabular import Dataset
    from deepchecks.tabular.checks import FeatureDrift, LabelDrift, NewCategoryTrainTest

    t = settings.thresholds
    outcomes: list[CheckOutcome] = []
    results: list = []
    column_drift: dict[str, dict] = {}
    label_drift: dict | None = None

    small = min(len(incoming), len(reference))
    if small < settings.min_rows:
        which = "incoming" if len(incoming) < settings.min_rows else "reference"
        outcomes.append(not_enough_rows("feature_drift", which, small, settings.min_rows))
        if label:
            outcomes.append(not_enough_rows("label_drift", which, small, settings.min_rows))
        return column_drift, None, outcomes, results

    common = _common_roles(roles, reference)
    if common.features:
        ref_ds = Dataset(reference[common.features], cat_features=common.categorical)
        inc_ds = Dataset(incoming[common.features], cat_features=common.categorical)
        check = FeatureDrift(
            n_top_columns=10,
            max_num_categories_for_display=10,
            min_samples=settings.min_rows,
            n_samples=settings.sample_rows,
            random_state=settings.seed,
        ).add_condition_drift_score_less_than(
            max_allowed_categorical_score=t.categorical_drift,
            max_allowed_numeric_score=t.numeric_drift,
        )
        result, error = run_check(check, ref_ds, inc_ds)
        if result is not None:
            results.append(result)
            for column, value in result.value.items():
                numeric = column in common.numeric
                threshold = t.numeric_drift if numeric else t.categorical_drift
                score = value.get("Drift score")
                column_drift[str(column)] = {
                    "score": None if score is None else round(float(score), 4),
                    "method": value.get("Method"),
                    "kind": "numeric" if numeric else "categorical",
                    "threshold": threshold,
                    "drifted": score is not None and float(score) >= threshold,
                }
        else:
            outcomes.append(CheckOutcome("feature_drift", "warn", error or "", blocking=False))
        if common.categorical:
            result, _ = run_check(
                NewCategoryTrainTest(columns=common.categorical, max_features_to_show=10),
                ref_ds,
                inc_ds,
            )
            if result is not None:
                results.append(result)
                _merge_new_categories(column_drift, result.value, t.new_category_ratio)
        drifted = sorted(c for c, d in column_drift.items() if d["drifted"])
        outcomes.append(
            CheckOutcome(
                "feature_drift",
                "fail" if drifted else "pass",
                f"drift in {drifted}"
                if drifted
                else f"{len(column_drift)} columns within thresholds",
                {"drifted_columns": drifted},
            )
        )

    if label:
        label_drift, outcome, result = _label_drift(
            reference, incoming, label, settings, LabelDrift
        )
        outcomes.append(outcome)
        if result is not None:
            results.append(result)
    return column_drift, label_drift, outcomes, results


def _merge_new_categories(column_drift: dict, value, limit: float) -> None:
    # value: DataFrame indexed by column with "Ratio of New Categories" and "New categories".
    for column, row in value.iterrows():
        entry = column_drift.setdefault(str(column), {"score": None, "kind": "categorical"})
        ratio = round(float(row["Ratio of New Categories"]), 4)
        entry["new_category_ratio"] = ratio
        entry["new_categories"] = [str(v) for v in list(row["New categories"])[:20]]
        if ratio > limit:
            entry["drifted"] = True
            entry["reason"] = f"new categories cover {ratio:.1%} of rows (limit {limit:.0%})"


def _label_drift(reference, incoming, label, settings, label_drift_check):
    from deepchecks.tabular import Dataset

    t = settings.thresholds
    for frame, which in ((incoming, "incoming"), (reference, "reference")):
        if label not in frame.columns:
            message = f"label column {label!r} is missing from the {which} table"
            info = {"column": label, "missing_from": which, "drifted": None, "score": None}
            return info, CheckOutcome("label_drift", "fail", message, info), None
    ref_labels = reference[[label]].dropna()
    inc_labels = incoming[[label]].dropna()
    if min(len(ref_labels), len(inc_labels)) < settings.min_rows:
        which = "incoming" if len(inc_labels) < len(ref_labels) else "reference"
        outcome = not_enough_rows(
            "label_drift", which, min(len(ref_labels), len(inc_labels)), settings.min_rows
        )
        return None, outcome, None
    # Both sides as strings when either is: a label read as int on one side and str on the
    # other would otherwise look like total drift.
    if ref_labels[label].dtype != inc_labels[label].dtype:
        ref_labels, inc_labels = ref_labels.astype(str), inc_labels.astype(str)
    check = label_drift_check(
        min_samples=settings.min_rows, n_samples=settings.sample_rows, random_state=settings.seed
    ).add_condition_drift_score_less_than(t.label_drift)
    result, error = run_check(
        check,
        Dataset(ref_labels, label=label, features=[], cat_features=[]),
        Dataset(inc_labels, label=label, features=[], cat_features=[]),
    )
    if result is None:
        return None, CheckOutcome("label_drift", "warn", error or "", blocking=False), None
    score = round(float(result.value["Drift score"]), 4)
    drifted = score >= t.label_drift
    info = {
        "column": label,
        "score": score,
        "method": result.value.get("Method"),
        "threshold": t.label_drift,
        "drifted": drifted,
        "reference_balance": _balance(ref_labels[label]),
        "incoming_balance": _balance(inc_labels[label]),
    }
    message = f"label {label!r} drift {score:.3f} (limit {t.label_drift})"
    return info, CheckOutcome("label_drift", "fail" if drifted else "pass", message, info), result


def _balance(series: pd.Series, top: int = 10) -> dict[str, float] | None:
    if pd.api.types.is_float_dtype(series) and series.nunique() > top:
        return None  # a regression target: no class balance to show
    shares = series.astype(str).value_counts(normalize=True).head(top)
    return {k: round(float(v), 4) for k, v in shares.items()}
