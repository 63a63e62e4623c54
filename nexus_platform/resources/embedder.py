"""The embedding model as a Dagster resource: provider chosen by configuration.

`local` (default): the bundled all-MiniLM-L6-v2, offline, CUDA when present. `openai`: the
OpenAI API or any compatible server (`openai_base_url`), key only through `dg.EnvVar`.
`huggingface`: any local sentence-transformers / transformers model directory.
"""

from __future__ import annotations

import os

import dagster as dg
from pydantic import Field

from nexus_platform.embeddings.base import Embedder
from nexus_platform.embeddings.providers import EmbedderSpec, build_embedder
from nexus_platform.settings import NexusPaths

# One embedder per configuration and process: models load once, not once per asset.
_EMBEDDERS: dict[tuple, Embedder] = {}


class EmbedderResource(dg.ConfigurableResource):
    """Turns knowledge-base text into vectors; the model id and revision go with every vector."""

    provider: str = Field(default="local", description="local | openai | huggingface")
    model: str | None = Field(
        default=None, description="openai: model name (text-embedding-3-small); huggingface: label"
    )
    model_dir: str | None = Field(default=None, description="huggingface: local model directory")
    device: str | None = Field(default=None, description="cpu | cuda; default: cuda when present")
    precision: str = Field(
        default="fp32", description="fp32 | bf16 (autocast, used only if it agrees with fp32)"
    )
    batch_size: int | None = Field(default=None, description="default: 32 on CPU, 128 on CUDA")
    openai_api_key: str | None = Field(default=None, description="set with dg.EnvVar only")
    openai_base_url: str | None = None
    dimensions: int | None = Field(default=None, description="openai text-embedding-3 only")
    timeout_s: float = 60.0
    max_retries: int = 5
    backoff_base_s: float = 1.0
    max_inputs_per_request: int = 2048
    max_tokens_per_request: int = 300_000

    def spec(self) -> EmbedderSpec:
        return EmbedderSpec(
            provider=self.provider,
            model=self.model,
            model_dir=self.model_dir,
            device=self.device,
            precision=self.precision,
            batch_size=self.batch_size,
            base_url=self.openai_base_url,
            dimensions=self.dimensions,
            timeout_s=self.timeout_s,
            max_retries=self.max_retries,
            backoff_base_s=self.backoff_base_s,
            max_inputs_per_request=self.max_inputs_per_request,
            max_tokens_per_request=self.max_tokens_per_request,
        )

    def embedder(self) -> Embedder:
        spec = self.spec()
        key = (spec, self.openai_api_key)
        if key not in _EMBEDDERS:
            _EMBEDDERS[key] = build_embedder(spec, api_key=self.openai_api_key)
        return _EMBEDDERS[key]


def resources_for(env: str, paths: NexusPaths) -> dict[str, object]:
    """`embedder` for the environment. The provider is configuration, not code:
    NEXUS_EMBEDDING_PROVIDER=local|openai|huggingface, NEXUS_EMBEDDING_MODEL (openai model
    name, or the huggingface model directory), OPENAI_BASE_URL, NEXUS_EMBEDDING_PRECISION."""
    provider = os.environ.get("NEXUS_EMBEDDING_PROVIDER", "local").strip().lower() or "local"
    model = os.environ.get("NEXUS_EMBEDDING_MODEL") or None
    # GPUs in production run bf16 autocast (checked against fp32 on start).
    precision = os.environ.get("NEXUS_EMBEDDING_PRECISION") or ("bf16" if env == "prod" else "fp32")
    if provider == "openai":
        resource = EmbedderResource(
            provider="openai",
            model=model,
            openai_api_key=dg.EnvVar("OPENAI_API_KEY"),
            openai_base_url=os.environ.get("OPENAI_BASE_URL") or None,
        )
    elif provider == "huggingface":
        resource = EmbedderResource(provider="huggingface", model_dir=model, precision=precision)
    else:
        resource = EmbedderResource(provider="local", precision=precision)
    return {"embedder": resource}
