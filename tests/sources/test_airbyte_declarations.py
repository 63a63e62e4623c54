from pathlib import Path

import pytest
import yaml

from nexus_platform.sources.connections import (
    DEFAULT_CONNECTIONS_FILE,
    ConnectionConfigError,
    ConnectionsFile,
    declared_connections,
    load_connections,
)

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "airbyte" / "connectors" / "oekobaudat" / "manifest.yaml"


def test_shipped_declarations_are_valid_and_match_the_connector():
    declared = load_connections(DEFAULT_CONNECTIONS_FILE)
    (oeko,) = [c for c in declared.connections if c.name == "oekobaudat"]
    assert oeko.destination.is_under_landing()
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    streams = {s["name"]: s for s in manifest["streams"]}
    assert {s.name for s in oeko.streams} <= set(streams)
    processes = streams["processes"]
    assert processes["retriever"]["requester"]["path"].endswith("/processes")
    assert processes["retriever"]["record_selector"]["extractor"]["field_path"] == ["data"]
    paginator = manifest["definitions"]["processes_paginator"]
    assert {
        paginator["page_token_option"]["field_name"],
        paginator["page_size_option"]["field_name"],
    } == {"startIndex", "pageSize"}
    assert "totalCount" in paginator["pagination_strategy"]["stop_condition"]
    spec = manifest["spec"]["connection_specification"]["properties"]
    assert spec["base_url"]["default"] == "https://oekobaudat.de/OEKOBAU.DAT/resource"


@pytest.mark.parametrize(
    "body, field",
    [
        (
            "connections: [{name: x, connection_id: nope, destination: {path: a, format: jsonl},"
            " streams: [s]}]",
            "connections[0].connection_id",
        ),
        (
            "connections: [{name: x, connection_id: 5b8f3c7e-2a41-4c1e-9d6a-0e7f4b2c9a10,"
            " destination: {path: a, format: xml}, streams: [s]}]",
            "connections[0].destination.format",
        ),
        (
            "connections: [{name: x, connection_id: 5b8f3c7e-2a41-4c1e-9d6a-0e7f4b2c9a10,"
            " destination: {path: a, format: csv}, streams: []}]",
            "connections[0].streams",
        ),
        (
            "connections: [{name: Bad-Name, connection_id: 5b8f3c7e-2a41-4c1e-9d6a-0e7f4b2c9a10,"
            " destination: {path: a, format: csv}, streams: [s]}]",
            "connections[0].name",
        ),
        ("schedule: {cron: daily}\nconnections: []", "schedule.cron"),
        # Dagster refuses these when the code location loads: caught here instead.
        ("schedule: {cron: '61 3 * * *'}", "schedule.cron"),
        ("schedule: {timezone: Mars/Olympus}", "schedule.timezone"),
        # Unknown keys at each level.
        ("conections: []", "conections"),
        (
            "connections: [{name: x, connection_id: 5b8f3c7e-2a41-4c1e-9d6a-0e7f4b2c9a10,"
            " destination: {path: a, fromat: csv}, streams: [s]}]",
            "connections[0].destination.fromat",
        ),
        (
            "connections: [{name: x, connection_id: 5b8f3c7e-2a41-4c1e-9d6a-0e7f4b2c9a10,"
            " destination: {path: a, format: csv}, streams: [{name: s, descr: y}]}]",
            "connections[0].streams[0].descr",
        ),
    ],
)
def test_bad_declarations_name_the_file_and_field(tmp_path, body, field):
    path = tmp_path / "connections.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConnectionConfigError) as err:
        load_connections(path)
    assert str(path) in str(err.value) and field in [f for f, _ in err.value.problems]
    assert declared_connections(path) == ConnectionsFile()  # what the platform goes on with


def test_missing_file_means_no_connections(tmp_path):
    assert load_connections(tmp_path / "absent.yaml").connections == ()
