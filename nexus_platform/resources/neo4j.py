"""Optional push of the knowledge graph export into a live Neo4j database.

Not configured (no URI) means skipped, with a log line saying so: the CSV export is the
product, the push is a convenience. The `neo4j` driver is not a platform dependency; it is
imported only when a push is actually requested.
"""

import itertools
import os
from typing import Any

import dagster as dg

from nexus_platform.settings import NexusPaths

INSTALL_HINT = "pip install 'neo4j>=5,<6'"


class Neo4jResource(dg.ConfigurableResource):
    """Bolt connection to Neo4j; every field may come from an EnvVar (NEO4J_URI, ...)."""

    uri: str | None = None
    user: str | None = "neo4j"
    password: str | None = None
    database: str | None = None
    batch_size: int = 5000
    timeout_s: float = 30.0

    def is_configured(self) -> bool:
        return bool(self.uri)

    def push(self, export: Any, log: Any) -> dict[str, int] | None:
        """MERGE the exported nodes and relationships; None when not configured."""
        from nexus_platform.knowledge.graph_export import (
            CONSTRAINTS,
            LOAD_ORDER,
            MERGE_STATEMENTS,
            read_graph_rows,
        )

        if not self.is_configured():
            log.info(
                "Neo4j push skipped: no URI configured (set NEO4J_URI, NEO4J_USER, "
                "NEO4J_PASSWORD to push); the CSV export for neo4j-admin is written regardless"
            )
            return None
        try:
            import neo4j
        except ImportError as exc:
            raise RuntimeError(
                f"Neo4j push requested (NEO4J_URI={self.uri}) but the `neo4j` Python driver is "
                f"not installed. Install it in the platform environment with: {INSTALL_HINT} "
                "(or unset NEO4J_URI to only write the CSV export)."
            ) from exc

        auth = (self.user, self.password) if self.password else None
        pushed: dict[str, int] = {}
        with neo4j.GraphDatabase.driver(
            self.uri, auth=auth, connection_timeout=self.timeout_s
        ) as driver:
            driver.verify_connectivity()
            with driver.session(database=self.database) as session:
                for statement in CONSTRAINTS:
                    session.run(statement).consume()
                for kind in LOAD_ORDER:
                    if not export.file(kind).exists():
                        continue  # SIMILAR_TO comes later, from the embeddings
                    rows = read_graph_rows(export, kind)
                    statement = f"UNWIND $rows AS row {MERGE_STATEMENTS[kind]}"
                    pushed[kind] = 0
                    while batch := list(itertools.islice(rows, self.batch_size)):
                        session.execute_write(
                            lambda tx, q=statement, b=batch: tx.run(q, rows=b).consume()
                        )
                        pushed[kind] += len(batch)
        log.info(f"Neo4j push to {self.uri}: {pushed}")
        return pushed


def resources_for(env: str, paths: NexusPaths) -> dict[str, object]:
    """The `neo4j` resource: configured from EnvVars only when NEO4J_URI is set."""
    del env, paths  # same wiring locally and in production: the URI decides
    if not os.environ.get("NEO4J_URI"):
        return {"neo4j": Neo4jResource()}
    return {
        "neo4j": Neo4jResource(
            uri=dg.EnvVar("NEO4J_URI"),
            user=dg.EnvVar("NEO4J_USER") if os.environ.get("NEO4J_USER") else "neo4j",
            password=dg.EnvVar("NEO4J_PASSWORD") if os.environ.get("NEO4J_PASSWORD") else None,
            database=dg.EnvVar("NEO4J_DATABASE") if os.environ.get("NEO4J_DATABASE") else None,
        )
    }
