"""The promoted models at work: every knowledge-base record annotated with sentiment, emotion,
entities and zero-shot ESG topics, and those annotations in the knowledge graph. Thin
wrappers over nexus_platform.annotation.
"""

from typing import Any

import dagster as dg
from pydantic import Field

from nexus_platform.annotation.distribution import DEFAULT_MAX_SHIFT
from nexus_platform.annotation.models import ANNOTATING_KINDS
from nexus_platform.asset_keys import ANNOTATIONS, KB_EMBEDDINGS, KNOWLEDGEBASE
from nexus_platform.assets.markdown import markdown_table
from nexus_platform.assets.ml_tasks import task_key
from nexus_platform.automation import ON_UPSTREAM_CHANGE, WITH_WHAT_IS_PROMOTED
from nexus_platform.jobs.executors import GPU_POOL, gpu_op_tags
from nexus_platform.ml.spec import discover_specs, task_folders
from nexus_platform.resources.dvc import DvcRegistryResource
from nexus_platform.resources.embedder import EmbedderResource
from nexus_platform.resources.storage import NexusStorage
from nexus_platform.settings import NexusPaths

_PREVIEW_RECORDS = 10


class AnnotationsConfig(dg.Config):
    max_label_shift: float = Field(
        default=DEFAULT_MAX_SHIFT,
        description="share points a predicted label may move before prediction_drift warns",
    )
    device: str | None = Field(default=None, description="cpu | cuda; default: cuda when present")


def _preview(paths: NexusPaths, task_names: list[str]) -> str:
    from nexus_platform.annotation.table import annotations_by_record
    from nexus_platform.knowledge.query import read_records

    records = read_records(paths, limit=_PREVIEW_RECORDS)
    shown = annotations_by_record(paths, [r["id"] for r in records])
    rows = []
    for record in records:
        found = shown.get(record["id"], {})
        labels = [f"{t}={found[t]['label']}" for t in task_names if found.get(t, {}).get("label")]
        rows.append(
            [
                f"`{record['id'][:12]}`",
                record["text"][:80],
                " ".join(labels),
                ", ".join(t["label"] for t in found.get("topics", [])),
                ", ".join(f"{e['text']} ({e['type']})" for e in found.get("entities", [])),
            ]
        )
    return markdown_table(["id", "text", "labels", "topics", "entities"], rows)


