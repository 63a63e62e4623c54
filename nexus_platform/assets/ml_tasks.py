"""ML tasks as assets: one small graph per task spec (repo `tasks/` + NEXUS_HOME/tasks/).

For a task `t`: `t/dataset` -> `t/model` -> `t/evaluation` + `t/robustness` -> `t/promoted_model`,
with the blocking checks `quality_ok` (on evaluation) and `robust_ok` (on robustness) gating
promotion. Specs are read when the definitions load (YAML only, no heavy imports), so dropping a
spec into NEXUS_HOME/tasks/ adds its assets on the next reload. The training libraries are
imported inside the asset bodies.
"""

import logging
from typing import Any

import dagster as dg

from nexus_platform.asset_keys import INCOMING_REPORT, KNOWLEDGEBASE, PARQUET_TABLES
from nexus_platform.automation import ON_UPSTREAM_CHANGE, TASK_DATASET
from nexus_platform.jobs.executors import GPU_POOL, gpu_op_tags
from nexus_platform.ml.dataset import source_pattern
from nexus_platform.ml.spec import (
    SourceNotLanded,
    SpecError,
    TaskSpec,
    discover_specs,
    task_folders,
)
from nexus_platform.resources.dvc import DvcRegistryResource
from nexus_platform.resources.storage import NexusStorage
from nexus_platform.resources.tracking import TrackingResource
from nexus_platform.settings import NexusPaths

log = logging.getLogger(__name__)

STAGES = ("dataset", "model", "evaluation", "robustness", "promoted_model")


def task_key(spec: TaskSpec | str, stage: str) -> dg.AssetKey:
    return dg.AssetKey([spec if isinstance(spec, str) else spec.name, stage])


def _fail(exc: Exception) -> dg.Failure:
    # A spec error's message names the file and field: show it as is in the UI.
    return dg.Failure(description=str(exc), allow_retries=False)


def _metric_metadata(report: dict) -> dict:
    return {
        k: dg.MetadataValue.float(float(report[k]))
        for k in ("accuracy", "macro_f1", "entity_f1", "perplexity")
        if k in report
    }


def dataset_inputs(spec: TaskSpec) -> tuple[list[dg.AssetDep], dg.AutomationCondition]:
    """What a task's dataset reads, and so what makes it stale and retrains it: its own source
    file's partition and that file's incoming-data report (whose blocking drift check is the
    gate before a retrain) — not every landing file. A source glob reads every file it may
    match; the knowledge base as source reads the knowledge base."""
    if spec.source == "knowledgebase":
        return [dg.AssetDep(KNOWLEDGEBASE)], ON_UPSTREAM_CHANGE
    pattern = source_pattern(spec)
    if any(char in pattern for char in "*?["):
        mapping = None  # which files a glob matches is known only when they land
    else:
        mapping = dg.SpecificPartitionsPartitionMapping([pattern])
    deps = [
        dg.AssetDep(PARQUET_TABLES, partition_mapping=mapping),
        dg.AssetDep(INCOMING_REPORT, partition_mapping=mapping),
    ]
    return deps, TASK_DATASET


