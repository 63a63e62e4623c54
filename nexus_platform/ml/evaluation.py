"""Evaluation reports: accuracy, macro-F1, per-class precision/recall/F1 and a confusion matrix.

Reports are plain dicts (written as JSON, shown in the UI, listed by `nexus models list`); the
confusion matrix is also rendered as a PNG that the UI shows inline.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence


def _round(value: float) -> float:
    return round(float(value), 4)


def classification_report(
    y_true: Sequence, y_pred: Sequence, classes: list[str], multi_label: bool = False
) -> dict:
    """Single-label: labels are strings. Multi-label: each label is a list of strings."""
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    if multi_label:
        from sklearn.metrics import multilabel_confusion_matrix
        from sklearn.preprocessing import MultiLabelBinarizer

        binarizer = MultiLabelBinarizer(classes=classes)
        true_m, pred_m = binarizer.fit_transform(y_true), binarizer.transform(y_pred)
        precision, recall, f1, support = precision_recall_fscore_support(
            true_m, pred_m, zero_division=0
        )
        accuracy = accuracy_score(true_m, pred_m)  # subset accuracy: every label right
        # Per class: [[TN, FP], [FN, TP]] flattened to one row per class for the plot.
        matrix = [m.ravel().tolist() for m in multilabel_confusion_matrix(true_m, pred_m)]
        matrix_axes = {"rows": classes, "columns": ["TN", "FP", "FN", "TP"]}
    else:
        precision, recall, f1, support = precision_recall_fscore_support(
            y_true, y_pred, labels=classes, zero_division=0
        )
        accuracy = accuracy_score(y_true, y_pred)
        matrix = confusion_matrix(y_true, y_pred, labels=classes).tolist()
        matrix_axes = {"rows": classes, "columns": classes}
    per_class = {
        label: {
            "precision": _round(p),
            "recall": _round(r),
            "f1": _round(f),
            "support": int(s),
        }
        for label, p, r, f, s in zip(classes, precision, recall, f1, support, strict=True)
    }
    return {
        "accuracy": _round(accuracy),
        "macro_f1": _round(sum(f1) / len(f1)) if len(f1) else 0.0,
        "per_class": per_class,
        "confusion_matrix": matrix,
        "confusion_axes": matrix_axes,
        "examples": len(y_true),
    }


def entity_report(true_tags: list[list[str]], pred_tags: list[list[str]]) -> dict:
    """Entity-level scores: an entity counts only when its type and exact span match."""
    from seqeval.metrics import accuracy_score, f1_score
    from seqeval.metrics.sequence_labeling import get_entities, precision_recall_fscore_support
    from sklearn.metrics import confusion_matrix

    precision, recall, f1, support = precision_recall_fscore_support(
        true_tags, pred_tags, average=None, zero_division=0
    )
    # seqeval orders its per-type arrays by the sorted union of types seen on either side.
    types = sorted({e[0] for seq in (*true_tags, *pred_tags) for e in get_entities(seq)})
    per_class = {
        label: {"precision": _round(p), "recall": _round(r), "f1": _round(f), "support": int(s)}
        for label, p, r, f, s in zip(types, precision, recall, f1, support, strict=True)
    }
    coarse = sorted({*types, "O"})
    flat_true = [t if t == "O" else t[2:] for seq in true_tags for t in seq]
    flat_pred = [t if t == "O" else t[2:] for seq in pred_tags for t in seq]
    matrix = confusion_matrix(flat_true, flat_pred, labels=coarse).tolist()
    return {
        "entity_f1": _round(f1_score(true_tags, pred_tags, zero_division=0)),
        "macro_f1": _round(sum(f1) / len(f1)) if len(f1) else 0.0,
        "accuracy": _round(accuracy_score(true_tags, pred_tags)),  # token level
        "per_class": per_class,
        "confusion_matrix": matrix,
        "confusion_axes": {"rows": coarse, "columns": coarse},
        "examples": len(true_tags),
    }


def render_confusion_png(report: dict, title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")  # headless workers have no display
    import matplotlib.pyplot as plt

    matrix = report["confusion_matrix"]
    rows, columns = report["confusion_axes"]["rows"], report["confusion_axes"]["columns"]
    size = max(3.5, 0.6 * max(len(rows), len(columns)) + 2)
    fig, ax = plt.subplots(figsize=(size, size * 0.85))
    try:
        ax.imshow(matrix, cmap="Blues")
        ax.set_xticks(range(len(columns)), labels=columns, rotation=45, ha="right")
        ax.set_yticks(range(len(rows)), labels=rows)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(title)
        peak = max((max(r) for r in matrix if r), default=0)
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                color = "white" if peak and value > peak / 2 else "black"
                ax.text(j, i, str(value), ha="center", va="center", color=color)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()
    finally:
        plt.close(fig)


def png_markdown(png: bytes, alt: str) -> str:
    """A markdown image with the PNG inline: the Dagster UI renders it in the metadata panel."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"


def per_class_markdown(report: dict) -> str:
    lines = ["| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label, scores in report.get("per_class", {}).items():
        lines.append(
            f"| {label} | {scores['precision']:.3f} | {scores['recall']:.3f} "
            f"| {scores['f1']:.3f} | {scores['support']} |"
        )
    return "\n".join(lines)