def build_annotations_asset(model_deps: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=ANNOTATIONS,
        deps=[KNOWLEDGEBASE, KB_EMBEDDINGS, *model_deps],
        group_name="annotations",
        kinds={"pytorch", "parquet"},
        op_tags=gpu_op_tags(),
        pool=GPU_POOL,
        automation_condition=WITH_WHAT_IS_PROMOTED,
        check_specs=[
            dg.AssetCheckSpec(
                "prediction_drift",
                asset=ANNOTATIONS,
                description="Each model's predicted label distribution against the previous "
                "materialisation; WARN naming the labels whose share moved.",
            )
        ],
    )
    def annotations(
        context: dg.AssetExecutionContext,
        config: AnnotationsConfig,
        storage: NexusStorage,
        embedder: EmbedderResource,
        dvc: DvcRegistryResource,
    ):
        """What the models say about every knowledge-base record, one row per record and
        model (`annotations/annotations.parquet`): the label and score of each promoted text
        classifier (ESG sentiment, emotion), the entity spans of the promoted entity model
        (organisations, materials, locations, regulations, with character offsets) and the
        zero-shot ESG topics of `config/topics.yaml`. Every row names the model, its version
        and DVC hash. Only records whose text changed, and models newly promoted, are
        (re)annotated; tasks without a promoted model yet are left out until they have one.
        Runs on a GPU where there is one."""
        from nexus_platform.annotation.distribution import shifted_labels
        from nexus_platform.annotation.models import promoted_models
        from nexus_platform.annotation.predict import Annotator
        from nexus_platform.annotation.table import annotations_path
        from nexus_platform.annotation.topics import TopicsError, load_topics, topics_file
        from nexus_platform.annotation.update import update_annotations
        from nexus_platform.embeddings.store import read_manifest

        paths = storage.paths()
        manifest = read_manifest(paths)
        if not manifest:
            raise dg.Failure(f"no embeddings under {paths.embeddings}: materialise kb_embeddings")
        registry = dvc.registry()
        source = topics_file(paths)
        try:
            topics = load_topics(source)
            topics_error = ""
        except TopicsError as exc:
            # A broken topics file leaves out the topics, not the models' annotations.
            context.log.error(f"topics left out: {exc}")
            topics, topics_error = None, str(exc)
        annotator = Annotator(
            registry,
            promoted_models(registry),
            topics,
            manifest["model"],
            embedder.embedder,
            device=config.device,
        )
        update = update_annotations(paths, annotator, context.log.info)
        shifts = shifted_labels(
            update.previous_distribution, update.distribution, config.max_label_shift
        )
        tasks = [r.name for r in update.models if r.kind != "topics"]
        metadata: dict[str, Any] = {
            "dagster/row_count": update.rows,
            "records": update.records,
            "annotated": update.annotated_total,
            "reused_rows": update.reused_rows,
            "removed_rows": update.removed_rows,
            "rewritten": update.written,
            "models": dg.MetadataValue.md(
                markdown_table(
                    ["model", "kind", "version", "dvc hash", "annotated", "predict s"],
                    [
                        [
                            r.name,
                            r.kind,
                            r.model_version,
                            r.dvc_hash[:12],
                            update.annotated.get(r.name, 0),
                            update.predict_seconds.get(r.name, 0.0),
                        ]
                        for r in update.models
                    ],
                )
            ),
            "topics_file": str(source),
            "path": dg.MetadataValue.path(str(annotations_path(paths))),
            "preview": dg.MetadataValue.md(_preview(paths, tasks)),
        }
        if topics_error:
            metadata["topics_error"] = topics_error
        for model, info in update.distribution.items():
            metadata[f"labels/{model}"] = dg.MetadataValue.json(info["shares"])
        yield dg.MaterializeResult(
            metadata=metadata,
            check_results=[
                dg.AssetCheckResult(
                    check_name="prediction_drift",
                    passed=not shifts,
                    severity=dg.AssetCheckSeverity.WARN,
                    description=(
                        "; ".join(s.describe() for s in shifts)
                        if shifts
                        else f"no label moved by more than {config.max_label_shift:.0%} of records"
                    ),
                    metadata={
                        "max_label_shift": config.max_label_shift,
                        "moved": dg.MetadataValue.json(
                            [
                                {
                                    "model": s.model,
                                    "label": s.label,
                                    "before": s.before,
                                    "after": s.after,
                                }
                                for s in shifts
                            ]
                        ),
                        "compared_with_previous": update.previous_distribution is not None,
                    },
                )
            ],
        )

    return annotations


@dg.asset(
    deps=[ANNOTATIONS],
    group_name="knowledge_graph",
    kinds={"neo4j", "csv"},
    automation_condition=ON_UPSTREAM_CHANGE,
)
def knowledge_graph_annotations(storage: NexusStorage) -> dg.MaterializeResult:
    """What records talk about, in the knowledge graph (`knowledgebase/graph/`, Neo4j import
    format): `Entity` nodes (organisations, materials, locations, regulations) with
    `MENTIONS` relationships from the records that name them, and `Topic` nodes (the ESG
    topic labels) with scored `HAS_TOPIC` relationships, between the knowledge_graph's Record
    nodes (same node ids)."""
    from nexus_platform.knowledge.graph_export import export_annotations, import_command

    paths = storage.paths()
    directory = paths.knowledgebase / "graph"
    counts = export_annotations(paths, directory)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": counts["mentions"] + counts["has_topic"],
            **{f"{kind}_rows": count for kind, count in counts.items()},
            "directory": dg.MetadataValue.path(str(directory)),
            "import_command": dg.MetadataValue.md(f"```\n{import_command(directory)}\n```"),
        }
    )


def build_defs(paths: NexusPaths | None = None) -> dg.Definitions:
    """The annotations asset over every task spec whose kind annotates (its promoted model
    is a dependency), and its graph export."""
    paths = paths or NexusPaths.from_env()
    # Bad specs are left out here silently: the task assets' loader already reports them.
    specs = discover_specs(task_folders(paths.tasks)).specs
    model_deps = [task_key(s, "promoted_model") for s in specs if s.kind in ANNOTATING_KINDS]
    return dg.Definitions(assets=[build_annotations_asset(model_deps), knowledge_graph_annotations])
