"""PostgreSQL instance storage that keeps a connection open per process.

dagster-postgres opens a new connection for every statement (SQLAlchemy's NullPool, so that
no DagsterInstance holds connections), and a password (SCRAM) connection costs about 7 ms.
A conversion run records two events per landing file and each event is a handful of
statements: `bench/scale.py` measured 83-95 ms of platform overhead per file over raw pyarrow
(most of it connecting), and 21-27 ms with one pooled connection per storage. This is
dagster-postgres's storage with that one change; deploy/dagster.yaml names it.

Each Dagster process (webserver, daemon, code servers, run and step workers) holds at most
POOL_SIZE idle connections per storage and opens up to MAX_OVERFLOW more while threads
(the daemon's) need them at once. A connection is tested before use (`pool_pre_ping`), so a
restarted or failed-over database costs one reconnect, not a failed run. The connections
close with their process (an instance hands its storages' disposal to dagster-postgres, which
closes no engine either way).
"""

from __future__ import annotations

from dagster_postgres import DagsterPostgresStorage
from dagster_postgres.utils import get_token_provider_from_config, pg_url_from_config

from nexus_platform.dagster_internals import hold_connections

POOL_SIZE = 1
MAX_OVERFLOW = 10
RECYCLE_SECONDS = 3600  # as the webserver's own pool: no connection outlives a server's idle limits


class PooledPostgresStorage(DagsterPostgresStorage):
    """`storage: postgres` with pooled connections; configured exactly like it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hold_connections(
            self,
            isolation_level="AUTOCOMMIT",  # as dagster-postgres's own engines
            pool_size=POOL_SIZE,
            max_overflow=MAX_OVERFLOW,
            pool_recycle=RECYCLE_SECONDS,
            pool_pre_ping=True,
        )

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
        )
