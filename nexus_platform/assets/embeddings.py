"""Embeddings of the knowledge base, the vector index behind semantic search, and the
SIMILAR_TO relationships of the knowledge graph. Thin wrappers over nexus_platform.embeddings.
"""

import csv
import io

import dagster as dg
from pydantic import Field

from nexus_platform.asset_keys import KNOWLEDGEBASE
from nexus_platform.assets.markdown import markdown_table
from nexus_platform.automation import CHECK_AFTER_MATERIALISATION, ON_UPSTREAM_CHANGE
from nexus_platform.jobs.executors import GPU_POOL, gpu_op_tags
from nexus_platform.knowledge.graph_export import FILES as GRAPH_FILES
from nexus_platform.resources.embedder import EmbedderResource
from nexus_platform.resources.storage import NexusStorage
from nexus_platform.resources.vector_store import VectorStoreResource

SIMILAR_TO_FILE = GRAPH_FILES["similar_to"]
_PAIRS_SHOWN = 25


class NearDuplicateConfig(dg.Config):
    threshold: float = Field(
        default=0.97, description="cosine at or above which texts are duplicates"
    )


class SimilarityConfig(dg.Config):
    top_k: int = Field(default=5, description="neighbours kept per record")
    threshold: float = Field(default=0.8, description="minimum cosine of a SIMILAR_TO edge")


@dg.asset(
    deps=[KNOWLEDGEBASE],
    group_name="embeddings",
    kinds={"pytorch", "parquet"},
    op_tags=gpu_op_tags(),
    pool=GPU_POOL,
    automation_condition=ON_UPSTREAM_CHANGE,
)
def kb_embeddings(
    context: dg.AssetExecutionContext, storage: NexusStorage, embedder: EmbedderResource
) -> dg.MaterializeResult:
    """One vector per knowledge-base record (`embeddings/kb_embeddings.parquet`), tagged with
    the model and its revision. Only records whose text changed since the last run are
    embedded; records gone from the knowledge base leave. Runs on a GPU where there is one."""
    from nexus_platform.embeddings.records import knowledgebase_file
    from nexus_platform.embeddings.store import embeddings_file, update_embeddings, write_manifest

    paths = storage.paths()
    model = embedder.embedder()
    update = update_embeddings(knowledgebase_file(paths), model, embeddings_file(paths))
    write_manifest(paths, update, embedder.spec().to_dict())
    context.log.info(
        f"{update.embedded} records embedded, {update.reused} reused, {update.removed} removed "
        f"({update.model_id})"
    )
    rate = update.texts_encoded / update.embed_seconds if update.embed_seconds else 0.0
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": update.total,
            "embedded": update.embedded,
            "reused": update.reused,
            "removed": update.removed,
            "texts_encoded": update.texts_encoded,
            "model": update.model_id,
            "dim": update.dim,
            "provider": embedder.provider,
            "precision": getattr(model, "precision", "fp32"),
            "device": str(getattr(model, "device", "api")),
            "texts_per_second": round(rate, 1),
            "rewritten": update.written,
            "path": dg.MetadataValue.path(str(embeddings_file(paths))),
            "preview": dg.MetadataValue.md(
                markdown_table(
                    ["records", "embedded", "reused", "removed", "model"],
                    [
                        [
                            update.total,
                            update.embedded,
                            update.reused,
                            update.removed,
                            update.model_id,
                        ]
                    ],
                )
            ),
        }
    )


