"""The `make run` promise, checked as a user sees it through the webserver's GraphQL API:
on a fresh NEXUS_HOME with the sample data, with no request from the test, every asset that
can be built locally materialises (all sample ML tasks included) and every asset check on a
materialised asset is evaluated; a file landing in an unrelated folder retrains nothing; and
Ctrl-C stops webserver, daemon, code servers and run workers, leaving nothing behind.
"""

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

import psutil
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# What stays empty locally, as the README says: the external sources (their schedules are off
# without the network services) and the dbt models built only on them.
EXTERNAL = {
    "airbyte/oekobaudat/processes",
    "oekobaudat_processes",
    "oekobaudat_lcia_results",
    "stg_oekobaudat_processes",
    "stg_oekobaudat_lcia",
    "materials_by_classification",
    "material_gwp_by_classification",
}
TASK_DATASETS = {f"{t}/dataset" for t in ("esg_sentiment", "emotion", "esg_entities")}

QUERY = """
query {
  assetNodes {
    assetKey { path }
    isMaterializable
    isPartitioned
    partitionStats { numMaterialized numPartitions }
    assetMaterializations(limit: 1) { timestamp runId }
    staleStatus
    assetChecksOrError {
      ... on AssetChecks { checks { name executionForLatestMaterialization { status } } }
    }
  }
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int, query: str = QUERY) -> dict | None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read()).get("data")
    except OSError:
        return None


def assets(port: int) -> dict[str, dict]:
    data = graphql(port) or {}
    return {"/".join(n["assetKey"]["path"]): n for n in data.get("assetNodes") or []}


def materialised(node: dict) -> bool:
    if node["isPartitioned"]:
        return bool(node["partitionStats"] and node["partitionStats"]["numMaterialized"])
    return bool(node["assetMaterializations"])


def unevaluated_checks(nodes: dict[str, dict]) -> list[str]:
    missing = []
    for key, node in nodes.items():
        checks = (node.get("assetChecksOrError") or {}).get("checks") or []
        if not materialised(node):
            continue
        for check in checks:
            execution = check["executionForLatestMaterialization"]
            if execution is None or execution["status"] == "IN_PROGRESS":
                missing.append(f"{key}:{check['name']}")
    return missing


def latest_run(node: dict) -> str | None:
    return node["assetMaterializations"][0]["runId"] if node["assetMaterializations"] else None


def test_make_run_materialises_everything_and_stops_cleanly(nexus_home):
    env = {
        **os.environ,
        "NEXUS_HOME": str(nexus_home),
        "DAGSTER_HOME": str(nexus_home / "dagster"),
        "NEXUS_SEARCH_PORT": str(free_port()),
        "NEXUS_STOP_GRACE_SECONDS": "20",
    }
    (nexus_home / "landing").rmdir()
    subprocess.run([str(BIN / "nexus"), "seed"], env=env, check=True, capture_output=True)
    port = free_port()
    log_path = nexus_home / "make-run.log"
    # What `make run` runs, as it runs it.
    command = [
        str(REPO / "scripts" / "run_local.sh"),
        str(BIN / "dg"),
        "dev",
        "-w",
        str(REPO / "workspace.yaml"),
        "-p",
        str(port),
        "-h",
        "127.0.0.1",
    ]
    started = time.time()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command, cwd=REPO, env={**env, "BIN": str(BIN)}, stdout=log, stderr=subprocess.STDOUT
        )
    family: set[psutil.Process] = set()

    def watch() -> dict[str, dict]:
        assert proc.poll() is None, log_path.read_text()[-4000:]
        try:
            family.update(psutil.Process(proc.pid).children(recursive=True))
        except psutil.NoSuchProcess:
            pass
        return assets(port)

    try:
        # 1. Everything local materialises by itself, and every check on it is evaluated.
        expected: set[str] = set()
        nodes: dict[str, dict] = {}
        deadline = time.time() + 1200
        while time.time() < deadline:
            nodes = watch()
            expected = {k for k, n in nodes.items() if n["isMaterializable"]} - EXTERNAL
            done = {k for k in expected if materialised(nodes[k])}
            if nodes and done == expected and not unevaluated_checks(nodes):
                break
            time.sleep(5)
        last = max(
            (float(n["assetMaterializations"][0]["timestamp"]) / 1000)
            for n in nodes.values()
            if n["assetMaterializations"]
        )
        print(f"\n{len(expected)} assets materialised, the last {last - started:.0f}s after start")
        assert expected and {k for k in expected if not materialised(nodes[k])} == set()
        assert unevaluated_checks(nodes) == []
        assert not any(materialised(nodes[k]) for k in EXTERNAL if k in nodes)
        assert TASK_DATASETS | {"knowledge_lm/promoted_model", "annotations"} <= expected

        # 2. A file lands in an unrelated folder: it converts and the knowledge base follows,
        #    but no task's dataset is stale or retrained.
        before = {k: latest_run(nodes[k]) for k in TASK_DATASETS | {"knowledgebase"}}
        notes = nexus_home / "landing" / "governance" / "minutes" / "site_visit.md"
        notes.parent.mkdir(parents=True)
        notes.write_text("# Site visit\n\nThe kiln line in Rheintal now runs on biogas.\n")
        deadline = time.time() + 600
        while time.time() < deadline:
            nodes = watch()
            if latest_run(nodes["knowledgebase"]) != before["knowledgebase"]:
                break
            time.sleep(5)
        assert latest_run(nodes["knowledgebase"]) != before["knowledgebase"]
        for key in TASK_DATASETS:
            assert latest_run(nodes[key]) == before[key], key
            assert nodes[key]["staleStatus"] == "FRESH", key
    finally:
        # 3. Ctrl-C stops everything within seconds; nothing it started is left running.
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    stopped = time.time()
    deadline = stopped + 30
    while time.time() < deadline and any(p.is_running() and p.status() != "zombie" for p in family):
        time.sleep(0.5)
    left = [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert left == [], [p.cmdline() for p in left]
    assert family, "the command started no processes"
