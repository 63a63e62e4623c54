"""The annotations asset on the sample data with the sample tasks promoted: every record
annotated by every model, each annotation traceable to its model version and DVC artifact,
incremental by record and by model, prediction drift, the same answers from
`annotate_texts` and `nexus annotate`, the graph export and the impact-screening mart."""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow.parquet as pq
import pytest
from annotation_fixtures import (
    ANNOTATING_TASKS,
    REPO,
    convert_and_embed,
    materialise,
    paths_of,
    resources,
)

from nexus_platform.annotation.table import TOPICS_MODEL, annotations_by_record, read_annotations
from nexus_platform.annotation.topics import REPO_TOPICS_FILE, load_topics

pytestmark = pytest.mark.slow

STATEMENTS = "social/reviews/stakeholder_statements.jsonl"


def records_of(home: Path) -> list[dict]:
    return pq.read_table(home / "knowledgebase" / "knowledgebase.parquet").to_pylist()


def rows_by_key(home: Path) -> dict[tuple[str, str], dict]:
    return {(r["record_id"], r["model"]): r for r in read_annotations(paths_of(home)).to_pylist()}


def materialisation(result) -> dict:
    [event] = result.asset_materializations_for_node("annotations")
    return event.metadata


def drift_check(result):
    [check] = result.get_asset_check_evaluations()
    assert check.check_name == "prediction_drift"
    return check


def test_every_record_is_annotated_by_every_promoted_model(annotated):
    from nexus_platform.resources.dvc import registry_for

    home, result = annotated
    records = {r["id"]: r for r in records_of(home)}
    rows = read_annotations(paths_of(home)).to_pylist()
    registry = registry_for("local", paths_of(home)).registry()
    promoted = {task: registry.get(task) for task in ANNOTATING_TASKS}
    topics = load_topics(REPO_TOPICS_FILE)

    by_model = Counter(r["model"] for r in rows)
    assert by_model == {m: len(records) for m in (*ANNOTATING_TASKS, TOPICS_MODEL)}
    assert {(r["record_id"], r["model"]) for r in rows} == {
        (rid, m) for rid in records for m in by_model
    }
    classes = {"emotion": {"anger", "fear", "joy", "sadness", "trust"}}
    classes["esg_sentiment"] = {"negative", "neutral", "positive"}
    spans = 0
    for row in rows:
        record = records[row["record_id"]]
        assert row["content_sha256"] == record["content_sha256"]
        if row["model"] == TOPICS_MODEL:
            assert row["kind"] == "topics" and row["dvc_hash"] == "" and row["model_version"]
            assert all(t["score"] >= topics.threshold for t in row["labels"])
            continue
        version = promoted[row["model"]]
        assert (row["model_version"], row["dvc_hash"]) == (f"v{version.version}", version.dvc_md5)
        assert row["dvc_hash"].endswith(".dir") and len(row["dvc_hash"]) == 36
        if row["kind"] == "classification":
            assert row["label"] in classes[row["model"]] and 0.0 < row["score"] <= 1.0
        else:
            for span in row["entities"]:
                assert record["text"][span["start"] : span["end"]] == span["text"]
                assert span["type"] in {"ORG", "MATERIAL", "LOCATION", "REGULATION"}
                spans += 1
    assert spans > len(records) / 2  # the sample sentences are full of entities

    metadata = materialisation(result)
    assert metadata["dagster/row_count"].value == len(rows)
    assert metadata["annotated"].value == len(rows)
    shares = metadata["labels/esg_sentiment"].value
    assert set(shares) == classes["esg_sentiment"] and sum(shares.values()) == pytest.approx(
        1, 1e-3
    )
    assert "esg_entities" in metadata["models"].value and "| id |" in metadata["preview"].value
    assert drift_check(result).passed  # the first materialisation has nothing to compare with


def test_an_unchanged_refresh_annotates_nothing(annotated_copy):
    table = annotated_copy / "annotations" / "annotations.parquet"
    before = table.stat().st_mtime_ns, table.read_bytes()
    result = materialise(annotated_copy)
    metadata = materialisation(result)
    assert metadata["annotated"].value == 0 and metadata["rewritten"].value is False
    assert (table.stat().st_mtime_ns, table.read_bytes()) == before
    assert drift_check(result).passed