@dg.asset_check(
    asset=kb_embeddings, blocking=True, automation_condition=CHECK_AFTER_MATERIALISATION
)
def every_record_has_vector(storage: NexusStorage) -> dg.AssetCheckResult:
    """Every knowledge record has exactly one vector, all from the current model."""
    import numpy as np

    from nexus_platform.embeddings.records import knowledgebase_file, read_records
    from nexus_platform.embeddings.store import (
        embeddings_file,
        read_embeddings,
        read_manifest,
        vectors_of,
    )

    paths = storage.paths()
    record_ids = set(read_records(knowledgebase_file(paths), []).column("id").to_pylist())
    table = read_embeddings(embeddings_file(paths))
    if table is None:
        return dg.AssetCheckResult(passed=False, metadata={"missing": len(record_ids)})
    vector_ids = table.column("id").to_pylist()
    missing = sorted(record_ids - set(vector_ids))
    extra = sorted(set(vector_ids) - record_ids)
    models = set(table.column("model").to_pylist())
    expected_model = (read_manifest(paths) or {}).get("model")
    vectors = vectors_of(table)
    bad_vectors = int((~np.isfinite(vectors).all(axis=1)).sum()) if len(vectors) else 0
    passed = (
        not missing
        and not extra
        and len(vector_ids) == len(set(vector_ids))
        and models <= {expected_model}
        and not bad_vectors
    )
    return dg.AssetCheckResult(
        passed=passed,
        metadata={
            "records": len(record_ids),
            "vectors": len(vector_ids),
            "missing": len(missing),
            "extra": len(extra),
            "non_finite_vectors": bad_vectors,
            "models": ", ".join(sorted(m for m in models if m)),
            "missing_sample": ", ".join(missing[:10]),
        },
    )


@dg.asset_check(asset=kb_embeddings, automation_condition=CHECK_AFTER_MATERIALISATION)
def near_duplicates(storage: NexusStorage, config: NearDuplicateConfig) -> dg.AssetCheckResult:
    """Semantic duplicates: records in different files whose vectors have cosine at or above
    the threshold. A warning to review, listing the pairs."""
    from nexus_platform.embeddings.records import knowledgebase_file, read_records, source_dicts
    from nexus_platform.embeddings.similarity import near_duplicate_pairs
    from nexus_platform.embeddings.store import embeddings_file, read_embeddings, vectors_of

    paths = storage.paths()
    records = read_records(knowledgebase_file(paths), ["source"])
    file_of = dict(
        zip(
            records.column("id").to_pylist(),
            (s.get("path") for s in source_dicts(records)),
            strict=True,
        )
    )
    table = read_embeddings(embeddings_file(paths), ["id", "vector"])
    if table is None:
        return dg.AssetCheckResult(
            passed=False, severity=dg.AssetCheckSeverity.WARN, metadata={"embeddings": 0}
        )
    ids = table.column("id").to_pylist()
    pairs = near_duplicate_pairs(
        ids, [file_of.get(i) for i in ids], vectors_of(table), config.threshold
    )
    rows = [
        [p.a, file_of.get(p.a), p.b, file_of.get(p.b), f"{p.score:.4f}"]
        for p in pairs[:_PAIRS_SHOWN]
    ]
    return dg.AssetCheckResult(
        passed=not pairs,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "threshold": config.threshold,
            "pair_count": len(pairs),
            "pairs": dg.MetadataValue.md(
                markdown_table(["record", "file", "duplicate", "file", "cosine"], rows)
            ),
        },
    )


@dg.asset(
    deps=[kb_embeddings],
    group_name="embeddings",
    kinds={"qdrant"},
    automation_condition=ON_UPSTREAM_CHANGE,
)
def vector_index(storage: NexusStorage, vector_store: VectorStoreResource) -> dg.MaterializeResult:
    """The Qdrant collection semantic search queries (`nexus search`): one point per record,
    with its source (path, folders, file type) for filtered search. Kept in step with
    kb_embeddings: changed records are upserted, removed ones deleted."""
    from nexus_platform.embeddings.index import open_index, record_payloads
    from nexus_platform.embeddings.records import knowledgebase_file, read_records, source_dicts
    from nexus_platform.embeddings.store import (
        embeddings_file,
        read_embeddings,
        read_manifest,
        vectors_of,
    )

    paths = storage.paths()
    manifest = read_manifest(paths)
    table = read_embeddings(embeddings_file(paths))
    if not manifest or table is None:
        raise FileNotFoundError(
            f"no embeddings under {paths.embeddings}: materialise kb_embeddings"
        )
    records = read_records(knowledgebase_file(paths), ["text", "source"])
    position = {rid: i for i, rid in enumerate(records.column("id").to_pylist())}
    vector_ids = table.column("id").to_pylist()
    # Vectors of records gone from the knowledge base (embeddings not yet refreshed) stay out.
    keep = [i for i, rid in enumerate(vector_ids) if rid in position]
    ids = [vector_ids[i] for i in keep]
    rows = [position[rid] for rid in ids]
    texts = records.column("text").to_pylist()
    sources = source_dicts(records)
    shas = table.column("content_sha256").to_pylist()
    payloads = record_payloads(
        ids,
        [shas[i] for i in keep],
        [texts[r] for r in rows],
        [sources[r] for r in rows],
        manifest["model"],
    )
    vectors = vectors_of(table)[keep]
    location = vector_store.location()
    with open_index(location, manifest["model"], manifest["dim"]) as index:
        result = index.sync(ids, vectors, payloads)
        collection = index.collection
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": result.count,
            "upserted": result.upserted,
            "deleted": result.deleted,
            "unchanged": result.unchanged,
            "collection": collection,
            "model": manifest["model"],
            "location": location.path or location.url,
        }
    )


