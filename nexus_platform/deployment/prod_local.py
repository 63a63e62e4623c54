"""The production topology on one machine, without containers (`make run-prod-local`).

The same processes as Docker Compose and the Helm chart run, each its own process: a
PostgreSQL server (instance storage), one gRPC code server per code location of
`workspace.yaml`, `dagster-daemon` and `dagster-webserver`, which load the code over gRPC.
The instance is `deploy/dagster.yaml` itself: the run queue, the pool limits, run retries and
run monitoring of production. The data stays local (`NEXUS_ENV=local` under `NEXUS_HOME`).

Like Compose's `restart: unless-stopped`, a process that dies is started again (bounded);
Ctrl-C (or SIGTERM) stops webserver, daemon, code servers and the database in that order, and
nothing is left running. Runs a stop or a crash cut short are marked failed, so Dagster's run
retries take them up on the next start.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nexus_platform.deployment.postgres import PostgresError, PostgresServer, install_server

REPO = Path(__file__).resolve().parents[2]
INSTANCE_YAML = REPO / "deploy" / "dagster.yaml"
WORKSPACE_YAML = REPO / "workspace.yaml"
BIN = Path(sys.executable).parent
STOP_TIMEOUT_S = 30
MAX_RESTARTS = 5  # within RESTART_WINDOW_S, then the whole topology stops
RESTART_WINDOW_S = 300
PR_SET_PDEATHSIG = 1


def _log(message: str) -> None:
    print(f"nexus prod-local: {message}", file=sys.stderr, flush=True)


def _die_with_parent() -> None:
    """Linux: a child gets SIGTERM if the supervisor itself is killed, so a kill -9 of the
    supervisor does not leave the platform running unattended."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (AttributeError, OSError):
        pass


def code_locations(workspace: Path = WORKSPACE_YAML) -> list[tuple[str, str]]:
    """(location name, module) of every python_module entry of the development workspace:
    the one list of code locations."""
    entries = yaml.safe_load(workspace.read_text())["load_from"]
    return [
        (entry["python_module"]["location_name"], entry["python_module"]["module_name"])
        for entry in entries
    ]


def grpc_workspace(locations: list[tuple[str, str]], ports: list[int]) -> dict:
    return {
        "load_from": [
            {"grpc_server": {"host": "127.0.0.1", "port": port, "location_name": name}}
            for (name, _), port in zip(locations, ports, strict=True)
        ]
    }


@dataclass
class Layout:
    """Where everything lives and listens."""

    nexus_home: Path
    webserver_port: int = 3000
    code_server_port: int = 4000  # one port per location from here up
    postgres_port: int = 5433
    postgres_dir: Path | None = None  # default NEXUS_HOME/postgres

    @property
    def dagster_home(self) -> Path:
        return self.nexus_home / "dagster"

    @property
    def postgres_root(self) -> Path:
        return self.postgres_dir or self.nexus_home / "postgres"

    @property
    def workspace_file(self) -> Path:
        return self.dagster_home / "workspace.yaml"


@dataclass
class Managed:
    name: str
    argv: list[str]
    ready: Callable[[], bool] | None = None
    start: Callable[[], subprocess.Popen] | None = None  # overrides argv
    process: subprocess.Popen | None = None
    restarts: list[float] = field(default_factory=list)


