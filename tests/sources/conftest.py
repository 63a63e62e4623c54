import sys
from pathlib import Path

import pytest

# The fake services live beside the tests; make them importable by name.
sys.path.insert(0, str(Path(__file__).parent))

from fake_soda4lca import Soda4LcaServer  # noqa: E402


@pytest.fixture
def soda():
    with Soda4LcaServer() as server:
        yield server


@pytest.fixture
def nexus_paths(tmp_path):
    from nexus_platform.settings import NexusPaths

    return NexusPaths.from_uri(str(tmp_path / "nexus"))


from airbyte_credentials import CLIENT_ID, CLIENT_SECRET, CONNECTION_ID  # noqa: E402
from fake_airbyte import AirbyteServer  # noqa: E402


@pytest.fixture
def airbyte():
    with AirbyteServer(CLIENT_ID, CLIENT_SECRET) as server:
        server.add_connection(CONNECTION_ID, "oekobaudat")
        yield server


@pytest.fixture
def connections_file(tmp_path):
    path = tmp_path / "connections.yaml"
    path.write_text(
        f"""
connections:
  - name: oekobaudat
    connection_id: {CONNECTION_ID}
    destination: {{path: landing/external/airbyte/oekobaudat, format: jsonl}}
    streams: [processes, flows]
""",
        encoding="utf-8",
    )
    return path
