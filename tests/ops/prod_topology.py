"""Driving `make run-prod-local` from tests: start it in a temp home, watch it through GraphQL
and the Postgres instance, find its processes, stop it and check nothing is left."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nexus_platform.deployment.prod_local import code_locations

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_port_run(count: int) -> int:
    """The first of `count` consecutive free ports (prod_local gives each code location the
    next port up), below Linux's ephemeral range: there, a port the system hands out at
    random, such as a code server's own subprocess port, could take one of them first."""
    for _ in range(200):
        first = random.randrange(20_000, 32_000 - count)
        try:
            with contextlib.ExitStack() as held:
                for port in range(first, first + count):
                    sock = held.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
    raise RuntimeError(f"no {count} consecutive free ports between 20000 and 32000")


def graphql(port: int, query: str, **variables) -> dict | None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return json.loads(response.read()).get("data")
    except OSError:
        return None


def processes_with(needle: str) -> list[int]:
    """Pids whose environment mentions `needle` (the test's own home): every process the
    topology started, grandchildren included."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if needle.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the direct children of `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found.append((int(entry.name), cmdline))
        except (OSError, ValueError, IndexError):
            continue
    return found


@dataclass
class Topology:
    home: Path
    port: int
    process: subprocess.Popen
    log: Path
    note: str = ""  # what a condition saw last time it was not met, for the failure message

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def assert_alive(self) -> None:
        assert self.process.poll() is None, self.log_tail()

    def instance_env(self) -> dict[str, str]:
        """What the topology's processes use to reach the instance (read from one of them)."""
        pid = next(p for p, cmd in children(self.process.pid) if "dagster-daemon" in cmd)
        pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        env = dict(p.decode().split("=", 1) for p in pairs if b"=" in p)
        return {k: v for k, v in env.items() if k.startswith(("DAGSTER_", "NEXUS_"))}


@contextmanager
def running_topology(seed: bool) -> Iterator[Topology]:
    """`python -m nexus_platform.deployment.prod_local` on free ports in a fresh home, as
    `make run-prod-local` runs it; stopped with SIGINT (Ctrl-C) at the end."""
    # The PostgreSQL folder must be reachable by the `postgres` user when tests run as root:
    # pytest's own temp folders are closed to other users.
    root = Path(tempfile.mkdtemp(prefix="nexus-prod-"))
    root.chmod(0o711)
    home = root / "nexus"
    home.mkdir()
    log = root / "prod-local.log"
    port = free_port()
    argv = [
        sys.executable, "-m", "nexus_platform.deployment.prod_local", "--home", str(home),
        "--port", str(port), "--code-server-port", str(free_port_run(len(code_locations()))),
        "--postgres-port", str(free_port()),
    ]  # fmt: skip
    if not seed:
        argv.append("--no-seed")
    with open(log, "wb") as out:
        process = subprocess.Popen(argv, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # fmt: skip
    topology = Topology(home, port, process, log)
    try:
        yield topology
    finally:
        stop(topology)
        shutil.rmtree(root, ignore_errors=True)


def stop(topology: Topology, timeout: float = 120) -> None:
    process = topology.process
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise AssertionError(f"did not stop in {timeout} s:\n{topology.log_tail()}") from None


def wait_until(condition, timeout: float, what: str, topology: Topology, every: float = 2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        topology.assert_alive()
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(
        f"{what}: not within {timeout:.0f} s (last seen: {topology.note})\n{topology.log_tail()}"
    )


SENSORS = """
query ($location: String!) {
  sensorsOrError(repositorySelector: {repositoryLocationName: $location,
                                      repositoryName: "__repository__"}) {
    ... on Sensors { results { id name } }
  }
}
"""
STOP_SENSOR = """
mutation ($id: String!) {
  stopSensor(id: $id) { ... on StopSensorMutationResult { instigationState { status } } }
}
"""


def stop_sensors_except(topology: Topology, keep: str, locations: tuple[str, ...]) -> list[str]:
    """Switch off every sensor but `keep`, as a user would in the UI (stopSensor)."""
    stopped = []
    for location in locations:
        found = graphql(topology.port, SENSORS, location=location) or {}
        sensors = found["sensorsOrError"]["results"]
        for sensor in sensors:
            if sensor["name"] == keep:
                continue
            result = graphql(topology.port, STOP_SENSOR, id=sensor["id"]) or {}
            assert result["stopSensor"]["instigationState"]["status"] == "STOPPED", result
            stopped.append(sensor["name"])
    return stopped
