"""Building blocks of the annotation tests and bench/annotate.py: the sample data converted
and embedded, a task trained and promoted, the annotations asset materialised."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import yaml

REPO = Path(__file__).resolve().parents[2]
SAMPLE_LANDING = REPO / "sample_data" / "landing"
ANNOTATING_TASKS = ("emotion", "esg_entities", "esg_sentiment")


def convert_and_embed(paths, relpaths: list[str] | None = None) -> None:
    """What the landing sensor, knowledgebase and kb_embeddings do for changed files."""
    from nexus_platform.embeddings.local import local_embedder
    from nexus_platform.embeddings.providers import EmbedderSpec
    from nexus_platform.embeddings.records import knowledgebase_file
    from nexus_platform.embeddings.store import embeddings_file, update_embeddings, write_manifest
    from nexus_platform.ingest.convert import convert_file
    from nexus_platform.ingest.ledger import Ledger
    from nexus_platform.knowledge.build import build_knowledgebase
    from nexus_platform.knowledge.config import load_config

    landing = Path(paths.landing.path)
    if relpaths is None:
        relpaths = [p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_file()]
    ledger = Ledger(paths)
    for relpath in sorted(relpaths):
        ledger.put(convert_file(paths, relpath, previous=ledger.get(relpath)))
    build_knowledgebase(paths, load_config())
    update = update_embeddings(knowledgebase_file(paths), local_embedder(), embeddings_file(paths))
    write_manifest(paths, update, EmbedderSpec().to_dict())


def train_and_promote(paths, task: str, model_overrides: dict | None = None):
    """Train one task of the repo's specs (optionally with other model settings) and promote
    it; returns the registry's new version."""
    from nexus_platform.ml import pipeline
    from nexus_platform.ml.artifacts import TaskLayout
    from nexus_platform.ml.spec import discover_specs, task_folders
    from nexus_platform.resources.dvc import registry_for

    if model_overrides:
        raw = yaml.safe_load((REPO / "tasks" / f"{task}.yaml").read_text(encoding="utf-8"))
        raw["model"] = {**raw["model"], **model_overrides}
        folder = Path(paths.tasks.path)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{task}.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    [spec] = [s for s in discover_specs(task_folders(paths.tasks)).specs if s.name == task]
    pipeline.prepare_dataset(spec, paths)
    pipeline.train(spec, paths)
    report, _ = pipeline.evaluate(spec, paths)
    metrics = {k: report[k] for k in pipeline.SUMMARY_METRICS if k in report}
    registry = registry_for("local", paths).registry()
    model_dir = Path(TaskLayout.for_task(paths, task).model.path)
    return registry.promote(task, spec.kind, model_dir, metrics, {})


def resources(home: Path) -> dict:
    from nexus_platform.resources.dvc import registry_for
    from nexus_platform.resources.embedder import EmbedderResource
    from nexus_platform.resources.storage import NexusStorage
    from nexus_platform.settings import NexusPaths

    paths = NexusPaths.from_uri(str(home))
    return {
        "storage": NexusStorage(home=str(home)),
        "embedder": EmbedderResource(provider="local"),
        "dvc": registry_for("local", paths),
    }


def materialise(home: Path, config: dict | None = None) -> dg.ExecuteInProcessResult:
    """The annotations asset, as automation runs it."""
    from nexus_platform.assets.annotations import build_annotations_asset

    run_config = {"ops": {"annotations": {"config": config}}} if config else None
    return dg.materialize(
        [build_annotations_asset([])], resources=resources(home), run_config=run_config
    )


def paths_of(home: Path):
    from nexus_platform.settings import NexusPaths

    return NexusPaths.from_uri(str(home))
