"""A thin layer over the `airbyte-api` client: trigger a sync, wait for it, cancel it.

Why not the SDK's own client-credentials flow: airbyte-api 1.0.x posts to a token URL that
self-hosted servers do not serve, so the token is fetched here (JSON POST to
`<api>/applications/token`) and handed to the SDK as bearer auth, refreshed before it expires.

Secrets never reach a log line or an error message: the SDK's debug logger (which prints
request headers) stays off, and auth errors name the setting to check, not its value.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import requests

from nexus_platform.sources.airbyte_auth import AirbyteAuthError, AirbyteError, TokenProvider
from nexus_platform.sources.http import HttpStatusError, RetryPolicy, request_with_retries

__all__ = [
    "AirbyteAuthError",
    "AirbyteClient",
    "AirbyteError",
    "AirbyteSyncFailed",
    "AirbyteSyncTimeout",
    "JobState",
    "SyncResult",
    "TokenProvider",
    "api_base_url",
]

if TYPE_CHECKING:
    from airbyte_api.api import ListJobsRequestTypedDict
    from airbyte_api.models import JobCreateRequestTypedDict

log = logging.getLogger(__name__)

ACTIVE_STATUSES = frozenset({"pending", "queued", "running", "incomplete"})
TERMINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled"})


class AirbyteSyncFailed(AirbyteError):
    def __init__(self, message: str, job_id: int, status: str):
        super().__init__(message)
        self.job_id = job_id
        self.status = status


class AirbyteSyncTimeout(AirbyteError):
    pass


@dataclass(frozen=True)
class JobState:
    job_id: int
    connection_id: str
    status: str
    rows_synced: int | None = None
    bytes_synced: int | None = None
    duration: str | None = None  # ISO-8601, as Airbyte reports it
    start_time: str | None = None


@dataclass(frozen=True)
class SyncResult:
    job: JobState
    reused_running_job: bool
    wall_seconds: float


def api_base_url(server_url: str) -> str:
    """`http://host:8000` -> `http://host:8000/api/public/v1`; a URL ending in /v1 is kept."""
    url = server_url.rstrip("/")
    return url if url.endswith("/v1") else f"{url}/api/public/v1"


class AirbyteClient:
    """Airbyte public API v1 operations the platform needs, with retries and clear errors."""

    def __init__(
        self,
        server_url: str,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        bearer_token: str | None = None,
        request_timeout_s: float = 30.0,
        retry_for_s: float = 120.0,
        retry_initial_s: float = 0.5,
        poll_interval_s: float = 5.0,
        max_poll_interval_s: float = 60.0,
        sync_timeout_s: float = 6 * 3600.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        from airbyte_api import AirbyteAPI, models
        from airbyte_api.utils import BackoffStrategy, RetryConfig

        self.api_url = api_base_url(server_url)
        policy = RetryPolicy(
            attempts=5, initial_backoff_s=retry_initial_s, timeout_s=request_timeout_s
        )
        if bearer_token:
            self._tokens: TokenProvider | None = None
            security: object = models.Security(bearer_auth=bearer_token)
        elif client_id and client_secret:
            self._tokens = TokenProvider(
                f"{self.api_url}/applications/token", client_id, client_secret, policy
            )
            tokens = self._tokens
            # A callable: the SDK asks for credentials on every request, so refresh is automatic.
            security = lambda: models.Security(bearer_auth=tokens.token())  # noqa: E731
        else:
            raise AirbyteAuthError(
                "Airbyte needs AIRBYTE_CLIENT_ID and AIRBYTE_CLIENT_SECRET, or AIRBYTE_TOKEN"
            )
        retries = RetryConfig(
            "backoff",
            BackoffStrategy(
                int(retry_initial_s * 1000),
                10_000,
                2.0,
                int(retry_for_s * 1000),
                jitter_ms=int(retry_initial_s * 500),
            ),
            retry_connection_errors=True,
        )
        self._sdk = AirbyteAPI(
            security=security,  # type: ignore[arg-type]
            server_url=self.api_url,
            retry_config=retries,
            timeout_ms=int(request_timeout_s * 1000),
        )
        self._bearer_token = bearer_token
        self._policy = policy
        self._poll = poll_interval_s
        self._max_poll = max_poll_interval_s
        self._sync_timeout = sync_timeout_s
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"AirbyteClient(api_url={self.api_url!r})"

    # -- low level -------------------------------------------------------------------------
    def _call(self, what: str, fn: Callable[[], object]) -> object:
        from airbyte_api import errors

        for attempt in (1, 2):
            try:
                return fn()
            except errors.SDKError as exc:
                status = exc.raw_response.status_code
                if status in (401, 403):
                    if status == 401 and self._tokens is not None and attempt == 1:
                        self._tokens.invalidate()  # revoked or expired early: one fresh token
                        continue
                    raise AirbyteAuthError(
                        f"Airbyte refused {what} (HTTP {status}) at {self.api_url}: check the "
                        "credentials (AIRBYTE_CLIENT_ID / AIRBYTE_CLIENT_SECRET or AIRBYTE_TOKEN) "
                        "and the workspace permissions"
                    ) from None
                raise AirbyteError(
                    f"Airbyte {what} failed: HTTP {status}: {exc.body[:300]}"
                ) from None
            except AirbyteError:
                raise
            except Exception as exc:  # httpx transport errors after the SDK's retries
                raise AirbyteError(f"Airbyte {what} failed: {type(exc).__name__}: {exc}") from None
        raise AssertionError("unreachable")

    @staticmethod
    def _state(job: object) -> JobState:
        status = getattr(job.status, "value", job.status)  # type: ignore[attr-defined]
        return JobState(
            job_id=int(job.job_id),  # type: ignore[attr-defined]
            connection_id=str(job.connection_id),  # type: ignore[attr-defined]
            status=str(status),
            rows_synced=job.rows_synced,  # type: ignore[attr-defined]
            bytes_synced=job.bytes_synced,  # type: ignore[attr-defined]
            duration=job.duration,  # type: ignore[attr-defined]
            start_time=job.start_time,  # type: ignore[attr-defined]
        )

    # -- operations ------------------------------------------------------------------------
    def connection_name(self, connection_id: str) -> str:
        res = self._call(
            f"get connection {connection_id}",
            lambda: self._sdk.connections.get_connection(request={"connection_id": connection_id}),
        )
        return res.connection_response.name  # type: ignore[attr-defined]

    def active_job(self, connection_id: str) -> JobState | None:
        """The sync already running (or queued) for this connection, if any."""
        res = self._call(
            f"list jobs of connection {connection_id}",
            # cast: "sync" is sent as a plain string; the SDK's model coerces it to JobTypeEnum.
            lambda: self._sdk.jobs.list_jobs(
                request=cast(
                    "ListJobsRequestTypedDict",
                    {"connection_id": connection_id, "job_type": "sync", "limit": 20},
                )
            ),
        )
        jobs = res.jobs_response.data if res.jobs_response else []  # type: ignore[attr-defined]
        states = [self._state(j) for j in jobs]
        active = [
            j for j in states if j.status in ACTIVE_STATUSES and j.connection_id == connection_id
        ]
        return max(active, key=lambda j: j.job_id) if active else None

    def get_job(self, job_id: int) -> JobState:
        res = self._call(
            f"get job {job_id}", lambda: self._sdk.jobs.get_job(request={"job_id": job_id})
        )
        return self._state(res.job_response)  # type: ignore[attr-defined]

    def cancel_job(self, job_id: int) -> JobState:
        res = self._call(
            f"cancel job {job_id}", lambda: self._sdk.jobs.cancel_job(request={"job_id": job_id})
        )
        return self._state(res.job_response)  # type: ignore[attr-defined]

    def start_sync(self, connection_id: str) -> tuple[JobState, bool]:
        """Start a sync, or attach to the one already running: (job, reused)."""
        running = self.active_job(connection_id)
        if running is not None:
            return running, True
        try:
            res = self._call(
                f"start sync of connection {connection_id}",
                # cast: "sync" is sent as a plain string; the SDK's model coerces it to JobTypeEnum.
                lambda: self._sdk.jobs.create_job(
                    request=cast(
                        "JobCreateRequestTypedDict",
                        {"connection_id": connection_id, "job_type": "sync"},
                    )
                ),
            )
        except AirbyteError as exc:
            # 409: a sync started between our look and our request (or a retried POST won).
            if "HTTP 409" in str(exc):
                running = self.active_job(connection_id)
                if running is not None:
                    return running, True
            raise
        return self._state(res.job_response), False  # type: ignore[attr-defined]

    def failure_reason(self, job_id: int) -> str | None:
        """Airbyte's own failure message; only the config API (/api/v1/jobs/get) carries it."""
        server = self.api_url.removesuffix("/api/public/v1")
        if server == self.api_url:
            return None  # Airbyte Cloud: no config API
        token = self._bearer_token or (self._tokens.token() if self._tokens else "")
        try:
            response = request_with_retries(
                requests.Session(),
                "POST",
                f"{server}/api/v1/jobs/get",
                RetryPolicy(attempts=2, initial_backoff_s=0.2, timeout_s=10.0),
                json={"id": job_id},
                headers={"Authorization": f"Bearer {token}"},
            )
            attempts = response.json().get("attempts") or []
        except (HttpStatusError, ConnectionError, ValueError):
            return None
        for attempt in reversed(attempts):
            summary = (attempt.get("attempt") or {}).get("failureSummary") or {}
            for failure in summary.get("failures") or []:
                message = failure.get("externalMessage") or failure.get("internalMessage")
                if message:
                    return str(message)
        return None

    def wait_for_job(
        self, job_id: int, on_poll: Callable[[JobState], None] | None = None
    ) -> JobState:
        """Poll with backoff until the job reaches a terminal state or the sync timeout."""
        started = time.monotonic()
        interval = self._poll
        while True:
            job = self.get_job(job_id)
            if on_poll:
                on_poll(job)
            if job.status in TERMINAL_STATUSES:
                return job
            if time.monotonic() - started > self._sync_timeout:
                raise AirbyteSyncTimeout(
                    f"Airbyte job {job_id} still {job.status} after {self._sync_timeout:.0f}s"
                )
            self._sleep(interval)
            interval = min(interval * 1.5, self._max_poll)

    def sync_and_wait(
        self,
        connection_id: str,
        on_started: Callable[[JobState, bool], None] | None = None,
        on_poll: Callable[[JobState], None] | None = None,
    ) -> SyncResult:
        """Run one sync to completion. If this process is interrupted (the Dagster run was
        terminated) or times out, the job it started is cancelled; a job it merely attached to
        belongs to someone else and is left running."""
        began = time.monotonic()
        job, reused = self.start_sync(connection_id)
        if on_started:
            on_started(job, reused)
        try:
            final = self.wait_for_job(job.job_id, on_poll)
        except BaseException:
            if not reused:
                self._cancel_quietly(job.job_id)
            raise
        if final.status != "succeeded":
            reason = self.failure_reason(final.job_id) or "Airbyte gave no failure message"
            raise AirbyteSyncFailed(
                f"Airbyte sync job {final.job_id} of connection {connection_id} {final.status}: "
                f"{reason}",
                final.job_id,
                final.status,
            )
        return SyncResult(final, reused, time.monotonic() - began)

    def _cancel_quietly(self, job_id: int) -> None:
        try:
            self.cancel_job(job_id)
            log.warning("cancelled Airbyte job %s", job_id)
        except Exception as exc:  # the original interruption matters more than this
            log.error("could not cancel Airbyte job %s: %s", job_id, exc)
