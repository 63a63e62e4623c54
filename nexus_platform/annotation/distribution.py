"""Predicted label distributions and prediction drift.

A model's distribution is the share of annotated records carrying each label: its predicted
class (classifiers), each topic (topics; a record may carry several) or at least one entity of
each type (entity models). The distribution of the last written table is kept beside it
(`annotations/label_distribution.json`), so the next materialisation can say which labels
moved, for instance when a batch of only negative statements arrives or a new model version
predicts differently.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from nexus_platform.settings import NexusPaths
from nexus_platform.storage import read_json, write_json

NO_LABEL = "(none)"
# Share points a label may move between two materialisations before the check warns.
DEFAULT_MAX_SHIFT = 0.05


def distribution_path(paths: NexusPaths):
    return paths.annotations / "label_distribution.json"


def read_distribution(paths: NexusPaths) -> dict | None:
    return read_json(distribution_path(paths))


def write_distribution(paths: NexusPaths, distribution: dict) -> None:
    write_json(distribution_path(paths), distribution)


def _labels_per_row(part: pa.Table, kind: str) -> tuple[pa.Array, pa.Array]:
    """(row index, label) pairs; a row may give none or several."""
    if kind == "classification":
        labels = pc.fill_null(part.column("label"), NO_LABEL).combine_chunks()
        return pa.array(range(len(part)), pa.int64()), labels
    column, name = ("labels", "label") if kind == "topics" else ("entities", "type")
    lists = part.column(column).combine_chunks()
    parents = pc.list_parent_indices(lists)
    return parents.cast(pa.int64()), pc.struct_field(pc.list_flatten(lists), name)


def label_distribution(table: pa.Table) -> dict:
    """`{model: {"kind", "model_version", "records", "shares": {label: share}}}`."""
    out: dict = {}
    for model in sorted(pc.unique(table.column("model")).to_pylist()):
        part = table.filter(pc.equal(table.column("model"), model))
        kind = part.column("kind")[0].as_py()
        parents, labels = _labels_per_row(part, kind)
        pairs = pa.table({"row": parents, "label": labels}).group_by(["row", "label"]).aggregate([])
        counts = pairs.group_by("label").aggregate([("row", "count")]).to_pylist()
        records = len(part)
        out[model] = {
            "kind": kind,
            "model_version": part.column("model_version")[0].as_py(),
            "records": records,
            "shares": {
                c["label"]: round(c["row_count"] / records, 4)
                for c in sorted(counts, key=lambda c: c["label"])
            },
        }
    return out


@dataclass(frozen=True)
class LabelShift:
    model: str
    label: str
    before: float
    after: float

    @property
    def shift(self) -> float:
        return round(self.after - self.before, 4)

    def describe(self) -> str:
        return f"{self.model}: {self.label} {self.before:.1%} -> {self.after:.1%}"


def shifted_labels(
    previous: dict | None, current: dict, max_shift: float = DEFAULT_MAX_SHIFT
) -> list[LabelShift]:
    """Labels whose share moved by more than `max_shift` since `previous`, largest first.
    A model without a previous distribution has nothing to compare with."""
    shifts = []
    for model, now in current.items():
        before = (previous or {}).get(model)
        if before is None:
            continue
        for label in sorted(set(now["shares"]) | set(before["shares"])):
            a, b = before["shares"].get(label, 0.0), now["shares"].get(label, 0.0)
            if abs(b - a) > max_shift:
                shifts.append(LabelShift(model, label, a, b))
    return sorted(shifts, key=lambda s: -abs(s.shift))
