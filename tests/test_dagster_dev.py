"""The `make run` promise: `dagster dev` on a fresh NEXUS_HOME materialises every sample
file by itself (sensors and automation on by default), with no request from the test."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SAMPLE_LANDING = REPO / "sample_data" / "landing"

QUERY = """
query {
  assetNodeOrError(assetKey: {path: ["parquet_tables"]}) {
    ... on AssetNode { partitionStats { numMaterialized numPartitions numFailed } }
  }
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int) -> dict | None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    except OSError:
        return None


def test_dagster_dev_materialises_the_sample_data_by_itself(nexus_home):
    env = {**os.environ, "NEXUS_HOME": str(nexus_home), "DAGSTER_HOME": str(nexus_home / "dagster")}
    (nexus_home / "landing").rmdir()
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "nexus"), "seed"], env=env, check=True, capture_output=True)
    expected = sum(1 for p in SAMPLE_LANDING.rglob("*") if p.is_file())
    port = free_port()
    log = open(nexus_home / "dagster-dev.log", "wb")
    proc = subprocess.Popen(
        [
            str(bin_dir / "dagster"),
            "dev",
            "-w",
            str(REPO / "workspace.yaml"),
            "-p",
            str(port),
            "-h",
            "127.0.0.1",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stats = None
    try:
        deadline = time.time() + 420
        while time.time() < deadline:
            assert proc.poll() is None, (nexus_home / "dagster-dev.log").read_text()[-3000:]
            body = graphql(port)
            node = (body or {}).get("data", {}).get("assetNodeOrError") or {}
            stats = node.get("partitionStats")
            if (
                stats
                and stats["numPartitions"] == expected
                and stats["numMaterialized"] == expected
            ):
                break
            time.sleep(5)
        assert stats is not None, "the webserver never answered"
        assert stats["numPartitions"] == expected, stats
        assert stats["numMaterialized"] == expected, stats
        assert stats["numFailed"] == 0, stats
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    # Stopped cleanly: no process of this dagster dev is left behind.
    assert proc.returncode is not None
