"""Where a task's files live under NEXUS_HOME/models, and moving model folders atomically.

Models are folders (weights, tokenizer, label list). Training writes them to a local temporary
folder first; `publish_dir` then swaps the folder in one rename locally, or uploads it to an
object store, so a half-written model is never seen by evaluation or promotion.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from upath import UPath

from nexus_platform.settings import NexusPaths, is_local


@dataclass(frozen=True)
class TaskLayout:
    root: UPath

    @classmethod
    def for_task(cls, paths: NexusPaths, task: str) -> TaskLayout:
        return cls(paths.models / task)

    @property
    def dataset(self) -> UPath:
        return self.root / "dataset"

    @property
    def train_parquet(self) -> UPath:
        return self.dataset / "train.parquet"

    @property
    def test_parquet(self) -> UPath:
        return self.dataset / "test.parquet"

    @property
    def dataset_manifest(self) -> UPath:
        return self.dataset / "manifest.json"

    @property
    def model(self) -> UPath:
        return self.root / "model"

    @property
    def evaluation_json(self) -> UPath:
        return self.root / "evaluation" / "evaluation.json"

    @property
    def confusion_png(self) -> UPath:
        return self.root / "evaluation" / "confusion_matrix.png"

    @property
    def robustness_json(self) -> UPath:
        return self.root / "robustness" / "robustness.json"


def publish_dir(local_dir: Path, target: UPath) -> None:
    """Make `local_dir`'s content appear at `target` as a whole."""
    if is_local(target):
        dest = Path(target.path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        staged = dest.parent / f".{dest.name}.{uuid.uuid4().hex}.tmp"
        shutil.copytree(local_dir, staged)
        old = dest.parent / f".{dest.name}.{uuid.uuid4().hex}.old"
        if dest.exists():
            os.replace(dest, old)
        os.replace(staged, dest)
        shutil.rmtree(old, ignore_errors=True)
        return
    with contextlib.suppress(FileNotFoundError):
        target.fs.rm(target.path, recursive=True)
    target.fs.put(str(local_dir), target.path, recursive=True)


@contextlib.contextmanager
def local_copy(source: UPath) -> Iterator[Path]:
    """A local folder holding `source` (the folder itself when it is already local)."""
    if is_local(source):
        if not Path(source.path).exists():
            raise FileNotFoundError(f"no model at {source}; materialise the model asset first")
        yield Path(source.path)
        return
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / source.name
        source.fs.get(source.path, str(dest), recursive=True)
        yield dest


@contextlib.contextmanager
def staging_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="nexus-model-") as tmp:
        yield Path(tmp)