def task_assets(spec: TaskSpec) -> list:
    """The assets and checks of one task."""
    group = spec.name
    inputs, dataset_condition = dataset_inputs(spec)
    # Counting n-grams needs no GPU; the transformer kinds do.
    gpu = spec.kind != "language_model"
    # Any: the keys become dg.asset keyword arguments of different types.
    model_tags: dict[str, Any] = {"op_tags": gpu_op_tags(), "pool": GPU_POOL} if gpu else {}
    eager = ON_UPSTREAM_CHANGE

    # Not required: a task whose source has not landed yet is skipped, not failed, and its
    # downstream steps skip with it.
    @dg.asset(
        key=task_key(spec, "dataset"),
        deps=inputs,
        group_name=group,
        kinds={"parquet"},
        automation_condition=dataset_condition,
        output_required=False,
        description=f"{spec.description or spec.name}: the job transformation of {spec.source} "
        f"(inputs, label, metadata) and a reproducible train/test split, as Parquet.",
    )
    def dataset(context: dg.AssetExecutionContext, storage: NexusStorage):
        result = _dataset(context, spec, storage)
        if result is not None:
            yield result

    @dg.asset(
        key=task_key(spec, "model"),
        deps=[dataset.key],
        group_name=group,
        kinds={"pytorch" if gpu else "python"},
        automation_condition=eager,
        **model_tags,
        description=f"The trained {spec.kind.replace('_', ' ')} model of {spec.name}; params and "
        "per-epoch metrics are logged to W&B. Uses CUDA when the worker has a GPU.",
    )
    def model(
        context: dg.AssetExecutionContext, storage: NexusStorage, tracking: TrackingResource
    ) -> dg.MaterializeResult:
        from nexus_platform.ml import pipeline

        paths = storage.paths()
        config = {"task": spec.name, "kind": spec.kind, "split": vars(spec.split), **spec.model}
        with tracking.tracker().run(f"{spec.name}-train", "train", config) as run:
            try:
                summary = pipeline.train(
                    spec, paths, on_epoch=lambda epoch, m: run.log(m, step=epoch)
                )
            except SpecError as exc:
                raise _fail(exc) from exc
            run.summary(
                {"train_seconds": summary["train_seconds"], "train_rows": summary["train_rows"]}
            )
        last = summary["history"][-1] if summary["history"] else {}
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": summary["train_rows"],
                "train_seconds": summary["train_seconds"],
                "device": str(summary["device"]),
                "params": dg.MetadataValue.json(summary["params"]),
                "final_epoch": dg.MetadataValue.json(last),
                "path": dg.MetadataValue.path(str(paths.models / spec.name / "model")),
            }
        )

    @dg.asset(
        key=task_key(spec, "evaluation"),
        deps=[model.key],
        group_name=group,
        kinds={"python", "wandb"},
        automation_condition=eager,
        check_specs=[
            dg.AssetCheckSpec(
                "quality_ok",
                asset=task_key(spec, "evaluation"),
                blocking=True,
                description="The held-out metric meets the spec's threshold.",
            )
        ],
        description="Held-out scores: accuracy, macro-F1 (entity-level F1 for entities, perplexity "
        "for language models), per-class precision/recall/F1 and the confusion matrix.",
    )
    def evaluation(
        context: dg.AssetExecutionContext, storage: NexusStorage, tracking: TrackingResource
    ):
        from nexus_platform.ml import pipeline
        from nexus_platform.ml.evaluation import per_class_markdown, png_markdown

        paths = storage.paths()
        report, png = pipeline.evaluate(spec, paths)
        metrics = {k: v for k, v in report.items() if isinstance(v, int | float)}
        with tracking.tracker().run(
            f"{spec.name}-evaluation", "evaluation", {"task": spec.name}
        ) as run:
            run.summary(metrics)
            if png is not None:
                run.log_artifact(
                    str(paths.models / spec.name / "evaluation" / "confusion_matrix.png"),
                    f"{spec.name}-confusion",
                    "evaluation",
                )
        metadata = {
            **_metric_metadata(report),
            "dagster/row_count": report.get("examples", 0),
            "path": dg.MetadataValue.path(
                str(paths.models / spec.name / "evaluation" / "evaluation.json")
            ),
        }
        if report.get("per_class"):
            metadata["per_class"] = dg.MetadataValue.md(per_class_markdown(report))
        if png is not None:
            metadata["confusion_matrix"] = dg.MetadataValue.md(
                png_markdown(png, "confusion matrix")
            )
        yield dg.MaterializeResult(metadata=metadata)
        yield _quality_check(spec, report)

    @dg.asset(
        key=task_key(spec, "robustness"),
        deps=[model.key],
        group_name=group,
        kinds={"python"},
        automation_condition=eager,
        check_specs=[
            dg.AssetCheckSpec(
                "robust_ok",
                asset=task_key(spec, "robustness"),
                blocking=True,
                description="No perturbation costs more than max_robustness_drop.",
            )
        ],
        description="The perturbation test: typos, casing, whitespace and punctuation noise, word "
        "dropout and ESG synonym swaps on the held-out split; the metric drop per perturbation.",
    )
    def robustness(context: dg.AssetExecutionContext, storage: NexusStorage):
        from nexus_platform.ml import pipeline
        from nexus_platform.ml.robustness import robustness_markdown

        report = pipeline.robustness(spec, storage.paths())
        metadata = {
            "max_drop": float(report["max_drop"]),
            "worst_perturbation": str(report["worst_perturbation"]),
            "baseline": float(report["baseline"]),
            "dagster/row_count": report["examples"],
            "drops": dg.MetadataValue.md(robustness_markdown(report)),
        }
        for name, result in report["perturbations"].items():
            metadata[f"drop/{name}"] = float(result["drop"])
        yield dg.MaterializeResult(metadata=metadata)
        yield _robust_check(spec, report)

    @dg.asset(
        key=task_key(spec, "promoted_model"),
        deps=[evaluation.key, robustness.key],
        group_name=group,
        kinds={"dvc"},
        automation_condition=eager,
        description="The model that passed quality_ok and robust_ok, versioned with DVC and pushed to "
        "the remote; `dvc_md5` names the exact artifact (`nexus models pull`).",
    )
    def promoted_model(
        context: dg.AssetExecutionContext, storage: NexusStorage, dvc: DvcRegistryResource
    ):
        from nexus_platform.ml import pipeline

        try:
            version = pipeline.promote(
                spec, storage.paths(), dvc.registry(), info={"run_id": context.run.run_id}
            )
        except pipeline.PromotionRefused as exc:
            raise _fail(exc) from exc
        return dg.MaterializeResult(
            metadata={
                "version": version.version,
                "dvc_md5": version.dvc_md5,
                "nfiles": version.nfiles,
                "size_bytes": version.size,
                "metrics": dg.MetadataValue.json(version.metrics),
                "robustness_drop": dg.MetadataValue.json(version.robustness_drop),
                "pull": f"nexus models pull {version.name}",
            }
        )

    return [dataset, model, evaluation, robustness, promoted_model]


