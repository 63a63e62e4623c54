"""A soda4LCA service API client (the software behind ÖKOBAUDAT and other EPD nodes).

JSON only (`format=json`), every request with a timeout and retries with backoff on 429/5xx;
HTTP errors become `OekobaudatError`s that say which setting to check. `PageCache` keeps the
pages of a paged listing so an interrupted download resumes instead of starting over.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests
from upath import UPath

from nexus_platform.sources.http import HttpStatusError, RetryPolicy, request_with_retries
from nexus_platform.storage import read_json, write_json

DEFAULT_BASE_URL = "https://oekobaudat.de/OEKOBAU.DAT/resource"
CACHE_MAX_AGE = timedelta(hours=24)


class OekobaudatError(RuntimeError):
    """The soda4LCA service could not give us the data; the message says what to check."""


@dataclass(frozen=True)
class OekobaudatConfig:
    base_url: str = DEFAULT_BASE_URL
    datastock: str | None = None  # a data stock UUID; None: discover from /datastocks
    page_size: int = 500
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(attempts=5, timeout_s=60.0))


def pick_text(value: object, prefer: tuple[str, ...] = ("de", "en")) -> str | None:
    """soda4LCA gives names as a string or as [{"lang": .., "value": ..}, ...]."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return pick_text(value.get("value") or value.get("#text"), prefer)
    if isinstance(value, list) and value:
        by_lang = {(v.get("lang") or v.get("@xml:lang")): v for v in value if isinstance(v, dict)}
        for lang in prefer:
            if lang in by_lang:
                return pick_text(by_lang[lang])
        return pick_text(value[0], prefer)
    return str(value)


class SodaClient:
    """GET requests against one soda4LCA service, JSON only, with retries on 429/5xx."""

    def __init__(self, config: OekobaudatConfig, sleep: Callable[[float], None] = time.sleep):
        self.base = config.base_url.rstrip("/")
        self.config = config
        self.sleep = sleep
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "nexus-platform"})

    def get_json(self, path: str, what: str, **params: object) -> dict | list:
        url = f"{self.base}/{path.lstrip('/')}"
        try:
            response = request_with_retries(
                self.session,
                "GET",
                url,
                self.config.retry,
                self.sleep,
                params={"format": "json", **params},
            )
        except HttpStatusError as exc:
            hint = {
                404: "not found: check the base URL (--base-url / OEKOBAUDAT_BASE_URL) and "
                "the data stock UUID (--datastock)",
                401: "the service requires a login; ÖKOBAUDAT itself does not",
                403: "access to this data stock is not permitted",
            }.get(exc.status, exc.body)
            raise OekobaudatError(f"{what}: {url} -> HTTP {exc.status}: {hint}") from None
        except ConnectionError as exc:
            raise OekobaudatError(f"{what}: cannot reach {url}: {exc}") from None
        try:
            return response.json()
        except ValueError:
            raise OekobaudatError(f"{what}: {url} did not return JSON") from None


class PageCache:
    """Fetched pages of one download, so a restart resumes instead of starting over."""

    def __init__(self, root: UPath, max_age: timedelta = CACHE_MAX_AGE):
        self.root = root
        progress = read_json(root / "progress.json") or {}
        started = progress.get("started_at")
        if started and datetime.now(UTC) - datetime.fromisoformat(started) > max_age:
            self.clear()  # an old partial download would mix two states of the database
            progress = {}
        if not progress:
            write_json(root / "progress.json", {"started_at": datetime.now(UTC).isoformat()})

    def _page(self, start: int, size: int) -> UPath:
        return self.root / "pages" / f"{start:09d}-{size}.json"

    def get(self, start: int, size: int) -> dict | None:
        return read_json(self._page(start, size))

    def put(self, start: int, size: int, page: dict) -> None:
        write_json(self._page(start, size), page)

    def clear(self) -> None:
        if self.root.exists():
            self.root.fs.rm(self.root.path, recursive=True)
