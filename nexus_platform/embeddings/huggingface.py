"""Any local Hugging Face model directory as an embedder, without a hub.

A sentence-transformers directory (it has `modules.json`) runs through sentence-transformers
with its own pooling; a plain transformers checkpoint gets mean pooling over the last hidden
state, the pooling most embedding checkpoints are trained with.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

import numpy as np

from nexus_platform.embeddings.local import (
    DEFAULT_BATCH_SIZE,
    SentenceTransformerEmbedder,
    _normalise,
    default_device,
)
from nexus_platform.embeddings.revision import directory_revision


@functools.lru_cache(maxsize=4)
def _load_transformers(model_dir: str, device: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModel.from_pretrained(model_dir, local_files_only=True).to(device).eval()
    return tokenizer, model


class TransformersMeanPoolingEmbedder:
    """Mean-pooled, L2-normalised last hidden states of a transformers encoder."""

    provider = "huggingface"

    def __init__(
        self,
        model_dir: str,
        model_name: str | None = None,
        device: str | None = None,
        batch_size: int | None = None,
        max_length: int = 512,
    ):
        self.model_dir = model_dir
        self.model_name = model_name or os.path.basename(model_dir.rstrip("/"))
        self.revision = directory_revision(model_dir)
        self.model_id = f"{self.model_name}@{self.revision}"
        self.device = device or default_device()
        self.batch_size = batch_size or DEFAULT_BATCH_SIZE.get(str(self.device).split(":")[0], 32)
        self.precision = "fp32"
        self._tokenizer, self._model = _load_transformers(model_dir, self.device)
        model_max = getattr(self._tokenizer, "model_max_length", max_length) or max_length
        self.max_length = min(max_length, int(model_max))
        self.dim = int(self._model.config.hidden_size)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Length-sorted batches waste little compute on padding.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            batch = self._tokenizer(
                [texts[i] for i in chunk],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            ).to(self.device)
            with torch.inference_mode():
                hidden = self._model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            out[chunk] = pooled.float().cpu().numpy()
        return _normalise(out)


def huggingface_embedder(
    model_dir: str,
    model_name: str | None = None,
    device: str | None = None,
    batch_size: int | None = None,
    precision: str = "fp32",
):
    """An embedder for a local model directory (sentence-transformers or plain transformers)."""
    if not os.path.isdir(model_dir):
        raise FileNotFoundError(f"huggingface provider: model_dir {model_dir!r} is not a directory")
    if os.path.exists(os.path.join(model_dir, "modules.json")):
        return SentenceTransformerEmbedder(
            model_path=model_dir,
            model_name=model_name,
            device=device,
            batch_size=batch_size,
            precision=precision,
        )
    if not os.path.exists(os.path.join(model_dir, "config.json")):
        raise FileNotFoundError(
            f"huggingface provider: {model_dir!r} has neither modules.json "
            "(sentence-transformers) nor config.json (transformers)"
        )
    return TransformersMeanPoolingEmbedder(
        model_dir, model_name=model_name, device=device, batch_size=batch_size
    )
