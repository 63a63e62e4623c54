"""Spec validation and the dataset stage: errors name the spec file and field, before training;
the stratified split is reproducible."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from ml_synthetic import entity_rows, sentiment_rows, to_csv

from nexus_platform.ml.artifacts import TaskLayout
from nexus_platform.ml.dataset import build_dataset
from nexus_platform.ml.pipeline import prepare_dataset
from nexus_platform.ml.spec import REPO_TASKS_DIR, SpecError, discover_specs, load_spec

SENTIMENT = {
    "name": "sent",
    "kind": "text_classification",
    "source": "landing/nlp/sent.csv",
    "text_columns": ["text"],
    "label_column": "label",
    "metadata_columns": ["company", "year"],
    "split": {"test_size": 0.25, "stratify": True, "seed": 7},
}


def _error(write_spec, spec, paths) -> SpecError:
    file = write_spec(spec)
    with pytest.raises(SpecError) as info:
        prepare_dataset(load_spec(file), paths)
    assert info.value.spec_file == file
    assert file in str(info.value)
    return info.value


def test_shipped_specs_parse():
    found = discover_specs([REPO_TASKS_DIR])
    assert found.errors == ()
    specs = {s.name: s for s in found.specs}
    assert {"esg_sentiment", "emotion", "esg_entities", "knowledge_lm"} <= set(specs)
    assert specs["esg_entities"].kind == "token_classification"
    assert specs["knowledge_lm"].quality_threshold() == ("perplexity", 200.0, False)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "regression"}, "kind"),
        ({"name": "Bad Name"}, "name"),
        ({"label_column": None}, "label_column"),
        ({"split": {"test_size": 1.5}}, "split.test_size"),
        ({"thresholds": {"min_macro_f1": "high"}}, "thresholds.min_macro_f1"),
        ({"robustness": {"perturbations": ["earthquake"]}}, "robustness.perturbations"),
        # Values that used to escape as ValueError / TypeError and take the code location down.
        ({"split": {"test_size": "abc"}}, "split.test_size"),
        ({"split": {"seed": "x"}}, "split.seed"),
        ({"robustness": {"perturbations": 5}}, "robustness.perturbations"),
        # Unknown keys that used to be accepted silently.
        ({"labl_column": "label"}, "labl_column"),
        ({"split": {"test_size": 0.2, "sed": 1}}, "split.sed"),
        ({"thresholds": {"min_entity_f1": 0.5}}, "thresholds.min_entity_f1"),
    ],
)
def test_structural_errors_name_file_and_field(write_spec, change, field):
    file = write_spec({**SENTIMENT, **change})
    with pytest.raises(SpecError) as info:
        load_spec(file)
    assert info.value.field == field
    assert f"field '{field}'" in str(info.value) and file in str(info.value)


def test_a_misspelt_key_gets_a_hint(write_spec):
    with pytest.raises(SpecError, match="did you mean 'label_column'"):
        load_spec(write_spec({**SENTIMENT, "labl_column": "label"}))


def test_a_spec_that_is_not_utf8_names_the_file_and_the_byte(nexus_home):
    file = nexus_home / "tasks" / "latin.yaml"
    file.parent.mkdir()
    file.write_bytes("name: latin\ndescription: Bilanz für 2023\n".encode("latin-1"))
    with pytest.raises(SpecError) as info:
        load_spec(file)
    assert info.value.spec_file == str(file)
    assert "not UTF-8" in str(info.value) and "0xfc at line 2" in str(info.value)


def test_discovery_leaves_out_only_the_bad_specs(write_spec, nexus_home):
    good = write_spec(SENTIMENT)
    bad = {
        write_spec({**SENTIMENT, "name": "bad_size", "split": {"test_size": "abc"}}): "split",
        write_spec({**SENTIMENT, "name": "bad_key", "labl_column": "x"}): "labl_column",
        write_spec(
            {**SENTIMENT, "name": "bad_perturbations", "robustness": {"perturbations": 5}}
        ): "robustness",
    }
    twin = nexus_home / "tasks" / "sent_copy.yaml"  # a second spec named `sent`
    twin.write_text(open(good, encoding="utf-8").read(), encoding="utf-8")
    found = discover_specs([REPO_TASKS_DIR, nexus_home / "tasks"])
    names = {s.name for s in found.specs}
    assert names == {"sent", "esg_sentiment", "emotion", "esg_entities", "knowledge_lm"}
    assert next(s for s in found.specs if s.name == "sent").spec_file == good
    errors = {e.file: e for e in found.errors}
    assert set(errors) == {*bad, str(twin)}
    for file, field in bad.items():
        assert errors[file].field.startswith(field) and file in str(errors[file])
    assert errors[str(twin)].field == "name" and good in errors[str(twin)].message
    assert good in found.files and str(twin) in found.files


def test_missing_table_column_single_class_and_unknown_model_setting(land, write_spec, paths):
    assert _error(write_spec, SENTIMENT, paths).field == "source"  # nothing landed yet
    land("nlp/sent.csv", to_csv(sentiment_rows(8)))
    assert (
        _error(write_spec, {**SENTIMENT, "label_column": "sentiment"}, paths).field
        == "label_column"
    )
    assert (
        _error(write_spec, {**SENTIMENT, "text_columns": ["body"]}, paths).field == "text_columns"
    )
    assert (
        _error(write_spec, {**SENTIMENT, "metadata_columns": ["ceo"]}, paths).field
        == "metadata_columns"
    )
    assert _error(write_spec, {**SENTIMENT, "model": {"layers": 3}}, paths).field == "model"
    one_class = [r for r in sentiment_rows(8) if r["label"] == "positive"]
    land("nlp/one.csv", to_csv(one_class))
    error = _error(write_spec, {**SENTIMENT, "source": "landing/nlp/one.csv"}, paths)
    assert error.field == "label_column" and "single class" in error.message


def test_split_that_leaves_a_class_out_of_the_test_set_fails(land, write_spec, paths):
    rows = sentiment_rows(10) + [
        {"text": "Rare statement", "label": "mixed", "company": "X", "year": 2021}
    ]
    land("nlp/rare.csv", to_csv(rows))
    error = _error(write_spec, {**SENTIMENT, "source": "landing/nlp/rare.csv"}, paths)
    assert error.field == "split"
    rows = sentiment_rows(10) + [
        {"text": f"Mixed news {i}", "label": "mixed", "company": "X", "year": 2021}
        for i in range(2)
    ]
    land("nlp/rare2.csv", to_csv(rows))
    spec = {
        **SENTIMENT,
        "source": "landing/nlp/rare2.csv",
        "split": {"stratify": False, "seed": 1, "test_size": 0.1},
    }
    error = _error(write_spec, spec, paths)
    assert error.field == "split" and "mixed" in error.message


def test_token_tag_length_mismatch(land, write_spec, paths):
    rows = entity_rows(20)
    rows[5] = {"tokens": "Siemens uses steel .", "tags": "B-ORG O B-MATERIAL"}
    land("nlp/ents.csv", to_csv(rows))
    spec = {
        "name": "ents",
        "kind": "token_classification",
        "source": "landing/nlp/*.csv",
        "tokens_column": "tokens",
        "tags_column": "tags",
    }
    error = _error(write_spec, spec, paths)
    assert (
        error.field == "tags_column"
        and "row 5" in error.message
        and "4 tokens but 3 tags" in error.message
    )


def test_split_is_reproducible_stratified_and_written_as_parquet(land, write_spec, paths):
    land("nlp/sent.csv", to_csv(sentiment_rows(20)))
    spec = load_spec(write_spec(SENTIMENT))
    first = prepare_dataset(spec, paths)
    layout = TaskLayout.for_task(paths, "sent")
    train = pq.read_table(str(layout.train_parquet))
    test = pq.read_table(str(layout.test_parquet))
    assert train.column_names == ["text", "label", "company", "year"]
    assert (train.num_rows, test.num_rows) == (45, 15)
    # Stratified: every class keeps its share in the test set.
    assert sorted(test.column("label").to_pylist()).count("negative") == 5
    again = build_dataset(spec, paths)
    assert again.test.column("text").to_pylist() == test.column("text").to_pylist()
    other_seed = build_dataset(
        load_spec(write_spec({**SENTIMENT, "split": {"seed": 8, "test_size": 0.25}})), paths
    )
    assert other_seed.test.column("text").to_pylist() != test.column("text").to_pylist()
    assert first["classes"] == ["negative", "neutral", "positive"]