def test_a_changed_record_is_reannotated_and_the_others_keep_their_rows(annotated_copy):
    before_records = {r["id"]: r["content_sha256"] for r in records_of(annotated_copy)}
    before = rows_by_key(annotated_copy)
    landing = annotated_copy / "landing" / STATEMENTS
    lines = landing.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["text"] = "Solvik Batteries was fined for dumping toxic sludge into the Rhine."
    lines[0] = json.dumps(first)
    landing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    convert_and_embed(paths_of(annotated_copy), [STATEMENTS])

    result = materialise(annotated_copy)
    after_records = {r["id"]: r["content_sha256"] for r in records_of(annotated_copy)}
    changed = {rid for rid, sha in after_records.items() if before_records.get(rid) != sha}
    assert len(changed) == 1
    metadata = materialisation(result)
    assert metadata["annotated"].value == 4 * len(changed)
    after = rows_by_key(annotated_copy)
    for (record_id, model), row in after.items():
        if record_id in changed:
            assert row["content_sha256"] == hashlib.sha256(first["text"].encode()).hexdigest()
        else:
            assert row == before[(record_id, model)]  # the very same values
    [new_id] = changed
    assert after[(new_id, "esg_sentiment")]["label"] == "negative"


def test_a_new_model_version_reannotates_everything_with_that_model_only(annotated_copy):
    import numpy as np

    from nexus_platform.resources.dvc import registry_for

    before = rows_by_key(annotated_copy)
    # A new version of the sentiment model: the same head, half as confident.
    model = annotated_copy / "models" / "esg_sentiment" / "model"
    new = annotated_copy / "esg_sentiment_v2"
    shutil.copytree(model, new)
    with np.load(new / "head.npz") as head:
        weight, bias = head["weight"], head["bias"]
    np.savez(new / "head.npz", weight=weight / 2, bias=bias / 2)
    registry = registry_for("local", paths_of(annotated_copy)).registry()
    version = registry.promote("esg_sentiment", "text_classification", new, {}, {})
    assert version.version == 2

    result = materialise(annotated_copy)
    metadata = materialisation(result)
    records = len(records_of(annotated_copy))
    assert metadata["annotated"].value == records
    after = rows_by_key(annotated_copy)
    assert after.keys() == before.keys()
    for key, row in after.items():
        if key[1] == "esg_sentiment":
            assert (row["model_version"], row["dvc_hash"]) == ("v2", version.dvc_md5)
            assert row["label"] == before[key]["label"]  # the same ranking of classes
            assert row["score"] < before[key]["score"]  # predicted again, not copied
        else:
            assert row == before[key]


def test_prediction_drift_names_the_labels_that_moved(annotated_copy):
    negative = [
        f"{company} was accused of {wrongdoing} at its {site} in {year}."
        for company in ("Arctura Steel", "Deltamar Shipping", "Tessaro Motors", "Kestrel Mining")
        for wrongdoing in (
            "polluting the river",
            "hiding toxic spills",
            "bribing officials",
            "ignoring fatal accidents",
            "greenwashing its emissions",
        )
        for site in ("plant", "port", "mine", "warehouse", "quarry")
        for year in (2022, 2023)
    ]
    relpath = "social/complaints/complaints.csv"
    target = annotated_copy / "landing" / relpath
    target.parent.mkdir(parents=True)
    with target.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["complaint"], *[[t] for t in negative]])
    convert_and_embed(paths_of(annotated_copy), [relpath])

    result = materialise(annotated_copy)
    check = drift_check(result)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert "esg_sentiment: negative" in check.description
    moved = {(m["model"], m["label"]) for m in check.metadata["moved"].value}
    assert ("esg_sentiment", "negative") in moved
    before_after = next(m for m in check.metadata["moved"].value if m["label"] == "negative")
    assert before_after["after"] > before_after["before"] + 0.05


def test_a_bad_topics_file_leaves_out_the_topics_and_nothing_else(annotated_copy):
    before = rows_by_key(annotated_copy)
    user = annotated_copy / "config" / "topics.yaml"
    user.parent.mkdir()
    user.write_text("threshold: high\ntopics:\n  water: rivers\n", encoding="utf-8")

    result = materialise(annotated_copy)
    assert result.success
    metadata = materialisation(result)
    assert str(user) in metadata["topics_error"].value
    assert "threshold" in metadata["topics_error"].value
    assert metadata["annotated"].value == 0
    after = rows_by_key(annotated_copy)
    assert after == {k: v for k, v in before.items() if k[1] != TOPICS_MODEL}


