"""What a drift run found, as plain data: the JSON summary, the CLI output and the Dagster
metadata are all views of `DriftReport`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

# pass: within thresholds; fail: outside them (blocks retraining); warn: worth a look, never
# blocks; not_enough_rows: too few rows for the statistical test; skipped: not applicable.
Status = Literal["pass", "fail", "warn", "not_enough_rows", "skipped"]


@dataclass
class CheckOutcome:
    """One named check on one table (e.g. `duplicates`, `label_column_present`)."""

    name: str
    status: Status
    message: str = ""
    value: dict = field(default_factory=dict)
    blocking: bool = True  # whether a `fail` here fails the gate it belongs to

    @property
    def failed(self) -> bool:
        return self.status == "fail" and self.blocking


def not_enough_rows(name: str, which: str, n: int, minimum: int) -> CheckOutcome:
    return CheckOutcome(
        name,
        "not_enough_rows",
        f"not enough rows ({n} < {minimum}) in the {which} table",
        {"rows": n, "min_rows": minimum, "table": which},
        blocking=False,
    )


@dataclass
class DriftReport:
    table: str
    incoming: str  # where the incoming table came from
    reference: str | None  # where the reference came from; None when there is none
    incoming_rows: int
    reference_rows: int
    thresholds: dict
    integrity: list[CheckOutcome] = field(default_factory=list)
    drift: list[CheckOutcome] = field(default_factory=list)
    # column -> {"score", "method", "threshold", "drifted", ...}
    column_drift: dict[str, dict] = field(default_factory=dict)
    label_drift: dict | None = None
    # text column -> {"domain_classifier_auc", "drift_score", "threshold", "drifted",
    #                 "property_drift": {property: score}}
    embedding_drift: dict[str, dict] = field(default_factory=dict)
    sampling: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    report_html: str | None = None
    summary_json: str | None = None
    created_at: str = ""
    seconds: float = 0.0

    @property
    def integrity_ok(self) -> bool:
        return not any(o.failed for o in self.integrity)

    @property
    def drift_ok(self) -> bool:
        return not any(o.failed for o in self.drift)

    @property
    def drift_assessed(self) -> bool:
        """False when no drift test could run (no reference, or too few rows)."""
        tests = [o for o in self.drift if o.name not in ("schema", "reference")]
        return any(o.status in ("pass", "fail") for o in tests)

    @property
    def drifted_columns(self) -> list[str]:
        names = [c for c, d in self.column_drift.items() if d.get("drifted")]
        names += [c for c, d in self.embedding_drift.items() if d.get("drifted")]
        if self.label_drift and self.label_drift.get("drifted"):
            names.append(self.label_drift["column"])
        return sorted(set(names))

    def worst_columns(self, n: int = 5) -> list[tuple[str, float]]:
        """Columns by drift score relative to their threshold, worst first."""

        def ratio(d: dict) -> float:
            return (d.get("score") or 0.0) / max(d.get("threshold") or 1.0, 1e-9)

        ranked = sorted(self.column_drift.items(), key=lambda kv: ratio(kv[1]), reverse=True)
        return [(c, round(d.get("score") or 0.0, 4)) for c, d in ranked[:n]]

    def summary(self) -> dict:
        """The JSON summary written beside the HTML report (and printed by `nexus check --json`)."""
        data = asdict(self)
        data.update(
            integrity_ok=self.integrity_ok,
            drift_ok=self.drift_ok,
            drift_assessed=self.drift_assessed,
            drifted_columns=self.drifted_columns,
            worst_columns=[{"column": c, "score": s} for c, s in self.worst_columns()],
        )
        return data

    def metrics(self) -> dict[str, float]:
        """Flat numeric metrics, the shape W&B summaries and dashboards want."""
        out: dict[str, float] = {
            "rows/incoming": float(self.incoming_rows),
            "rows/reference": float(self.reference_rows),
            "integrity_ok": float(self.integrity_ok),
            "drift_ok": float(self.drift_ok),
            "drifted_columns": float(len(self.drifted_columns)),
        }
        for column, d in self.column_drift.items():
            if d.get("score") is not None:
                out[f"drift/{column}"] = float(d["score"])
        if self.label_drift and self.label_drift.get("score") is not None:
            out["label_drift"] = float(self.label_drift["score"])
        for column, d in self.embedding_drift.items():
            if d.get("drift_score") is not None:
                out[f"embedding_drift/{column}"] = float(d["drift_score"])
                out[f"embedding_auc/{column}"] = float(d["domain_classifier_auc"])
            for prop, score in (d.get("property_drift") or {}).items():
                out[f"property_drift/{column}/{prop}"] = float(score)
        return out
