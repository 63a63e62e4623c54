"""`nexus search` (in process and through the service), `nexus serve`, and the script that
`make run` uses to start the service beside dagster and stop both."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from nexus_platform.cli import main as nexus

REPO = Path(__file__).resolve().parents[2]
NEXUS = str(Path(sys.executable).parent / "nexus")


@pytest.fixture
def home_env(sample_home, monkeypatch):
    monkeypatch.setenv("NEXUS_HOME", str(sample_home.home))
    monkeypatch.delenv("QDRANT_URL", raising=False)
    monkeypatch.delenv("NEXUS_API_KEY", raising=False)
    return sample_home


def test_json_lines_carry_source_and_annotations(home_env, capsys, search_embedder, monkeypatch):
    monkeypatch.setattr(
        "nexus_platform.embeddings.search.query_embedder", lambda manifest: search_embedder
    )
    code = nexus(
        [
            "search",
            "accused of pollution",
            "-k",
            "3",
            "--json",
            "--local",
            "--where",
            "esg_sentiment=negative",
            "--folder",
            "nlp",
        ]
    )
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 3
    for line in lines:
        assert set(line) == {"id", "text", "score", "source", "annotations"}
        assert line["annotations"]["esg_sentiment"]["label"] == "negative"
        assert line["source"]["folders"][0] == "nlp" and line["source"]["row"] is not None


def test_text_output_shows_place_and_labels(home_env, capsys):
    assert nexus(["search", "CEM III/A", "-k", "1", "--mode", "lexical", "--local"]) == 0
    out = capsys.readouterr().out
    assert "oekobaudat_materials_excerpt.xlsx row 7  [materials/lca]" in out
    assert "Blast-furnace cement CEM III/A" in out


def test_a_filter_that_matches_nothing_answers_without_the_model(home_env, capsys, monkeypatch):
    def no_model(*_args, **_kwargs):
        raise AssertionError("the model must not load")

    monkeypatch.setattr("nexus_platform.embeddings.search.query_embedder", no_model)
    started = time.perf_counter()
    assert nexus(["search", "cement", "--file-type", "docxx", "--local"]) == 0
    assert time.perf_counter() - started < 5
    captured = capsys.readouterr()
    assert "no record has file_type=docxx (file types: csv, docx" in captured.err
    assert captured.out == ""


def test_errors_exit_2_with_the_reason(home_env, tmp_path, monkeypatch, capsys):
    assert nexus(["search", "cement", "--where", "pdf", "--local"]) == 2
    assert "expected key=value" in capsys.readouterr().err
    monkeypatch.setenv("NEXUS_HOME", str(tmp_path / "empty"))
    assert nexus(["search", "cement", "--local"]) == 2
    assert "materialise knowledgebase" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes_in_group(pgid: int) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid=,pgid="], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.split()[1] == str(pgid)]


@pytest.mark.slow
def test_make_run_script_serves_search_and_stops_everything(sample_home, tmp_path):
    """scripts/run_local.sh starts `nexus serve` beside a command (here a stand-in for dagster
    that has a child of its own); `nexus search` finds the service; Ctrl-C stops all."""
    port = _free_port()
    env = {
        **os.environ,
        "NEXUS_HOME": str(sample_home.home),
        "NEXUS_SEARCH_PORT": str(port),
        "BIN": str(Path(sys.executable).parent),
    }
    env.pop("NEXUS_API_KEY", None)
    stand_in = tmp_path / "dagster_stand_in.py"
    stand_in.write_text(
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "print('child', child.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    log = tmp_path / "run.log"
    started = time.monotonic()
    script = subprocess.Popen(
        [str(REPO / "scripts" / "run_local.sh"), sys.executable, str(stand_in)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    state = Path(sample_home.search.path) / "service.json"
    url = f"http://127.0.0.1:{port}"
    try:
        while not state.exists():
            assert script.poll() is None, log.read_text()
            assert time.monotonic() - started < 180, log.read_text()
            time.sleep(0.2)
        assert requests.get(url + "/health", timeout=5).json()["records"] > 1000
        served = requests.get(url + "/api/status", timeout=5).json()["searches_served"]

        cli = subprocess.run(
            [NEXUS, "search", "Kesseltausch", "-k", "1"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert cli.returncode == 0, cli.stderr
        assert "werke_emissionen_2022_2023.csv row 13" in cli.stdout
        after = requests.get(url + "/api/status", timeout=5).json()["searches_served"]
        assert after == served + 1  # the query went through the running service
        groups = {
            int(line.split()[1])
            for line in subprocess.run(
                ["ps", "-o", "pid=,pgid=", "--ppid", str(script.pid)],
                capture_output=True,
                text=True,
            ).stdout.splitlines()
        }
        assert len(groups) == 2  # the service and the command, each in its own group
    finally:
        script.send_signal(signal.SIGINT)
        code = script.wait(60)
    assert code == 130
    for pgid in groups:
        assert _processes_in_group(pgid) == [], log.read_text()
    assert not state.exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/health", timeout=2)
