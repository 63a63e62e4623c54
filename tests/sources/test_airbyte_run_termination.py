"""A Dagster run terminated while its Airbyte sync runs cancels the Airbyte job.

Dagster terminates a run by interrupting its process (SIGINT); the run here is a real
`materialize` in a child process against the local Airbyte test server.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from airbyte_credentials import CLIENT_ID, CLIENT_SECRET

RUN_SYNC = textwrap.dedent(
    """
    import sys
    import dagster as dg
    from nexus_platform.assets.sources import build_defs
    from nexus_platform.resources.airbyte import AirbyteResource

    server_url, connections_file = sys.argv[1:3]
    defs = build_defs(connections_file)
    assets = [a for a in defs.assets if next(iter(a.keys)).path[0] == "airbyte"]
    resource = AirbyteResource(server_url=server_url, client_id=dg.EnvVar("AIRBYTE_CLIENT_ID"),
                               client_secret=dg.EnvVar("AIRBYTE_CLIENT_SECRET"),
                               poll_interval_s=0.05, max_poll_interval_s=0.1)
    print("starting", flush=True)
    dg.materialize(assets, resources={"airbyte": resource})
    """
)


@pytest.mark.slow
def test_terminated_run_cancels_the_airbyte_job(airbyte, connections_file):
    airbyte.outcome = "never"
    env = {**os.environ, "AIRBYTE_CLIENT_ID": CLIENT_ID, "AIRBYTE_CLIENT_SECRET": CLIENT_SECRET}
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN_SYNC, airbyte.url, str(connections_file)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not any(n >= 2 for n in airbyte.polls.values()):
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "the sync never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)  # what Dagster sends a run worker it terminates
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    (job,) = airbyte.jobs.values()
    assert job["status"] == "cancelled", output
    assert ("DELETE", f"/api/public/v1/jobs/{job['jobId']}") in [(m, p) for m, p, _ in airbyte.log]
    assert CLIENT_SECRET not in output
