"""The one place that decides the environment and where things live.

Asset bodies never read environment variables: `definitions.py` asks this module once and
hands the answer to resources.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

from upath import UPath

Environment = Literal["local", "prod"]

DEFAULT_LOCAL_HOME = ".nexus"


def environment() -> Environment:
    """`NEXUS_ENV=local|prod`, default local. Anything else is a configuration error."""
    value = os.environ.get("NEXUS_ENV", "local").strip().lower() or "local"
    if value not in ("local", "prod"):
        raise ValueError(f"NEXUS_ENV must be 'local' or 'prod', got {value!r}")
    return value  # type: ignore[return-value]


def home_uri(env: Environment | None = None) -> str:
    """Base location of all platform data.

    Local: `NEXUS_HOME` (default ./.nexus, made absolute so runs in other working directories
    agree). Production: `NEXUS_HOME` must be a `gs://bucket/prefix` URI.
    """
    env = env or environment()
    raw = os.environ.get("NEXUS_HOME", "").strip()
    if env == "prod":
        if not raw:
            raise ValueError("NEXUS_ENV=prod needs NEXUS_HOME=gs://<bucket>/<prefix>")
        return raw
    if "://" in raw:
        return raw
    return os.path.abspath(raw or DEFAULT_LOCAL_HOME)


def as_path(uri: str) -> UPath:
    return UPath(uri)


def is_local(path: UPath) -> bool:
    return getattr(path, "protocol", "") in ("", "file", "local")


@dataclass(frozen=True)
class NexusPaths:
    """The layout of NEXUS_HOME. Every module asks here instead of joining strings."""

    home: UPath

    @classmethod
    def from_uri(cls, uri: str) -> NexusPaths:
        return cls(UPath(uri))

    @classmethod
    def from_env(cls) -> NexusPaths:
        return cls.from_uri(home_uri())

    @property
    def landing(self) -> UPath:
        """The master knowledge folder: files land here, the platform only reads it."""
        return self.home / "landing"

    @property
    def warehouse(self) -> UPath:
        """Typed Parquet tables, one folder per landing file."""
        return self.home / "warehouse"

    @property
    def ledger(self) -> UPath:
        """Per-file conversion ledger (converted / quarantined / stale)."""
        return self.home / "ledger"

    @property
    def knowledgebase(self) -> UPath:
        return self.home / "knowledgebase"

    @property
    def embeddings(self) -> UPath:
        return self.home / "embeddings"

    @property
    def annotations(self) -> UPath:
        """What the promoted models and the zero-shot topics say about each record."""
        return self.home / "annotations"

    @property
    def search(self) -> UPath:
        """The lexical (BM25) index and the search service's bookkeeping."""
        return self.home / "search"

    @property
    def reports(self) -> UPath:
        return self.home / "reports"

    @property
    def models(self) -> UPath:
        return self.home / "models"

    @property
    def tasks(self) -> UPath:
        """The user's own ML task specs (the shipped ones live in the repo)."""
        return self.home / "tasks"

    @property
    def state(self) -> UPath:
        """Small bookkeeping files (landing index, caches)."""
        return self.home / "state"

    @property
    def duckdb_file(self) -> UPath:
        return self.home / "warehouse.duckdb"

    @property
    def qdrant(self) -> UPath:
        return self.home / "qdrant"

    @property
    def wandb(self) -> UPath:
        return self.home / "wandb"

    @property
    def sources(self) -> UPath:
        """Raw extracts of external sources (Airbyte destinations, ÖKOBAUDAT downloads)."""
        return self.home / "sources"


def retry_base_seconds() -> float:
    """How long a file left pending by a passing error (disk full, permissions, a run that
    died) waits before it is tried again; each further attempt waits twice as long.
    `NEXUS_RETRY_BASE_SECONDS`, default 60."""
    raw = os.environ.get("NEXUS_RETRY_BASE_SECONDS", "").strip()
    try:
        value = float(raw) if raw else 60.0
    except ValueError:
        raise ValueError(
            f"NEXUS_RETRY_BASE_SECONDS must be a number of seconds, got {raw!r}"
        ) from None
    if value < 0:
        raise ValueError(f"NEXUS_RETRY_BASE_SECONDS must not be negative, got {value}")
    return value


def dagster_home(paths: NexusPaths) -> str:
    """DAGSTER_HOME if set, else `<NEXUS_HOME>/dagster` (local only: one folder holds it all)."""
    raw = os.environ.get("DAGSTER_HOME", "").strip()
    if raw:
        return os.path.abspath(raw)
    if not is_local(paths.home):
        raise ValueError("set DAGSTER_HOME when NEXUS_HOME is not a local folder")
    return os.path.join(paths.home.path, "dagster")
