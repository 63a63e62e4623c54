"""Choosing an embedder by configuration: `local`, `openai` or `huggingface`.

An `EmbedderSpec` holds no secret, so it is stored beside the vectors: search rebuilds the
very embedder that made the index (the API key comes from the environment at that time).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from nexus_platform.embeddings.base import Embedder

PROVIDERS = ("local", "openai", "huggingface")


@dataclass(frozen=True)
class EmbedderSpec:
    provider: str = "local"
    # openai: the model name (default text-embedding-3-small); huggingface: a display name.
    model: str | None = None
    # huggingface: the local model directory.
    model_dir: str | None = None
    device: str | None = None
    precision: str = "fp32"
    # None: 32 on CPU, 128 on CUDA.
    batch_size: int | None = None
    base_url: str | None = None
    dimensions: int | None = None
    timeout_s: float = 60.0
    max_retries: int = 5
    backoff_base_s: float = 1.0
    max_inputs_per_request: int = 2048
    max_tokens_per_request: int = 300_000

    def __post_init__(self):
        if self.provider not in PROVIDERS:
            raise ValueError(f"embedder provider must be one of {PROVIDERS}, got {self.provider!r}")
        if self.provider == "huggingface" and not self.model_dir:
            raise ValueError("embedder provider 'huggingface' needs model_dir")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> EmbedderSpec:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def build_embedder(spec: EmbedderSpec, api_key: str | None = None) -> Embedder:
    if spec.provider == "local":
        from nexus_platform.embeddings.local import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(
            device=spec.device, batch_size=spec.batch_size, precision=spec.precision
        )
    if spec.provider == "huggingface":
        from nexus_platform.embeddings.huggingface import huggingface_embedder

        return huggingface_embedder(
            str(spec.model_dir),  # checked in EmbedderSpec
            model_name=spec.model,
            device=spec.device,
            batch_size=spec.batch_size,
            precision=spec.precision,
        )
    from nexus_platform.embeddings.openai_provider import OpenAIEmbedder

    return OpenAIEmbedder(
        api_key=api_key or "",
        model=spec.model or "text-embedding-3-small",
        base_url=spec.base_url,
        dimensions=spec.dimensions,
        timeout_s=spec.timeout_s,
        max_retries=spec.max_retries,
        backoff_base_s=spec.backoff_base_s,
        max_inputs_per_request=spec.max_inputs_per_request,
        max_tokens_per_request=spec.max_tokens_per_request,
    )
