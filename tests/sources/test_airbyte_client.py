import logging

import pytest
from airbyte_credentials import CLIENT_ID, CLIENT_SECRET, CONNECTION_ID

from nexus_platform.sources.airbyte_client import (
    AirbyteAuthError,
    AirbyteClient,
    AirbyteSyncFailed,
    TokenProvider,
    api_base_url,
)
from nexus_platform.sources.http import RetryPolicy


def make_client(server, secret=CLIENT_SECRET, **kw):
    return AirbyteClient(
        server.url,
        client_id=CLIENT_ID,
        client_secret=secret,
        poll_interval_s=0.01,
        max_poll_interval_s=0.02,
        retry_for_s=3,
        retry_initial_s=0.01,
        sleep=lambda s: None,
        **kw,
    )


def test_api_url_for_self_hosted_and_cloud():
    assert api_base_url("http://localhost:8000/") == "http://localhost:8000/api/public/v1"
    assert api_base_url("https://api.airbyte.com/v1") == "https://api.airbyte.com/v1"


def test_sync_succeeds_with_rows_and_bytes(airbyte):
    airbyte.polls_to_finish = 3
    result = make_client(airbyte).sync_and_wait(CONNECTION_ID)
    assert result.job.status == "succeeded" and not result.reused_running_job
    assert (result.job.rows_synced, result.job.bytes_synced) == (airbyte.rows, airbyte.bytes)
    assert airbyte.polls[result.job.job_id] == 3
    token_posts = [p for m, p, _ in airbyte.log if p.endswith("/applications/token")]
    assert len(token_posts) == 1  # one token reused across requests until near expiry


def test_failed_sync_carries_airbytes_message(airbyte):
    airbyte.outcome = "failed"
    with pytest.raises(AirbyteSyncFailed) as err:
        make_client(airbyte).sync_and_wait(CONNECTION_ID)
    assert airbyte.failure_message in str(err.value)
    assert err.value.status == "failed"


def test_running_sync_is_reused_not_restarted(airbyte):
    running = airbyte.start_job(CONNECTION_ID, "running")
    result = make_client(airbyte).sync_and_wait(CONNECTION_ID)
    assert result.reused_running_job and result.job.job_id == running["jobId"]
    assert not [1 for m, p, _ in airbyte.log if m == "POST" and p.endswith("/jobs")]
    assert len(airbyte.jobs) == 1


def test_conflict_on_create_attaches_to_the_winner(airbyte):
    client = make_client(airbyte)
    client.active_job = lambda cid, _orig=client.active_job: (
        None if not airbyte.jobs else _orig(cid)
    )
    other = airbyte.start_job(CONNECTION_ID, "running")  # started between look and create
    job, reused = client.start_sync(CONNECTION_ID)
    assert reused and job.job_id == other["jobId"]


def test_interrupt_cancels_the_job_it_started(airbyte):
    airbyte.outcome = "never"
    client = make_client(airbyte)

    def interrupt(job):
        if airbyte.polls[job.job_id] >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        client.sync_and_wait(CONNECTION_ID, on_poll=interrupt)
    (job,) = airbyte.jobs.values()
    assert job["status"] == "cancelled"
    assert [m for m, p, _ in airbyte.log if p.endswith(f"/jobs/{job['jobId']}")][-1] == "DELETE"


def test_retries_5xx_and_429_then_succeeds(airbyte):
    airbyte.fail_next = [503, 429, 502]
    result = make_client(airbyte).sync_and_wait(CONNECTION_ID)
    assert result.job.status == "succeeded"


def test_bad_credentials_are_a_clear_error_without_the_secret(airbyte, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-secret-value-123"
    with pytest.raises(AirbyteAuthError) as err:
        make_client(airbyte, secret=wrong).sync_and_wait(CONNECTION_ID)
    message = str(err.value)
    assert "HTTP 401" in message and "AIRBYTE_CLIENT_SECRET" in message
    assert wrong not in message and wrong not in caplog.text and wrong not in repr(err.value)
    assert airbyte.token_requests == 1  # a 401 is not retried


def test_revoked_token_is_refreshed_once(airbyte):
    client = make_client(airbyte)
    client.get_job(airbyte.start_job(CONNECTION_ID, "running")["jobId"])
    airbyte.tokens.clear()  # the server forgets every token
    assert client.active_job(CONNECTION_ID) is not None
    assert airbyte.token_requests == 2


def test_token_is_refreshed_before_it_expires(airbyte):
    now = [1000.0]
    airbyte.token_ttl_s = 120
    tokens = TokenProvider(
        f"{airbyte.url}/api/public/v1/applications/token",
        CLIENT_ID,
        CLIENT_SECRET,
        RetryPolicy(attempts=1),
        refresh_margin_s=30,
        clock=lambda: now[0],
    )
    first = tokens.token()
    now[0] += 80  # 40 s left: still valid
    assert tokens.token() == first
    now[0] += 15  # 25 s left: inside the margin, refresh
    assert tokens.token() != first and tokens.fetch_count == 2
    assert CLIENT_SECRET not in repr(tokens)
