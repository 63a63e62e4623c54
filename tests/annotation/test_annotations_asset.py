"""The annotations asset in the graph: its inputs, GPU placement, check, and when automation
materialises it."""

from __future__ import annotations

import json

import dagster as dg

from nexus_platform.assets.annotations import ANNOTATIONS, build_defs


def _defs(paths) -> dg.Definitions:
    from nexus_platform.assets import embeddings, knowledgebase, ml_tasks
    from nexus_platform.definitions import platform_resources

    return dg.Definitions.merge(
        knowledgebase.build_defs(),
        embeddings.build_defs(),
        ml_tasks.build_defs(paths),
        build_defs(paths),
        dg.Definitions(resources=platform_resources("local", paths)),
    )


def test_annotations_depend_on_records_vectors_and_every_annotating_task(paths, nexus_home):
    (nexus_home / "tasks").mkdir()
    (nexus_home / "tasks" / "my_topics.yaml").write_text(
        "name: my_topics\nkind: text_classification\nsource: landing/x.csv\n"
        "text_columns: [text]\nlabel_column: label\n"
    )
    [asset] = [a for a in build_defs(paths).assets if ANNOTATIONS in a.keys]
    parents = {k.to_user_string() for k in asset.asset_deps[ANNOTATIONS]}
    assert parents == {
        "knowledgebase",
        "kb_embeddings",
        "emotion/promoted_model",
        "esg_entities/promoted_model",
        "esg_sentiment/promoted_model",
        "my_topics/promoted_model",  # a user's own task annotates too
    }  # the language model does not annotate
    k8s = asset.op.tags["dagster-k8s/config"]
    k8s = json.loads(k8s) if isinstance(k8s, str) else k8s
    assert k8s["container_config"]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert asset.op.pool == "gpu"
    [check] = asset.check_specs
    assert check.name == "prediction_drift" and not check.blocking


def test_automation_annotates_with_whatever_is_promoted(paths):
    defs = _defs(paths)
    selection = dg.AssetSelection.assets(ANNOTATIONS)
    graph = defs.resolve_asset_graph()
    with dg.instance_for_test() as instance:
        cursor = None

        def tick(*materialised: str) -> int:
            nonlocal cursor
            for key in materialised:
                asset_key = dg.AssetKey.from_user_string(key)
                instance.report_runless_asset_event(dg.AssetMaterialization(asset_key))
                # Its blocking checks pass, as they do in the run that materialises it.
                for check in graph.get(asset_key).check_keys:
                    if graph.get(check).blocking:
                        instance.report_runless_asset_event(
                            dg.AssetCheckEvaluation(
                                asset_key=asset_key, check_name=check.name, passed=True
                            )
                        )
            result = dg.evaluate_automation_conditions(
                defs=defs, instance=instance, asset_selection=selection, cursor=cursor
            )
            cursor = result.cursor
            return result.get_num_requested(ANNOTATIONS)

        assert tick() == 0
        # Records without vectors: nothing to annotate yet.
        assert tick("knowledgebase") == 0
        # One task promoted, the others still training or refused: annotate with that one.
        assert tick("kb_embeddings", "esg_sentiment/promoted_model") == 1
        # Each further promotion annotates again (with the new model only, see the sample tests).
        assert tick() == 0
        assert tick("esg_entities/promoted_model") == 1
