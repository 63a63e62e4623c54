"""Fixtures of the embeddings tests (data and servers live in embeddings_kb.py)."""

from __future__ import annotations

import pytest
from embeddings_kb import OPENAI_TEST_KEY, FakeOpenAIEmbeddings

from nexus_platform.settings import NexusPaths


@pytest.fixture
def nexus_paths(tmp_path) -> NexusPaths:
    return NexusPaths.from_uri(str(tmp_path / "nexus"))


@pytest.fixture(scope="session")
def bundled_embedder():
    from nexus_platform.embeddings.local import local_embedder

    return local_embedder()


@pytest.fixture
def openai_server():
    server = FakeOpenAIEmbeddings(OPENAI_TEST_KEY)
    yield server
    server.close()
