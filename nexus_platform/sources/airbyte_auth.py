"""Airbyte application tokens: client-credentials exchange and refresh before expiry.

airbyte-api 1.0.x's own client-credentials hook posts to a token URL self-hosted servers do
not serve, so the exchange is done here: a JSON POST to `<api>/applications/token`. The
secret never appears in a message, a log line or a repr.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import requests

from nexus_platform.sources.http import HttpStatusError, RetryPolicy, request_with_retries


class AirbyteError(RuntimeError):
    """Any failure talking to Airbyte or of the sync it ran."""


class AirbyteAuthError(AirbyteError):
    """Airbyte refused the credentials (HTTP 401/403)."""


class TokenProvider:
    """Client-credentials access tokens, refreshed `refresh_margin_s` before they expire."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        policy: RetryPolicy,
        refresh_margin_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._url = token_url
        self._client_id = client_id
        self._secret = client_secret
        self._policy = policy
        self._margin = refresh_margin_s
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self._session = requests.Session()
        self.fetch_count = 0

    def __repr__(self) -> str:  # never show the secret, even in a traceback's locals
        return f"TokenProvider(url={self._url!r}, client_id=<set>)"

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - self._margin:
                self._fetch()
            assert self._token is not None
            return self._token

    def _fetch(self) -> None:
        body = {
            "client_id": self._client_id,
            "client_secret": self._secret,
            "grant-type": "client_credentials",
        }
        try:
            response = request_with_retries(
                self._session, "POST", self._url, self._policy, json=body
            )
        except HttpStatusError as exc:
            if exc.status in (400, 401, 403):
                raise AirbyteAuthError(
                    f"Airbyte refused the client credentials at {self._url} (HTTP {exc.status}): "
                    "check AIRBYTE_CLIENT_ID / AIRBYTE_CLIENT_SECRET"
                ) from None
            raise AirbyteError(f"Airbyte token request failed: HTTP {exc.status}") from None
        except ConnectionError as exc:
            raise AirbyteError(f"cannot reach Airbyte at {self._url}: {exc}") from None
        payload = response.json()
        token = payload.get("access_token")
        if not token:
            raise AirbyteError(f"Airbyte token response from {self._url} has no access_token")
        self._token = token
        self._expires_at = self._clock() + float(payload.get("expires_in") or 180)
        self.fetch_count += 1
