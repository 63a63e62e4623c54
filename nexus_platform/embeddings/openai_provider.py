"""OpenAI (or any OpenAI-compatible server) embeddings through the official `openai` client.

Requests stay within the API's limits (at most 2,048 inputs and ~300k tokens per request,
8,191 tokens per input); 429 and 5xx answers are retried with exponential backoff that
honours `Retry-After`; a 401/403 becomes an `EmbeddingAuthError` whose message never holds
the key (servers echo part of it back, so their message is dropped).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator, Sequence

import numpy as np

log = logging.getLogger(__name__)

KNOWN_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
MAX_INPUTS_PER_REQUEST = 2048
MAX_TOKENS_PER_REQUEST = 300_000
MAX_TOKENS_PER_INPUT = 8191
# No tokenizer download is possible offline: estimate conservatively (English averages ~4
# characters per token; 3 leaves margin for numbers, code and other scripts).
CHARS_PER_TOKEN_ESTIMATE = 3


class EmbeddingAuthError(RuntimeError):
    """The server refused the credentials (401/403)."""


class EmbeddingServiceError(RuntimeError):
    """The server kept failing or rejected a request."""


def estimate_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN_ESTIMATE + 1


def plan_batches(
    texts: Sequence[str], max_inputs: int, max_tokens: int
) -> Iterator[tuple[int, int]]:
    """(start, end) slices of `texts` that each respect both request limits."""
    start, tokens = 0, 0
    for i, text in enumerate(texts):
        cost = estimate_tokens(text)
        if i > start and (i - start >= max_inputs or tokens + cost > max_tokens):
            yield start, i
            start, tokens = i, 0
        tokens += cost
    if start < len(texts):
        yield start, len(texts)


class OpenAIEmbedder:
    """An `Embedder` over `/v1/embeddings`. `model_id` is `openai/<model>[:<dimensions>]`."""

    provider = "openai"

    def __init__(
        self,
        api_key: str,
        model: str = "text-embedding-3-small",
        base_url: str | None = None,
        dimensions: int | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 5,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 60.0,
        max_inputs_per_request: int = MAX_INPUTS_PER_REQUEST,
        max_tokens_per_request: int = MAX_TOKENS_PER_REQUEST,
    ):
        if not api_key:
            raise EmbeddingAuthError(
                "openai provider: no API key configured (set OPENAI_API_KEY for the resource)"
            )
        from openai import OpenAI

        self.model = model
        self.base_url = base_url or "https://api.openai.com/v1"
        self.dimensions = dimensions
        self.model_id = f"openai/{model}" + (f":{dimensions}" if dimensions else "")
        self.revision = model
        self.precision = "fp32"
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.max_inputs = min(max_inputs_per_request, MAX_INPUTS_PER_REQUEST)
        self.max_tokens = min(max_tokens_per_request, MAX_TOKENS_PER_REQUEST)
        self.requests_sent = 0
        # Retries are ours (bounded, logged, Retry-After aware), not the client's.
        self._client = OpenAI(
            api_key=api_key, base_url=self.base_url, timeout=timeout_s, max_retries=0
        )
        self._dim = dimensions or KNOWN_DIMENSIONS.get(model)

    @property
    def dim(self) -> int:
        if self._dim is None:
            # Unknown model on a compatible server: one probe request tells the size.
            self._dim = int(self._request(["dimension probe"]).shape[1])
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = [self._clip(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [
            self._request(texts[a:b])
            for a, b in plan_batches(texts, self.max_inputs, self.max_tokens)
        ]
        vectors = np.concatenate(parts, axis=0)
        self._dim = self._dim or vectors.shape[1]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)

    @staticmethod
    def _clip(text: str) -> str:
        # The API rejects empty strings and inputs over 8,191 tokens.
        text = text if text.strip() else " "
        return text[: MAX_TOKENS_PER_INPUT * CHARS_PER_TOKEN_ESTIMATE]

    def _request(self, batch: list[str]) -> np.ndarray:
        import openai

        for attempt in range(self.max_retries + 1):
            self.requests_sent += 1
            try:
                response = self._client.embeddings.create(
                    input=batch,
                    model=self.model,
                    encoding_format="float",
                    dimensions=self.dimensions if self.dimensions else openai.omit,
                )
            except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
                # `from None`: the server's message may echo part of the key.
                raise EmbeddingAuthError(
                    f"{self.base_url} refused the API key for model {self.model!r} "
                    f"(HTTP {exc.status_code}): check the OPENAI_API_KEY the resource uses"
                ) from None
            except (
                openai.RateLimitError,
                openai.InternalServerError,
                openai.APIConnectionError,
            ) as exc:
                status = getattr(exc, "status_code", None) or type(exc).__name__
                if attempt >= self.max_retries:
                    raise EmbeddingServiceError(
                        f"{self.base_url} still failing after {attempt + 1} attempts "
                        f"(last: {status}) for model {self.model!r}"
                    ) from None
                delay = self._backoff(attempt, getattr(exc, "response", None))
                log.warning(
                    "embeddings request got %s; retry %d in %.1fs", status, attempt + 1, delay
                )
                time.sleep(delay)
                continue
            except openai.APIStatusError as exc:
                raise EmbeddingServiceError(
                    f"{self.base_url} rejected an embeddings request for model {self.model!r} "
                    f"(HTTP {exc.status_code}, {len(batch)} inputs): {self._scrub(exc.message)}"
                ) from None
            rows = sorted(response.data, key=lambda d: d.index)
            if len(rows) != len(batch):
                raise EmbeddingServiceError(
                    f"{self.base_url} returned {len(rows)} embeddings for {len(batch)} inputs"
                )
            return np.asarray([row.embedding for row in rows], dtype=np.float32)
        raise AssertionError("unreachable")

    def _scrub(self, text: str) -> str:
        """A server message with the key (or the tail servers echo) blanked out."""
        key = self._client.api_key or ""
        for secret in (key, key[-8:]):
            if len(secret) >= 4:
                text = text.replace(secret, "***")
        return text[:300]

    def _backoff(self, attempt: int, response) -> float:
        retry_after = None
        if response is not None:
            try:
                retry_after = float(response.headers.get("retry-after", ""))
            except ValueError:
                retry_after = None
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.backoff_max_s)
        delay = self.backoff_base_s * (2**attempt)
        return min(delay * (0.5 + random.random() / 2), self.backoff_max_s)
