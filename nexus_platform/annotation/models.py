"""The promoted models that annotate records: which ones, and loading each version once.

A task annotates once its model is promoted (the registry's latest version). Text
classifiers give a label and a score per record, token classifiers entity spans; language
models do not annotate. A loaded model is kept per (task, version, DVC hash, device) for the
life of the process, so a service or a long-running worker loads it once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nexus_platform.ml.registry import ModelRegistry, ModelVersion

ANNOTATING_KINDS = {"text_classification": "classification", "token_classification": "entities"}

_LOADED: dict[tuple, Any] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class ModelRef:
    """What every annotation names: the model (a task, or `topics`), its kind in the table,
    its version and the DVC hash of its files ("" for topics, which have no artifact)."""

    name: str
    kind: str  # classification | entities | topics
    model_version: str
    dvc_hash: str = ""
    registry_version: int = 0  # the registry's version number (tasks only)

    @classmethod
    def of(cls, version: ModelVersion) -> ModelRef:
        return cls(
            version.task,
            ANNOTATING_KINDS[version.kind],
            f"v{version.version}",
            version.dvc_md5,
            version.version,
        )


def promoted_models(registry: ModelRegistry) -> list[ModelRef]:
    """The latest promoted version of every task whose kind annotates, by task name."""
    found = []
    for task in registry.tasks():
        versions = registry.versions(task)
        if versions and versions[-1].kind in ANNOTATING_KINDS:
            found.append(ModelRef.of(versions[-1]))
    return found


def _model_folder(registry: ModelRegistry, model: ModelRef) -> Path:
    """The version's files: the registry's workspace copy when it is that version (DVC's own
    pointer file says so), else restored from the DVC remote."""
    tracked = registry.tracked_path(model.name)
    pointer = tracked.parent / f"{tracked.name}.dvc"
    if pointer.is_file() and (tracked / "model").is_dir():
        outs = (yaml.safe_load(pointer.read_text(encoding="utf-8")) or {}).get("outs") or [{}]
        if outs[0].get("md5") == model.dvc_hash:
            return tracked / "model"
    _, folder = registry.pull(model.name, model.registry_version)
    return folder / "model"


def load_model(registry: ModelRegistry, model: ModelRef, device: str | None = None):
    """The loaded predictor of a promoted version (a TextClassifier or a TokenClassifier)."""
    cache_key = (model.name, model.model_version, model.dvc_hash, device)
    with _LOCK:
        if cache_key not in _LOADED:
            from nexus_platform.ml.pipeline import load_model as load_task_model

            kind = next(k for k, v in ANNOTATING_KINDS.items() if v == model.kind)
            # A newer version replaces the task's older ones: memory holds one per task.
            for stale in [k for k in _LOADED if k[0] == model.name]:
                del _LOADED[stale]
            _LOADED[cache_key] = load_task_model(kind, _model_folder(registry, model), device)
        return _LOADED[cache_key]
