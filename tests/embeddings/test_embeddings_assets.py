"""kb_embeddings, vector_index, knowledge_graph_similarity and their checks, materialised on a
real Dagster instance with the bundled model and Qdrant local mode."""

from __future__ import annotations

import csv
import json

import dagster as dg
import pytest
from embeddings_kb import edit_text, make_records, write_knowledge_base

from nexus_platform.assets.embeddings import build_defs
from nexus_platform.jobs.executors import gpu_op_tags
from nexus_platform.knowledge.graph_export import record_node_id
from nexus_platform.resources import embedder as embedder_resources
from nexus_platform.resources import vector_store as vector_store_resources
from nexus_platform.resources.storage import NexusStorage

DEFS = build_defs()
ASSETS = list(DEFS.assets)
CHECKS = list(DEFS.asset_checks)
NAMES = ["kb_embeddings", "vector_index", "knowledge_graph_similarity"]
SELECTION = dg.AssetSelection.assets(*NAMES)


def _resources(paths) -> dict:
    return {
        "storage": NexusStorage(home=str(paths.home)),
        **embedder_resources.resources_for("local", paths),
        **vector_store_resources.resources_for("local", paths),
    }


def _run(paths, instance, run_config=None):
    result = dg.materialize(
        [dg.AssetSpec("knowledgebase"), *ASSETS, *CHECKS],
        resources=_resources(paths),
        instance=instance,
        selection=SELECTION,
        run_config=run_config,
    )
    assert result.success
    meta = {key: result.asset_materializations_for_node(key)[0].metadata for key in NAMES}
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    return meta, checks


def test_definitions_load_with_gpu_tags_and_resources(nexus_paths):
    defs = dg.Definitions.merge(
        DEFS,
        dg.Definitions(assets=[dg.AssetSpec("knowledgebase")], resources=_resources(nexus_paths)),
    )
    dg.Definitions.validate_loadable(defs)
    spec = next(s for s in defs.resolve_all_asset_specs() if s.key == dg.AssetKey("kb_embeddings"))
    assert dg.AssetKey("knowledgebase") in {d.asset_key for d in spec.deps}
    embeddings_def = next(a for a in ASSETS if dg.AssetKey("kb_embeddings") in a.keys)
    # Dagster stores non-string tag values as JSON.
    tag = json.loads(embeddings_def.op.tags["dagster-k8s/config"])
    assert tag == gpu_op_tags()["dagster-k8s/config"]
    assert tag["container_config"]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert embeddings_def.op.pool == "gpu"