class Topology:
    def __init__(self, layout: Layout, seed: bool = True):
        self.layout = layout
        self.seed = seed
        self.stopping = False
        self.managed: list[Managed] = []
        self.env: dict[str, str] = {}

    # --- set-up ---------------------------------------------------------------------------

    def prepare(self) -> PostgresServer:
        layout = self.layout
        layout.dagster_home.mkdir(parents=True, exist_ok=True)
        (layout.nexus_home / "landing").mkdir(parents=True, exist_ok=True)
        # The production instance itself, not a copy of its settings.
        shutil.copyfile(INSTANCE_YAML, layout.dagster_home / "dagster.yaml")
        locations = code_locations()
        ports = [layout.code_server_port + i for i in range(len(locations))]
        layout.workspace_file.write_text(yaml.safe_dump(grpc_workspace(locations, ports)))
        server = PostgresServer(layout.postgres_root, layout.postgres_port, install_server())
        server.init()
        self.env = {
            **os.environ,
            "NEXUS_ENV": "local",
            "NEXUS_HOME": str(layout.nexus_home),
            "DAGSTER_HOME": str(layout.dagster_home),
            **server.environment(),
        }
        postgres = Managed(
            "postgres",
            server.command(),
            ready=functools.partial(_postgres_ready, server),
            start=functools.partial(
                server.start, start_new_session=True, preexec_fn=_die_with_parent
            ),
        )
        self.managed.append(postgres)
        for (name, module), port in zip(locations, ports, strict=True):
            self.managed.append(
                Managed(
                    f"code server {name}",
                    [str(BIN / "dagster"), "code-server", "start", "-h", "127.0.0.1",
                     "-p", str(port), "-m", module, "--location-name", name],
                    ready=functools.partial(self._grpc_ready, port),
                )
            )  # fmt: skip
        workspace = str(layout.workspace_file)
        self.managed.append(
            Managed("daemon", [str(BIN / "dagster-daemon"), "run", "-w", workspace])
        )
        self.managed.append(
            Managed(
                "webserver",
                [str(BIN / "dagster-webserver"), "-h", "127.0.0.1",
                 "-p", str(layout.webserver_port), "-w", workspace],
                ready=lambda: _http_ok(f"http://127.0.0.1:{layout.webserver_port}/server_info"),
            )
        )  # fmt: skip
        return server

    def _grpc_ready(self, port: int) -> bool:
        done = subprocess.run(
            [str(BIN / "dagster"), "api", "grpc-health-check", "-p", str(port)],
            env=self.env, capture_output=True,
        )  # fmt: skip
        return done.returncode == 0

    def _spawn(self, item: Managed) -> None:
        if item.start is not None:
            item.process = item.start()
        else:
            item.process = subprocess.Popen(
                item.argv, cwd=REPO, env=self.env, stdin=subprocess.DEVNULL,
                start_new_session=True, preexec_fn=_die_with_parent,
            )  # fmt: skip
        _log(f"{item.name} started (pid {item.process.pid})")

    def _wait_ready(self, item: Managed, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while item.ready is not None and not item.ready():
            if self.stopping:
                return
            assert item.process is not None
            if item.process.poll() is not None:
                raise RuntimeError(f"{item.name} exited with {item.process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{item.name} not ready after {timeout:.0f} s")
            time.sleep(0.5)

    # --- running --------------------------------------------------------------------------

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        try:
            server = self.prepare()
            for item in self.managed:
                if self.stopping:
                    break
                self._spawn(item)
                self._wait_ready(item)
                if item.name == "postgres":
                    server.create_database()
                    # No code server runs yet: a run still in progress lost its worker.
                    self._fail_interrupted_runs("the platform stopped before the run finished")
                    if self.seed:
                        self._seed()
            if not self.stopping:
                _log(f"up: http://127.0.0.1:{self.layout.webserver_port} (Ctrl-C stops it all)")
            return self._supervise()
        except (PostgresError, RuntimeError) as exc:
            _log(f"error: {exc}")
            return 1
        finally:
            self.stop()

    def _on_signal(self, signum, _frame) -> None:
        if not self.stopping:
            _log(f"{signal.Signals(signum).name}: stopping")
        self.stopping = True

    def _supervise(self) -> int:
        while not self.stopping:
            time.sleep(0.5)
            for item in self.managed:
                if self.stopping or item.process is None or item.process.poll() is None:
                    continue
                now = time.monotonic()
                item.restarts = [t for t in item.restarts if now - t < RESTART_WINDOW_S]
                if len(item.restarts) >= MAX_RESTARTS:
                    _log(f"{item.name} keeps exiting ({item.process.returncode}): stopping")
                    return 1
                item.restarts.append(now)
                _log(f"{item.name} exited with {item.process.returncode}: starting it again")
                time.sleep(min(2 ** len(item.restarts), 30))
                self._spawn(item)
        return 0

    def stop(self) -> None:
        """Webserver and daemon first (nothing new is launched), then the code servers with
        their runs, then the database; each process group as a whole, each stage at once."""
        self.stopping = True
        postgres, code_servers, front = self.managed[:1], self.managed[1:-2], self.managed[-2:]
        code_servers_ran = any(m.process is not None for m in code_servers)
        for stage in (front, code_servers):
            _stop_all(stage)
        if code_servers_ran and postgres and postgres[0].process is not None:
            self._fail_interrupted_runs("the platform was stopped while the run was in progress")
        _stop_all(postgres)

    def _seed(self) -> None:
        done = subprocess.run([str(BIN / "nexus"), "seed"], cwd=REPO, env=self.env,
                              capture_output=True, text=True)  # fmt: skip
        _log((done.stdout or done.stderr).strip())

    def _fail_interrupted_runs(self, reason: str) -> None:
        """Runs left in progress with no worker: failed, so run retries start them again."""
        script = (
            "import sys, dagster as dg\n"
            "S = dg.DagsterRunStatus\n"
            "live = [S.QUEUED, S.NOT_STARTED, S.STARTING, S.STARTED, S.CANCELING]\n"
            "with dg.DagsterInstance.get() as instance:\n"
            "    for run in instance.get_runs(dg.RunsFilter(statuses=live)):\n"
            "        instance.report_run_failed(run, sys.argv[1])\n"
            "        print(run.run_id)\n"
        )
        done = subprocess.run([sys.executable, "-c", script, reason], env=self.env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        failed = done.stdout.split()
        if failed:
            _log(f"{len(failed)} interrupted run(s) marked failed: {' '.join(failed)}")
        elif done.returncode != 0:
            _log(f"could not check for interrupted runs: {done.stderr.strip()[-500:]}")


def _stop_all(items: list[Managed]) -> None:
    running = [
        (m.name, m.process) for m in items if m.process is not None and m.process.poll() is None
    ]
    for name, process in running:
        # The database with a fast shutdown (SIGINT); the others take SIGTERM.
        _signal_group(process, signal.SIGINT if name == "postgres" else signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for name, process in running:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            _log(f"{name} did not stop in {STOP_TIMEOUT_S} s: killed")
        # Whatever is left of its process group (run workers, code loaders) goes with it.
        _signal_group(process, signal.SIGKILL)
        process.wait()
        _log(f"{name} stopped")
    for item in items:
        item.process = None


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _postgres_ready(server: PostgresServer) -> bool:
    try:
        server.wait_ready(timeout=0.5)
        return True
    except PostgresError:
        return False


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run-prod-local", description=__doc__.split("\n")[0])
    parser.add_argument("--home", default=os.environ.get("NEXUS_HOME", ".nexus-prod"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 3000)))
    parser.add_argument("--code-server-port", type=int, default=4000)
    parser.add_argument("--postgres-port", type=int,
                        default=int(os.environ.get("NEXUS_POSTGRES_PORT", 5433)))  # fmt: skip
    parser.add_argument("--postgres-dir", default=os.environ.get("NEXUS_POSTGRES_DIR") or None)
    parser.add_argument("--no-seed", action="store_true", help="leave the landing folder empty")
    args = parser.parse_args(argv)
    layout = Layout(
        nexus_home=Path(args.home).resolve(),
        webserver_port=args.port,
        code_server_port=args.code_server_port,
        postgres_port=args.postgres_port,
        postgres_dir=Path(args.postgres_dir).resolve() if args.postgres_dir else None,
    )
    return Topology(layout, seed=not args.no_seed).run()


if __name__ == "__main__":
    sys.exit(main())
