"""The embedder interface every provider implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors.

    `model_id` names the model and its revision; vectors from different model ids are never
    mixed or compared.
    """

    model_id: str

    @property
    def dim(self) -> int:
        """Vector size (a plain attribute satisfies this too)."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...
