"""The DVC registry round trip of promoted models."""

from __future__ import annotations

import shutil

import pytest

from nexus_platform.ml.registry import ModelRegistry, RegistryError, parse_reference
from nexus_platform.ml.spec import parse_spec
from nexus_platform.resources.dvc import registry_for
from nexus_platform.settings import NexusPaths

SPEC = parse_spec(
    {
        "name": "sent",
        "kind": "text_classification",
        "source": "landing/nlp/*.csv",
        "label_column": "label",
    },
    "sent.yaml",
)


@pytest.mark.slow
def test_dvc_add_push_pull_round_trip(tmp_path):
    workspace, remote = tmp_path / "home", tmp_path / "remote"
    registry = ModelRegistry(workspace, str(remote))
    model = tmp_path / "model"
    model.mkdir()
    (model / "weights.bin").write_bytes(b"version one")
    first = registry.promote(
        "sent", "text_classification", model, {"macro_f1": 0.8}, {"typos": 0.05}
    )
    (model / "weights.bin").write_bytes(b"version two")
    second = registry.promote(
        "sent", "text_classification", model, {"macro_f1": 0.9}, {"typos": 0.02}
    )
    again = registry.promote(
        "sent", "text_classification", model, {"macro_f1": 0.9}, {"typos": 0.02}
    )
    assert (first.version, second.version, again.version) == (
        1,
        2,
        2,
    )  # unchanged bytes: same version
    assert first.dvc_md5 != second.dvc_md5 and first.dvc_md5.endswith(".dir")
    assert any(remote.rglob("*")), "push wrote objects to the remote"

    # A fresh machine: only the remote and the version index survive.
    shutil.rmtree(workspace / ".dvc" / "cache")
    shutil.rmtree(workspace / "models" / "sent" / "promoted")
    entry, folder = registry.pull("sent", 1)
    assert entry.metrics == {"macro_f1": 0.8}
    assert (folder / "model" / "weights.bin").read_bytes() == b"version one"
    entry, folder = registry.pull("sent")
    assert entry.version == 2 and (folder / "model" / "weights.bin").read_bytes() == b"version two"
    with pytest.raises(RegistryError, match="no version 7"):
        registry.pull("sent", 7)


def test_references_and_environment_config(tmp_path):
    assert parse_reference("esg_sentiment") == ("esg_sentiment", None)
    assert parse_reference("esg_sentiment@v3") == ("esg_sentiment", 3)
    assert parse_reference("esg_sentiment@2") == ("esg_sentiment", 2)
    with pytest.raises(RegistryError):
        parse_reference("esg_sentiment@latest-ish")
    local = registry_for("local", NexusPaths.from_uri(str(tmp_path)))
    assert local.workspace == str(tmp_path) and local.remote_url == f"{tmp_path}/dvc-remote"
    prod = registry_for("prod", NexusPaths.from_uri("gs://bucket/nexus"))
    assert prod.remote_url == "gs://bucket/nexus/dvc-remote"
    assert prod.index_uri == "gs://bucket/nexus/models/_registry"