@pytest.mark.slow
def test_incremental_materialisations_and_checks(nexus_paths):
    records = make_records()
    write_knowledge_base(nexus_paths, records)
    with dg.instance_for_test() as instance:
        meta, checks = _run(nexus_paths, instance)
        assert meta["kb_embeddings"]["embedded"].value == len(records)
        assert meta["kb_embeddings"]["dagster/row_count"].value == len(records)
        assert meta["vector_index"]["upserted"].value == len(records)
        assert checks["every_record_has_vector"].passed
        assert checks["index_count_matches_embeddings"].passed
        assert checks["index_count_matches_embeddings"].metadata["index_count"].value == len(
            records
        )
        duplicates = checks["near_duplicates"]
        assert not duplicates.passed and duplicates.severity == dg.AssetCheckSeverity.WARN
        assert duplicates.metadata["pair_count"].value == 1
        assert "code_of_conduct.pdf" in duplicates.metadata["pairs"].value

        # Nothing changed: nothing embedded, nothing rewritten in the index.
        meta, _ = _run(nexus_paths, instance)
        assert meta["kb_embeddings"]["embedded"].value == 0
        assert meta["kb_embeddings"]["reused"].value == len(records)
        assert meta["vector_index"]["upserted"].value == 0

        # One record edited, one removed: exactly that one re-embedded, the other deleted.
        records[6] = edit_text(records[6], "Low-clinker cement blends with calcined clay.")
        removed = records.pop(1)
        write_knowledge_base(nexus_paths, records)
        meta, checks = _run(
            nexus_paths,
            instance,
            run_config={
                "ops": {"knowledge_graph_similarity": {"config": {"top_k": 2, "threshold": 0.2}}}
            },
        )
        assert meta["kb_embeddings"]["embedded"].value == 1
        assert meta["kb_embeddings"]["removed"].value == 1
        assert (meta["vector_index"]["upserted"].value, meta["vector_index"]["deleted"].value) == (
            1,
            1,
        )
        assert meta["vector_index"]["dagster/row_count"].value == len(records)
        assert checks["every_record_has_vector"].passed
        assert checks["index_count_matches_embeddings"].passed

    graph = nexus_paths.knowledgebase / "graph" / "rels_similar_to.csv"
    with open(graph.path, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [":START_ID", ":END_ID", ":TYPE", "score:float"]
    # Same node ids as the knowledge_graph export's Record nodes.
    ids = {record_node_id(r["id"]) for r in records}
    edges = rows[1:]
    assert edges and len(edges) == meta["knowledge_graph_similarity"]["dagster/row_count"].value
    assert all(a in ids and b in ids and a != b and t == "SIMILAR_TO" for a, b, t, _ in edges)
    assert record_node_id(removed["id"]) not in {e[0] for e in edges} | {e[1] for e in edges}
    assert all(float(score) >= 0.2 for *_, score in edges)
    per_record = {}
    for a, *_ in edges:
        per_record[a] = per_record.get(a, 0) + 1
    assert max(per_record.values()) <= 2
    # The duplicated sentence's two records are each other's best neighbour.
    duplicated = [record_node_id(r["id"]) for r in records if "anti-bribery" in r["text"]]
    first = next(e for e in edges if e[0] == duplicated[0])
    assert first[1] == duplicated[1] and float(first[3]) > 0.999


def test_missing_vectors_fail_the_blocking_check(nexus_paths, bundled_embedder):
    from nexus_platform.assets.embeddings import every_record_has_vector
    from nexus_platform.embeddings.records import knowledgebase_file
    from nexus_platform.embeddings.store import embeddings_file, update_embeddings, write_manifest

    records = make_records()[:5]
    write_knowledge_base(nexus_paths, records[:4])
    update = update_embeddings(
        knowledgebase_file(nexus_paths), bundled_embedder, embeddings_file(nexus_paths)
    )
    write_manifest(nexus_paths, update, {"provider": "local"})
    write_knowledge_base(nexus_paths, records)  # one record newer than the vectors
    result = every_record_has_vector(
        dg.build_asset_check_context(), storage=NexusStorage(home=str(nexus_paths.home))
    )
    assert not result.passed
    assert result.metadata["missing"].value == 1
    assert records[4]["id"] in result.metadata["missing_sample"].value


def test_index_leaves_out_vectors_of_records_gone_from_the_knowledge_base(
    nexus_paths, bundled_embedder
):
    from nexus_platform.embeddings.records import knowledgebase_file
    from nexus_platform.embeddings.search import search
    from nexus_platform.embeddings.store import embeddings_file, update_embeddings, write_manifest

    records = make_records()[:6]
    write_knowledge_base(nexus_paths, records)
    update = update_embeddings(
        knowledgebase_file(nexus_paths), bundled_embedder, embeddings_file(nexus_paths)
    )
    write_manifest(nexus_paths, update, {"provider": "local"})
    write_knowledge_base(nexus_paths, records[2:])  # embeddings not refreshed yet
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [dg.AssetSpec("knowledgebase"), *ASSETS],
            resources=_resources(nexus_paths),
            instance=instance,
            selection=dg.AssetSelection.assets("vector_index"),
        )
    assert result.success
    metadata = result.asset_materializations_for_node("vector_index")[0].metadata
    assert metadata["dagster/row_count"].value == 4
    for record in records[2:]:
        hits = search(record["text"], k=1, paths=nexus_paths, embedder=bundled_embedder)
        assert hits[0].id == record["id"] and hits[0].score > 0.999
