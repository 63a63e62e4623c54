import argparse

import pyarrow.parquet as pq
from fake_soda4lca import STOCK_OLD

from nexus_platform.cli import download


def run(argv) -> int:
    parser = argparse.ArgumentParser(prog="nexus")
    download.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_download_oekobaudat_into_landing(soda, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NEXUS_HOME", str(tmp_path / "home"))
    code = run(
        [
            "download",
            "oekobaudat",
            "--base-url",
            soda.base_url,
            "--datastock",
            STOCK_OLD,
            "--page-size",
            "7",
            "--extended",
            "--limit",
            "2",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    landed = tmp_path / "home" / "landing" / "external" / "oekobaudat"
    assert pq.read_metadata(landed / "processes.parquet").num_rows == len(soda.processes)
    assert (
        set(
            pq.read_table(landed / "lcia_results.parquet").column("process_uuid").to_pylist()
        ).__len__()
        == 2
    )
    assert "OBD_2020_II" in out and "BBSR" in out


def test_base_url_from_environment_and_clear_error(soda, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NEXUS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("OEKOBAUDAT_BASE_URL", soda.base_url)
    code = run(["download", "oekobaudat", "--datastock", "00000000-0000-0000-0000-00000000dead"])
    err = capsys.readouterr().err
    assert code == 1
    assert "HTTP 404" in err and "00000000-0000-0000-0000-00000000dead" in err
    assert any(r.startswith("/resource/") for r in soda.requests)  # the env URL was used