def _dataset(context, spec: TaskSpec, storage: NexusStorage) -> dg.MaterializeResult | None:
    from nexus_platform.ml import pipeline

    try:
        summary = pipeline.prepare_dataset(spec, storage.paths())
    except SourceNotLanded as exc:
        context.log.warning(f"task {spec.name} skipped: {exc}")
        return None
    except SpecError as exc:
        raise _fail(exc) from exc
    preview = _markdown_preview(summary["train"].slice(0, 5).to_pylist())
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": summary["train_rows"] + summary["test_rows"],
            "train_rows": summary["train_rows"],
            "test_rows": summary["test_rows"],
            "classes": dg.MetadataValue.json(summary["classes"]),
            "sources": dg.MetadataValue.json(summary["sources"]),
            "split": dg.MetadataValue.json(vars(spec.split)),
            "preview": dg.MetadataValue.md(preview),
        }
    )


def _markdown_preview(rows: list[dict]) -> str:
    if not rows:
        return ""
    columns = list(rows[0])

    def cell(value) -> str:
        text = " ".join(value) if isinstance(value, list) else str(value)
        return text.replace("|", "\\|").replace("\n", " ")[:80]

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def _quality_check(spec: TaskSpec, report: dict) -> dg.AssetCheckResult:
    from nexus_platform.ml.pipeline import gates

    result = gates(spec, report, None)
    return dg.AssetCheckResult(
        check_name="quality_ok",
        asset_key=task_key(spec, "evaluation"),
        passed=result.quality_passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{result.metric} = {result.value} ({'>=' if spec.primary_metric[1] else '<='} {result.bound} required)",
        metadata={"value": float(result.value or 0.0), "bound": result.bound},
    )


def _robust_check(spec: TaskSpec, report: dict) -> dg.AssetCheckResult:
    from nexus_platform.ml.pipeline import gates

    result = gates(spec, None, report)
    return dg.AssetCheckResult(
        check_name="robust_ok",
        asset_key=task_key(spec, "robustness"),
        passed=result.robust_passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"worst drop {result.max_drop} ({result.worst_perturbation}); at most {result.max_allowed_drop} allowed",
        metadata={"max_drop": float(result.max_drop or 0.0), "allowed": result.max_allowed_drop},
    )


def build_defs(paths: NexusPaths | None = None, folders=None) -> dg.Definitions:
    paths = paths or NexusPaths.from_env()
    # A spec that does not validate is left out (the platform_configuration check names it):
    # one bad user spec must not take the code location down.
    discovery = discover_specs(folders if folders is not None else task_folders(paths.tasks))
    for error in discovery.errors:
        log.error("task spec left out: %s", error)
    specs = list(discovery.specs)
    return dg.Definitions(assets=[a for spec in specs for a in task_assets(spec)])
