"""The sample data made ready for annotation, once per test module: landing files converted,
the knowledge base and its vectors built, and the sample tasks trained and promoted (DVC with
a local remote). The entity model trains for 2 epochs instead of 4 (user spec override) and
promotion goes through the registry directly, skipping the robustness report: what is under
test here is what happens after a promotion."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import pytest
from annotation_fixtures import (
    SAMPLE_LANDING,
    convert_and_embed,
    materialise,
    paths_of,
    train_and_promote,
)


@pytest.fixture(scope="module")
def sample_home(tmp_path_factory) -> Path:
    """The sample data converted, embedded, and its three annotating tasks promoted."""
    home = tmp_path_factory.mktemp("annotation") / "nexus"
    shutil.copytree(SAMPLE_LANDING, home / "landing")
    paths = paths_of(home)
    convert_and_embed(paths)
    train_and_promote(paths, "emotion")
    train_and_promote(paths, "esg_entities", {"epochs": 2})
    train_and_promote(paths, "esg_sentiment")
    return home


@pytest.fixture(scope="module")
def annotated(sample_home) -> tuple[Path, dg.ExecuteInProcessResult]:
    """The sample home after its first annotations materialisation."""
    result = materialise(sample_home)
    assert result.success
    return sample_home, result


def _link_large(source: str, target: str) -> None:
    # Model weights are large and only ever replaced, never edited: a hard link will do.
    # Small files (ledger, DVC's state database, landing files) are copied.
    if os.path.getsize(source) > 1_000_000:
        os.link(source, target)
    else:
        shutil.copy2(source, target)


@pytest.fixture
def annotated_copy(annotated, tmp_path) -> Path:
    """A private copy of the annotated home to change."""
    home = tmp_path / "nexus"
    shutil.copytree(annotated[0], home, copy_function=_link_large)
    return home
