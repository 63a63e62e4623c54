"""The production instance storage (deploy/dagster.yaml) keeps its PostgreSQL connections
open instead of opening one per statement, and survives its connections being cut, as a
restarted or failed-over database cuts them."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import psycopg2
import pytest
import yaml
from sqlalchemy import event
from sqlalchemy.pool import Pool

from nexus_platform.deployment.capacity import storage_kind
from nexus_platform.deployment.postgres import PostgresServer, find_bin_dir, install_server

pytestmark = pytest.mark.skipif(
    find_bin_dir() is None and os.geteuid() != 0,
    reason="no PostgreSQL server here and no root to install it (make install-postgres)",
)

INSTANCE_YAML = Path(__file__).parents[2] / "deploy" / "dagster.yaml"


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    root = Path(tempfile.mkdtemp(prefix="nexus-pool-"))
    root.chmod(0o711)  # the `postgres` user must reach it when tests run as root
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = PostgresServer(root, port, install_server())
    server.init()
    process = server.start(start_new_session=True)
    try:
        server.wait_ready(process)
        yield server
    finally:
        process.send_signal(2)
        process.wait(60)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def instance_of(server, tmp_path, monkeypatch, database: str, instance_yaml: str):
    server.create_database(database)
    for name, value in server.environment(database).items():
        monkeypatch.setenv(name, value)
    home = tmp_path / database
    home.mkdir()
    (home / "dagster.yaml").write_text(instance_yaml)
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        yield instance
    finally:
        instance.dispose()


@contextmanager
def counting_connections() -> Iterator[list]:
    opened: list = []

    def on_connect(dbapi_connection, record):
        opened.append(record)

    event.listen(Pool, "connect", on_connect)
    try:
        yield opened
    finally:
        event.remove(Pool, "connect", on_connect)


def work(instance: dg.DagsterInstance, rounds: int) -> None:
    """What a conversion run does per file: record a materialisation, read the instance."""
    for i in range(rounds):
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key="tables", partition=f"file-{i}")
        )
        instance.get_latest_materialization_event(dg.AssetKey("tables"))
        instance.get_runs(limit=1)


def test_the_production_storage_holds_its_connections(server, tmp_path, monkeypatch):
    production = INSTANCE_YAML.read_text()
    with instance_of(server, tmp_path, monkeypatch, "pooled", production) as instance:
        assert storage_kind(instance) == "postgres"
        work(instance, 1)  # schema checks and first connections
        with counting_connections() as opened:
            work(instance, 20)
        assert len(opened) <= 3, f"{len(opened)} connections for 60 operations"

    # dagster-postgres as it comes: what the production storage is measured against
    config = yaml.safe_load(production)
    config["storage"] = {"postgres": config["storage"]["custom"]["config"]}
    with instance_of(server, tmp_path, monkeypatch, "plain", yaml.safe_dump(config)) as instance:
        work(instance, 1)
        with counting_connections() as opened:
            work(instance, 20)
        assert len(opened) >= 60


def test_cut_connections_are_replaced_not_failed(server, tmp_path, monkeypatch):
    production = INSTANCE_YAML.read_text()
    with instance_of(server, tmp_path, monkeypatch, "cut", production) as instance:
        work(instance, 2)
        admin = psycopg2.connect(server.url("postgres"))
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = 'cut' AND pid <> pg_backend_pid()"
            )
            (cut,) = cursor.fetchone()
        admin.close()
        assert cut >= 1, "the storage held no connection to cut"
        work(instance, 2)
        assert instance.get_materialized_partitions(dg.AssetKey("tables")) >= {"file-0", "file-1"}
