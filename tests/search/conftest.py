"""Fixtures of the search tests: the sample knowledge base built once per session (the
embedding model loads once), an engine over it, and private copies to change."""

from __future__ import annotations

import shutil

import pytest
from search_kb import build_sample_home, write_annotations

from nexus_platform.settings import NexusPaths


@pytest.fixture(scope="session")
def search_embedder():
    """The resource's own cached model, so assets run in tests reuse it (one load)."""
    from nexus_platform.resources.embedder import EmbedderResource

    return EmbedderResource().embedder()


@pytest.fixture(scope="session")
def sample_home(tmp_path_factory, search_embedder) -> NexusPaths:
    """Read-only for tests: copy it (`copy_home`) before changing anything."""
    paths = build_sample_home(tmp_path_factory.mktemp("search") / "nexus", search_embedder)
    write_annotations(paths)
    return paths


@pytest.fixture(scope="session")
def sentiment_of(sample_home) -> dict[str, str]:
    return write_annotations(sample_home)


@pytest.fixture(scope="session")
def engine(sample_home, search_embedder):
    from nexus_platform.search.engine import SearchEngine

    return SearchEngine(sample_home, embedder=search_embedder)


@pytest.fixture
def copy_home(sample_home, tmp_path):
    """A private copy of the sample home, to change."""

    def _copy() -> NexusPaths:
        target = tmp_path / "home"
        shutil.copytree(sample_home.home.path, target, symlinks=True)
        return NexusPaths.from_uri(str(target))

    return _copy
