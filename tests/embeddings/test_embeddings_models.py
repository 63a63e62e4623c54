"""Providers over local models: bf16 agreement on start, plain transformers directories,
revisions that follow the weights."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from nexus_platform.embeddings.huggingface import (
    TransformersMeanPoolingEmbedder,
    huggingface_embedder,
)
from nexus_platform.embeddings.local import SentenceTransformerEmbedder, bundled_model_path
from nexus_platform.embeddings.providers import EmbedderSpec, build_embedder
from nexus_platform.embeddings.revision import directory_revision

TEXTS = [
    "Recycled aggregate in concrete lowers embodied carbon.",
    "The supervisory board approved the sustainability report.",
    "Flood risk maps were updated for all coastal warehouses.",
]


def _plain_transformers_copy(tmp_path) -> str:
    """The bundled checkpoint without its sentence-transformers files."""
    source = bundled_model_path()
    target = tmp_path / "minilm-plain"
    target.mkdir()
    for name in os.listdir(source):
        full = os.path.join(source, name)
        if os.path.isfile(full) and name not in (
            "modules.json",
            "sentence_bert_config.json",
            "config_sentence_transformers.json",
        ):
            os.symlink(full, target / name)
    return str(target)


def test_bf16_is_used_only_when_it_agrees_with_fp32(bundled_embedder):
    bf16 = SentenceTransformerEmbedder(precision="bf16", min_agreement=0.999)
    if bf16.precision == "bf16":
        assert bf16.bf16_agreement >= 0.999
        cosines = (bf16.embed(TEXTS) * bundled_embedder.embed(TEXTS)).sum(axis=1)
        assert cosines.min() >= 0.999
    else:  # no bf16 kernels here: the start-up check must have said why
        assert bf16.bf16_agreement is None or bf16.bf16_agreement < 0.999
    # A bar no reduced precision can meet: the check falls back to fp32.
    assert bf16._check_bf16(min_agreement=1.01) == "fp32"
    assert bf16.model_id == bundled_embedder.model_id
    with pytest.raises(ValueError, match="precision"):
        SentenceTransformerEmbedder(precision="int8")


def test_plain_transformers_directory_matches_sentence_transformers(tmp_path, bundled_embedder):
    model_dir = _plain_transformers_copy(tmp_path)
    embedder = huggingface_embedder(model_dir, device="cpu")
    assert isinstance(embedder, TransformersMeanPoolingEmbedder)
    assert embedder.dim == 384
    ours = embedder.embed(TEXTS)
    reference = bundled_embedder.embed(TEXTS)
    assert (ours * reference).sum(axis=1).min() > 0.9999
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_huggingface_spec_with_sentence_transformers_directory(tmp_path):
    model_dir = tmp_path / "my-minilm"
    shutil.copytree(
        bundled_model_path(),
        model_dir,
        symlinks=False,
        ignore=shutil.ignore_patterns("model.safetensors"),
    )
    os.symlink(
        os.path.join(bundled_model_path(), "model.safetensors"), model_dir / "model.safetensors"
    )
    embedder = build_embedder(EmbedderSpec(provider="huggingface", model_dir=str(model_dir)))
    assert embedder.model_id.startswith("my-minilm@") and embedder.dim == 384
    with pytest.raises(FileNotFoundError, match="neither modules.json"):
        huggingface_embedder(str(tmp_path))
    with pytest.raises(ValueError, match="needs model_dir"):
        EmbedderSpec(provider="huggingface")
    with pytest.raises(ValueError, match="provider must be one of"):
        EmbedderSpec(provider="cohere")


def test_revision_follows_model_files(tmp_path):
    model_dir = tmp_path / "m"
    model_dir.mkdir()
    (model_dir / "config.json").write_text('{"hidden_size": 4}')
    (model_dir / "weights.bin").write_bytes(b"\x00" * 64)
    first = directory_revision(str(model_dir))
    directory_revision.cache_clear()
    assert directory_revision(str(model_dir)) == first
    (model_dir / "weights.bin").write_bytes(b"\x01" + b"\x00" * 63)
    directory_revision.cache_clear()
    assert directory_revision(str(model_dir)) != first
