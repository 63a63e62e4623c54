"""The OpenAI provider against an OpenAI-compatible server on 127.0.0.1 (real client, real
HTTP): batching, retries, auth errors, and the key never leaking."""

from __future__ import annotations

import logging

import dagster as dg
import numpy as np
import pytest
from embeddings_kb import OPENAI_TEST_KEY, FakeOpenAIEmbeddings, make_records, write_knowledge_base

from nexus_platform.embeddings.openai_provider import (
    EmbeddingAuthError,
    EmbeddingServiceError,
    OpenAIEmbedder,
    plan_batches,
)

TEXTS = [
    "alpha emissions",
    "beta insulation",
    "gamma board",
    "delta water",
    "epsilon quarry",
    "zeta timber",
    "eta audit",
]


def _embedder(server, **overrides):
    options = {"api_key": OPENAI_TEST_KEY, "base_url": server.base_url, "backoff_base_s": 0.01}
    return OpenAIEmbedder(**{**options, **overrides})


def _expected(texts):
    raw = np.asarray([FakeOpenAIEmbeddings.vector(t) for t in texts], dtype=np.float32)
    return raw / np.linalg.norm(raw, axis=1, keepdims=True)


def test_happy_path_keeps_order_and_normalises(openai_server):
    embedder = _embedder(openai_server, model="text-embedding-3-small", dimensions=8)
    vectors = embedder.embed(TEXTS)
    assert vectors.dtype == np.float32 and vectors.shape == (len(TEXTS), 8)
    np.testing.assert_allclose(vectors, _expected(TEXTS), atol=1e-6)
    assert embedder.model_id == "openai/text-embedding-3-small:8"
    assert openai_server.requests == [TEXTS]


def test_unknown_model_dimension_is_probed(openai_server):
    embedder = _embedder(openai_server, model="local-compatible-model")
    assert embedder.dim == FakeOpenAIEmbeddings.DIM
    assert len(openai_server.requests) == 1


def test_batches_split_by_input_count_and_tokens(openai_server):
    embedder = _embedder(openai_server, model="m", max_inputs_per_request=3)
    vectors = embedder.embed(TEXTS)
    assert [len(r) for r in openai_server.requests] == [3, 3, 1]
    np.testing.assert_allclose(vectors, _expected(TEXTS), atol=1e-6)
    long_texts = ["x" * 3000] * 5  # ~1,000 estimated tokens each
    assert list(plan_batches(long_texts, 2048, 2500)) == [(0, 2), (2, 4), (4, 5)]
    assert list(plan_batches(["a"] * 5000, 2048, 300_000)) == [
        (0, 2048),
        (2048, 4096),
        (4096, 5000),
    ]


def test_429_and_5xx_are_retried_then_succeed(openai_server, caplog):
    openai_server.script = [
        (429, {"Retry-After": "0"}, {"error": {"message": "Rate limit reached"}}),
        (503, {}, {"error": {"message": "overloaded"}}),
    ]
    embedder = _embedder(openai_server, model="m", max_retries=3)
    with caplog.at_level(logging.WARNING):
        vectors = embedder.embed(TEXTS[:2])
    np.testing.assert_allclose(vectors, _expected(TEXTS[:2]), atol=1e-6)
    assert len(openai_server.requests) == 3
    assert "retry 1" in caplog.text and "retry 2" in caplog.text


def test_retries_are_bounded(openai_server):
    openai_server.script = [(500, {}, {"error": {"message": "boom"}})] * 3
    embedder = _embedder(openai_server, model="m", max_retries=2)
    with pytest.raises(EmbeddingServiceError, match="after 3 attempts"):
        embedder.embed(["one"])
    assert len(openai_server.requests) == 3


def test_401_is_a_clear_error_without_the_key(openai_server, caplog):
    wrong_key = "sk-wrong-0123456789abcdef0123456789"
    embedder = _embedder(openai_server, model="m", api_key=wrong_key)
    with caplog.at_level(logging.DEBUG), pytest.raises(EmbeddingAuthError) as info:
        embedder.embed(["one"])
    message = str(info.value)
    assert "401" in message and "refused the API key" in message and "OPENAI_API_KEY" in message
    assert wrong_key not in message and wrong_key[-12:] not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert wrong_key not in caplog.text
    assert len(openai_server.requests) == 1  # auth errors are not retried
    with pytest.raises(EmbeddingAuthError, match="no API key"):
        OpenAIEmbedder(api_key="", base_url=openai_server.base_url)


def test_asset_with_openai_provider_never_exposes_the_key(
    openai_server, nexus_paths, monkeypatch, caplog, capfd
):
    from nexus_platform.assets.embeddings import kb_embeddings
    from nexus_platform.resources.embedder import EmbedderResource
    from nexus_platform.resources.storage import NexusStorage

    monkeypatch.setenv("NEXUS_TEST_OPENAI_KEY", OPENAI_TEST_KEY)
    records = make_records()
    write_knowledge_base(nexus_paths, records)
    resources = {
        "storage": NexusStorage(home=str(nexus_paths.home)),
        "embedder": EmbedderResource(
            provider="openai",
            model="text-embedding-3-small",
            dimensions=8,
            openai_api_key=dg.EnvVar("NEXUS_TEST_OPENAI_KEY"),
            openai_base_url=openai_server.base_url,
            max_inputs_per_request=4,
            backoff_base_s=0.01,
        ),
    }
    openai_server.script = [(429, {"Retry-After": "0"}, {"error": {"message": "slow down"}})]
    with caplog.at_level(logging.DEBUG), dg.instance_for_test() as instance:
        result = dg.materialize(
            [dg.AssetSpec("knowledgebase"), kb_embeddings],
            resources=resources,
            instance=instance,
            selection=[kb_embeddings],
        )
        assert result.success
        metadata = result.asset_materializations_for_node("kb_embeddings")[0].metadata
        assert metadata["embedded"].value == len(records)
        assert metadata["model"].value == "openai/text-embedding-3-small:8"
        events = instance.fetch_materializations(dg.AssetKey("kb_embeddings"), limit=5).records
        logs = instance.all_logs(result.run_id)
    # 14 distinct texts in batches of 4, plus one rate-limited attempt.
    assert [len(r) for r in openai_server.requests] == [4, 4, 4, 4, 2]
    manifest = (nexus_paths.embeddings / "kb_embeddings.json").read_text()
    everything = [
        str(metadata),
        manifest,
        caplog.text,
        *capfd.readouterr(),
        *(str(e.event_log_entry) for e in events),
        *(str(entry) for entry in logs),
    ]
    for text in everything:
        assert OPENAI_TEST_KEY not in text and OPENAI_TEST_KEY[-10:] not in text


def test_other_rejections_keep_the_server_reason_but_not_the_key(openai_server):
    openai_server.script = [
        (400, {}, {"error": {"message": f"input too long (key {OPENAI_TEST_KEY})"}})
    ]
    with pytest.raises(EmbeddingServiceError) as info:
        _embedder(openai_server, model="m").embed(["one"])
    message = str(info.value)
    assert "HTTP 400" in message and "input too long" in message
    assert OPENAI_TEST_KEY not in message and OPENAI_TEST_KEY[-8:] not in message
    assert len(openai_server.requests) == 1  # a 400 is not retried
