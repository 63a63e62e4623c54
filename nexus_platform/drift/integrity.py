"""Integrity of the incoming table on its own, with deepchecks' data-integrity checks.

Hard failures (they fail `integrity_ok`): a configured label column that is missing, too many
nulls in a column, too many duplicate rows, too many conflicting labels. The other findings
(mixed null spellings, mixed types, string variants, special characters, text-length
outliers) are warnings: worth reading in the report, never a reason to stop a pipeline.
"""

from __future__ import annotations

import logging

import pandas as pd

from nexus_platform.drift.config import CheckSettings
from nexus_platform.drift.frames import ColumnRoles
from nexus_platform.drift.results import CheckOutcome

log = logging.getLogger(__name__)


def run_check(check, *datasets, **kwargs):
    """Run one deepchecks check; an internal deepchecks error becomes a warning, not a crash."""
    try:
        return check.run(*datasets, **kwargs), None
    except Exception as exc:  # deepchecks raises many types for data it cannot handle
        log.warning("deepchecks %s failed: %s", type(check).__name__, exc)
        return None, f"{type(check).__name__} could not run: {exc}"


def tabular_dataset(frame: pd.DataFrame, roles: ColumnRoles, label: str | None, text=True):
    from deepchecks.tabular import Dataset

    features = roles.features + (roles.text if text else [])
    categorical = roles.categorical + (roles.text if text else [])
    columns = features + ([label] if label else [])
    return Dataset(
        frame[columns],
        label=label,
        features=features,
        cat_features=categorical,
    )


def label_present(label: str | None, frame: pd.DataFrame, which: str = "incoming") -> CheckOutcome:
    if label is None:
        return CheckOutcome("label_column_present", "skipped", "no label column configured")
    if label in frame.columns:
        return CheckOutcome("label_column_present", "pass", f"label column {label!r} present")
    return CheckOutcome(
        "label_column_present",
        "fail",
        f"label column {label!r} is missing from the {which} table "
        f"(columns: {', '.join(map(str, frame.columns[:20]))})",
        {"column": label, "table": which},
    )


def run_integrity(
    frame: pd.DataFrame, roles: ColumnRoles, label: str | None, settings: CheckSettings
) -> tuple[list[CheckOutcome], list]:
    """Outcomes plus the deepchecks results (for the HTML report)."""
    from deepchecks.tabular.checks import (
        ConflictingLabels,
        DataDuplicates,
        MixedDataTypes,
        MixedNulls,
        PercentOfNulls,
        SpecialCharacters,
        StringMismatch,
    )

    t = settings.thresholds
    outcomes = [label_present(label, frame)]
    if len(frame) == 0:
        outcomes.append(CheckOutcome("rows", "fail", "the incoming table has no rows", {"rows": 0}))
        return outcomes, []
    if not roles.features and not roles.text:
        outcomes.append(CheckOutcome("columns", "fail", "no columns left to check", {}))
        return outcomes, []
    has_label = label is not None and label in frame.columns
    dataset = tabular_dataset(frame, roles, label if has_label else None)
    results = []

    result, error = run_check(
        PercentOfNulls().add_condition_percent_of_nulls_not_greater_than(t.max_null_ratio), dataset
    )
    if result is not None:
        results.append(result)
        ratios = {
            str(k): round(float(v), 4)
            for k, v in result.value["Percent of nulls in sample"].items()
        }
        worst = {c: r for c, r in ratios.items() if r > t.max_null_ratio}
        outcomes.append(
            CheckOutcome(
                "nulls",
                "fail" if worst else "pass",
                f"null ratio above {t.max_null_ratio} in {sorted(worst)}"
                if worst
                else "null ratios within limit",
                {"null_ratio": ratios, "threshold": t.max_null_ratio},
            )
        )
    else:
        outcomes.append(CheckOutcome("nulls", "warn", error or "", blocking=False))

    result, error = run_check(
        DataDuplicates().add_condition_ratio_less_or_equal(t.max_duplicate_ratio), dataset
    )
    if result is not None:
        results.append(result)
        ratio = round(float(result.value or 0.0), 4)
        bad = ratio > t.max_duplicate_ratio
        outcomes.append(
            CheckOutcome(
                "duplicates",
                "fail" if bad else "pass",
                f"{ratio:.1%} duplicate rows (limit {t.max_duplicate_ratio:.0%})",
                {"ratio": ratio, "threshold": t.max_duplicate_ratio},
            )
        )

    if has_label:
        check = ConflictingLabels().add_condition_ratio_of_conflicting_labels_less_or_equal(
            t.max_conflicting_label_ratio
        )
        result, error = run_check(check, dataset)
        if result is not None:
            results.append(result)
            ratio = round(float(result.value.get("percent_of_conflicting_samples", 0.0)), 4)
            bad = ratio > t.max_conflicting_label_ratio
            outcomes.append(
                CheckOutcome(
                    "conflicting_labels",
                    "fail" if bad else "pass",
                    f"{ratio:.1%} of rows share inputs but not labels",
                    {"ratio": ratio, "threshold": t.max_conflicting_label_ratio},
                )
            )

    outcomes += _warnings(
        dataset, results, MixedNulls, MixedDataTypes, StringMismatch, SpecialCharacters
    )
    return outcomes, results


def _columns_with_findings(name: str, value) -> dict:
    if name == "special_characters":
        return {c: round(float(v), 4) for c, v in value.items() if v}
    columns = value.get("columns", value) if isinstance(value, dict) else {}
    if name == "mixed_nulls":  # one spelling of null is just nulls; two or more is mixed
        return {c: v for c, v in columns.items() if len(v) > 1}
    return {c: v for c, v in columns.items() if v}


def _warnings(dataset, results: list, *check_types) -> list[CheckOutcome]:
    names = {
        "MixedNulls": "mixed_nulls",
        "MixedDataTypes": "mixed_types",
        "StringMismatch": "string_mismatch",
        "SpecialCharacters": "special_characters",
    }
    outcomes = []
    for check_type in check_types:
        name = names[check_type.__name__]
        result, error = run_check(check_type(), dataset)
        if result is None:
            outcomes.append(CheckOutcome(name, "warn", error or "", blocking=False))
            continue
        results.append(result)
        found = _columns_with_findings(name, result.value)
        outcomes.append(
            CheckOutcome(
                name,
                "warn" if found else "pass",
                f"found in {sorted(found)}" if found else "none found",
                {"columns": sorted(found)},
                blocking=False,
            )
        )
    return outcomes