def test_annotate_texts_and_the_command_line_agree_with_the_table(annotated, monkeypatch, capsys):
    from nexus_platform.annotation.predict import annotate_texts
    from nexus_platform.cli import annotate

    home, _ = annotated
    records = records_of(home)[::137][:8]
    stored = annotations_by_record(paths_of(home), [r["id"] for r in records])
    fresh = annotate_texts(paths_of(home), [r["text"] for r in records])
    for record, found in zip(records, fresh, strict=True):
        expected = stored[record["id"]]
        assert found.keys() == expected.keys() == {*ANNOTATING_TASKS, "topics", "entities"}
        for key, value in expected.items():
            if key in ("esg_sentiment", "emotion"):
                assert found[key]["label"] == value["label"]
                assert found[key]["score"] == pytest.approx(value["score"], abs=1e-4)
                assert found[key]["dvc_hash"] == value["dvc_hash"]
            elif key == "topics":
                assert [t["label"] for t in found[key]] == [t["label"] for t in value]
            else:
                assert found[key] == value

    monkeypatch.setenv("NEXUS_HOME", str(home))
    parser = argparse.ArgumentParser()
    annotate.register(parser.add_subparsers())
    args = parser.parse_args(["annotate", "--json", records[0]["text"]])
    capsys.readouterr()
    assert args.func(args) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["esg_sentiment"]["label"] == fresh[0]["esg_sentiment"]["label"]


def test_the_graph_export_gains_entities_and_topics(annotated):
    from nexus_platform.assets.annotations import knowledge_graph_annotations

    home, _ = annotated
    result = dg.materialize([knowledge_graph_annotations], resources=resources(home))
    assert result.success
    graph = home / "knowledgebase" / "graph"

    def read(name):
        with (graph / name).open(newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    entities, topics = read("nodes_entities.csv"), read("nodes_topics.csv")
    mentions, has_topic = read("rels_mentions.csv"), read("rels_has_topic.csv")
    rows = read_annotations(paths_of(home)).to_pylist()
    spans = [s for r in rows for s in (r["entities"] or [])]
    assert sum(int(m["count:int"]) for m in mentions) == len(spans)
    assert {e["id:ID"] for e in entities} == {m[":END_ID"] for m in mentions}
    assert {e[":LABEL"] for e in entities} == {"Entity"}
    labelled = [t for r in rows if r["kind"] == "topics" for t in r["labels"]]
    assert len(has_topic) == len(labelled)
    assert {t["name"] for t in topics} == {t["label"] for t in labelled}
    assert all(m[":START_ID"].startswith("record:") for m in mentions + has_topic)
    metadata = result.asset_materializations_for_node("knowledge_graph_annotations")[0].metadata
    assert "rels_mentions.csv" in metadata["import_command"].value


def test_impact_screening_counts_agree_with_the_annotations(annotated, tmp_path):
    from nexus_platform.resources.dbt import dbt_executable

    # The mart's dbt tests and its place in the asset graph are covered with the other dbt
    # models (tests/dbt); here one `dbt build` of the mart over real annotations.
    home, _ = annotated
    built = subprocess.run(
        [
            dbt_executable(),
            "build",
            "--select",
            "impact_screening",
            "--vars",
            json.dumps({"nexus_home": str(home)}),
            "--profiles-dir",
            ".",
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=REPO / "dbt",
        env={**os.environ, "DO_NOT_TRACK": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout[-3000:]
    assert "PASS=4" in built.stdout  # the model and its three not_null tests

    annotations = home / "annotations" / "annotations.parquet"
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        mart = con.sql(
            "select organisation, topic, sentiment, sum(statements)::int from impact_screening "
            "group by all"
        ).fetchall()
        examples = con.sql("select year, example_record_ids from impact_screening").fetchall()
        direct = con.sql(
            f"""
            with a as (select * from read_parquet('{annotations}'))
            select org.text, coalesce(t.label, '(none)'), s.label, count(distinct a.record_id)
            from a, unnest(a.entities) as e(org)
            left join (select record_id, unnest(labels).label as label from a
                       where model = 'topics') as t on t.record_id = a.record_id
            left join (select record_id, label from a where model = 'esg_sentiment') as s
                on s.record_id = a.record_id
            where a.model = 'esg_entities' and org.type = 'ORG'
            group by all
            """
        ).fetchall()
    key = lambda rows: {tuple(r[:3]): r[3] for r in rows}  # noqa: E731
    assert mart and key(mart) == key(direct)

    # Years: the record's metadata year or date, else the one year in its file name.
    records = {r["id"]: r for r in records_of(home)}
    for year, ids in examples:
        for record_id in ids:
            record = records[record_id]
            metadata = json.loads(record["metadata"] or "{}")
            name = Path(record["source"]["path"]).name
            expected = int(str(metadata["year"])) if metadata.get("year") else None
            if expected is None and metadata.get("date"):
                expected = int(metadata["date"][:4])
            if expected is None and name.count("20") == 1:
                expected = int(name[name.index("20") : name.index("20") + 4])
            assert year == expected, (record_id, name, metadata)
