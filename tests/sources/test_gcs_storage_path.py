"""The production storage path (gs:// through UPath + gcsfs) against a local GCS emulator.

`gcp-storage-emulator` speaks GCS's JSON API on 127.0.0.1; gcsfs is pointed at it with
STORAGE_EMULATOR_HOST and anonymous credentials, so no request leaves the machine. The code
under test is the same as locally: NexusPaths + nexus_platform.storage + the ÖKOBAUDAT reader.
"""

import logging
import socket

import pyarrow.parquet as pq
import pytest

BUCKET = "nexus-test"


@pytest.fixture
def gcs_emulator(monkeypatch):
    import fsspec
    import gcsfs.core
    from gcp_storage_emulator.server import create_server

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = create_server("127.0.0.1", port, in_memory=True, default_bucket=BUCKET)
    server.start()
    logging.getLogger("gcp_storage_emulator").setLevel(logging.WARNING)
    endpoint = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", endpoint)
    # The emulator has the JSON API only, not the gRPC control plane that gcsfs's extended
    # filesystem asks for a bucket's layout: use the JSON-API filesystem.
    previous = fsspec.registry["gs"] if "gs" in fsspec.registry else None
    fsspec.register_implementation("gs", gcsfs.core.GCSFileSystem, clobber=True)
    monkeypatch.setitem(fsspec.config.conf, "gs", {"token": "anon", "endpoint_url": endpoint})
    try:
        yield endpoint
    finally:
        server.stop()
        if previous is not None:
            fsspec.register_implementation("gs", previous, clobber=True)


def test_table_written_atomically_and_read_back_through_the_same_code(gcs_emulator):
    import pyarrow as pa

    from nexus_platform.settings import NexusPaths
    from nexus_platform.sources.parquet_io import read_file_metadata, read_table, write_table
    from nexus_platform.storage import read_json, write_json

    paths = NexusPaths.from_uri(f"gs://{BUCKET}/prod")
    target = paths.warehouse / "sample" / "table.parquet"
    table = pa.table({"id": ["a", "b", "c"], "value": [1.5, 2.5, None]})
    write_table(table, target, {"content_sha256": "x1"})
    assert target.protocol == "gs" and target.exists()
    assert read_table(target).to_pylist() == table.to_pylist()
    assert read_file_metadata(target) == {"content_sha256": "x1"}
    write_json(paths.state / "probe.json", {"ok": True})
    assert read_json(paths.state / "probe.json") == {"ok": True}


def test_oekobaudat_download_to_gcs_matches_local(gcs_emulator, soda, tmp_path):
    from nexus_platform.settings import NexusPaths
    from nexus_platform.sources.http import RetryPolicy
    from nexus_platform.sources.oekobaudat import (
        OekobaudatConfig,
        download_processes,
        processes_path,
    )
    from nexus_platform.sources.parquet_io import read_table

    config = OekobaudatConfig(
        base_url=soda.base_url, page_size=10, retry=RetryPolicy(attempts=2, initial_backoff_s=0.01)
    )
    remote = NexusPaths.from_uri(f"gs://{BUCKET}/prod")
    local = NexusPaths.from_uri(str(tmp_path / "local"))
    on_gcs = download_processes(remote, config)
    on_disk = download_processes(local, config)
    assert on_gcs.path.startswith(f"gs://{BUCKET}/prod/landing/external/oekobaudat/")
    assert on_gcs.rows == on_disk.rows == len(soda.processes)
    remote_table = read_table(processes_path(remote)).drop(["retrieved_at"])
    local_table = pq.read_table(processes_path(local).path).drop(["retrieved_at"])
    assert remote_table.to_pylist() == local_table.to_pylist()
    # The page cache was used and cleaned up on the bucket as well.
    assert not (remote.state / "oekobaudat" / on_gcs.data_stock.uuid).exists()
    assert download_processes(remote, config).unchanged
