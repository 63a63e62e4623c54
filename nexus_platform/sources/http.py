"""Bounded, polite HTTP for external APIs: timeouts, retries with backoff on 429/5xx.

401/403 are never retried: they are configuration errors and the caller turns them into a
message that says which setting to check (without echoing any credential).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class HttpStatusError(RuntimeError):
    """A final, non-retryable (or retries-exhausted) HTTP error status."""

    def __init__(self, method: str, url: str, status: int, body: str):
        self.method = method
        self.url = url
        self.status = status
        self.body = body[:500]
        super().__init__(f"{method} {url} -> HTTP {status}: {self.body}")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    initial_backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    timeout_s: float = 30.0

    def backoff(self, attempt: int, retry_after: str | None = None) -> float:
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), self.max_backoff_s)
        base = min(self.initial_backoff_s * (2**attempt), self.max_backoff_s)
        # Jitter so that parallel workers do not hammer a recovering server in lockstep.
        return base * (0.5 + random.random() / 2)


def request_with_retries(
    session: requests.Session,
    method: str,
    url: str,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    **kwargs: Any,
) -> requests.Response:
    """Send a request; retry 429/5xx and connection errors with backoff; raise on final error."""
    last_error: Exception | None = None
    for attempt in range(policy.attempts):
        try:
            response = session.request(method, url, timeout=policy.timeout_s, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            last_error = exc
            wait = policy.backoff(attempt)
            log.warning("%s %s failed (%s); retry in %.1fs", method, url, type(exc).__name__, wait)
        else:
            if response.status_code < 400:
                return response
            if response.status_code not in RETRYABLE_STATUS:
                raise HttpStatusError(method, url, response.status_code, response.text)
            last_error = HttpStatusError(method, url, response.status_code, response.text)
            wait = policy.backoff(attempt, response.headers.get("Retry-After"))
            log.warning(
                "%s %s -> HTTP %s; retry %d/%d in %.1fs",
                method,
                url,
                response.status_code,
                attempt + 1,
                policy.attempts - 1,
                wait,
            )
        if attempt + 1 < policy.attempts:
            sleep(wait)
    assert last_error is not None
    if isinstance(last_error, HttpStatusError):
        raise last_error
    raise ConnectionError(
        f"{method} {url} failed after {policy.attempts} attempts: {last_error}"
    ) from last_error