@dg.asset_check(asset=vector_index, blocking=True, automation_condition=CHECK_AFTER_MATERIALISATION)
def index_count_matches_embeddings(
    storage: NexusStorage, vector_store: VectorStoreResource
) -> dg.AssetCheckResult:
    """The index holds exactly as many points as kb_embeddings has vectors."""
    from nexus_platform.embeddings.index import open_index
    from nexus_platform.embeddings.store import embeddings_file, read_embeddings, read_manifest

    paths = storage.paths()
    manifest = read_manifest(paths)
    table = read_embeddings(embeddings_file(paths), ["id"])
    expected = 0 if table is None else len(table)
    if not manifest:
        return dg.AssetCheckResult(passed=False, metadata={"embeddings_count": expected})
    with open_index(
        vector_store.location(), manifest["model"], manifest["dim"], create=False
    ) as index:
        count = index.count()
    return dg.AssetCheckResult(
        passed=count == expected, metadata={"index_count": count, "embeddings_count": expected}
    )


@dg.asset(
    deps=[kb_embeddings],
    group_name="knowledge_graph",
    kinds={"neo4j", "csv"},
    automation_condition=ON_UPSTREAM_CHANGE,
)
def knowledge_graph_similarity(
    storage: NexusStorage, config: SimilarityConfig
) -> dg.MaterializeResult:
    """SIMILAR_TO relationships of the knowledge graph (`knowledgebase/graph/rels_similar_to.csv`,
    Neo4j import format): each record's top-k most similar records above a cosine threshold,
    between the Record nodes of the knowledge_graph export (same node ids)."""
    from nexus_platform.embeddings.similarity import top_k_neighbours
    from nexus_platform.embeddings.store import embeddings_file, read_embeddings, vectors_of
    from nexus_platform.knowledge.graph_export import record_node_id
    from nexus_platform.storage import write_text

    paths = storage.paths()
    table = read_embeddings(embeddings_file(paths), ["id", "vector"])
    if table is None:
        raise FileNotFoundError(
            f"no embeddings under {paths.embeddings}: materialise kb_embeddings"
        )
    edges = top_k_neighbours(
        table.column("id").to_pylist(),
        vectors_of(table),
        k=config.top_k,
        threshold=config.threshold,
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([":START_ID", ":END_ID", ":TYPE", "score:float"])
    writer.writerows(
        [record_node_id(e.a), record_node_id(e.b), "SIMILAR_TO", f"{e.score:.6f}"] for e in edges
    )
    target = paths.knowledgebase / "graph" / SIMILAR_TO_FILE
    write_text(target, buffer.getvalue())
    preview = markdown_table(
        ["start", "end", "score"], [[e.a, e.b, f"{e.score:.4f}"] for e in edges[:10]]
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(edges),
            "top_k": config.top_k,
            "threshold": config.threshold,
            "path": dg.MetadataValue.path(str(target)),
            "preview": dg.MetadataValue.md(preview),
        }
    )


def build_defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[kb_embeddings, vector_index, knowledge_graph_similarity],
        asset_checks=[every_record_has_vector, near_duplicates, index_count_matches_embeddings],
    )
