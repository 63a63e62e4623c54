"""Annotation throughput and the cost of incremental re-runs, on the sample knowledge base
with the sample tasks promoted (built once into bench/out/annotate/, reused afterwards).

    .venv/bin/python bench/annotate.py                  # CPU
    .venv/bin/python bench/annotate.py --device cuda    # the same on a GPU machine
    .venv/bin/python bench/annotate.py --runs 5 --scale 4

Measured in one process with the models loaded (as a worker or the service keeps them):

- full run: `update_annotations` from an empty table (read records and vectors, predict every
  promoted model and the topics, write the Parquet table) against each model's own
  `predict` on the same texts (text classifiers embed the texts, the entity model takes
  whitespace-split words, topics: sentence-transformers `encode` + the cosine to the
  descriptions). Target: end to end >= 0.9x the raw predicts' texts/s. The text classifiers
  and topics read the stored record vectors instead of embedding again, which is where the
  end-to-end run gains; the entity line compares the same work on both sides.
- re-run after 1% of the records changed (their vectors refreshed first, as kb_embeddings
  would): target < 5% of a full run. Unchanged re-run: target < 1%.
Model loading is reported apart (a fresh run process pays it once, whatever the work).
Figures are medians of --runs rounds.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "annotation"))
from _common import OUT_DIR, PYTHON, print_table, print_targets, report, run_child  # noqa: E402

HOME = OUT_DIR / "annotate" / "nexus"


def prepare(scale: int) -> Path:
    """The sample data converted, embedded and its tasks promoted; cached by scale."""
    from annotation_fixtures import (
        ANNOTATING_TASKS,
        SAMPLE_LANDING,
        convert_and_embed,
        paths_of,
        train_and_promote,
    )

    home = HOME.with_name(f"nexus-x{scale}")
    if (home / "models" / "_registry").is_dir():
        return home
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(SAMPLE_LANDING, home / "landing")
    for copy in range(1, scale):  # more records: the landing tree again under other folders
        shutil.copytree(SAMPLE_LANDING, home / "landing" / f"copy{copy}")
    paths = paths_of(home)
    print(f"preparing {home} (convert, embed, train {', '.join(ANNOTATING_TASKS)}) ...")
    convert_and_embed(paths)
    for task in ANNOTATING_TASKS:
        train_and_promote(paths, task)
    return home


def change_records(paths, share: float, round_number: int) -> int:
    """Rewrite the text of `share` of the records (and refresh their vectors)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from nexus_platform.embeddings.local import local_embedder
    from nexus_platform.embeddings.records import knowledgebase_file
    from nexus_platform.embeddings.store import embeddings_file, update_embeddings

    target = Path(knowledgebase_file(paths).path)
    table = pq.read_table(target)
    texts, shas = table.column("text").to_pylist(), table.column("content_sha256").to_pylist()
    step = max(1, round(1 / share))
    changed = list(range(round_number % step, len(texts), step))
    for i in changed:
        texts[i] = f"{texts[i]} (revision {round_number})"
        shas[i] = hashlib.sha256(texts[i].encode()).hexdigest()
    table = table.set_column(table.schema.get_field_index("text"), "text", pa.array(texts))
    table = table.set_column(
        table.schema.get_field_index("content_sha256"), "content_sha256", pa.array(shas)
    )
    pq.write_table(table, target)
    update_embeddings(knowledgebase_file(paths), local_embedder(), embeddings_file(paths))
    return len(changed)


def raw_predicts(annotator, texts: list[str]) -> dict[str, float]:
    """Seconds of each model's own predict on `texts`."""
    import numpy as np

    from nexus_platform.annotation.models import load_model

    seconds = {}
    for ref in annotator.refs:
        started = time.perf_counter()
        if ref.kind == "topics":
            scorer = annotator._topic_scorer()
            vectors = annotator.embedding_model().model.encode(
                texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False
            )
            np.asarray(vectors) @ scorer._vectors.T
        elif ref.kind == "entities":
            load_model(annotator.registry, ref).predict([t.split() for t in texts])
        else:
            load_model(annotator.registry, ref).predict(texts)
        seconds[ref.name] = time.perf_counter() - started
    return seconds


def load_models(home: Path, device: str | None) -> None:
    """In a fresh process: import and load every annotating model, as a run process does."""
    started = time.perf_counter()
    from annotation_fixtures import paths_of

    from nexus_platform.annotation import models
    from nexus_platform.annotation.predict import annotator_for

    annotator = annotator_for(paths_of(home))
    for ref in annotator.refs:
        if ref.kind != "topics":
            models.load_model(annotator.registry, ref, device)
    annotator.embed(["warm up"])
    report(seconds=time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=int, default=1, help="copies of the sample data")
    parser.add_argument("--device", default=None, help="cpu | cuda (default: cuda when present)")
    parser.add_argument("--load-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_only:
        return load_models(args.load_only, args.device)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    from annotation_fixtures import paths_of

    from nexus_platform.annotation import models
    from nexus_platform.annotation.distribution import distribution_path
    from nexus_platform.annotation.predict import annotator_for
    from nexus_platform.annotation.table import annotations_path
    from nexus_platform.annotation.update import update_annotations
    from nexus_platform.embeddings.records import knowledgebase_file, read_records

    home = prepare(args.scale)
    argv = [
        PYTHON,
        __file__,
        "--load-only",
        home,
        *(["--device", args.device] if args.device else []),
    ]
    load_seconds = run_child(argv).check().seconds
    paths = paths_of(home)
    annotator = annotator_for(paths)
    annotator.device = args.device
    for ref in annotator.refs:
        if ref.kind != "topics":
            models.load_model(annotator.registry, ref, args.device)
    annotator.embed(["warm up"])
    texts = read_records(knowledgebase_file(paths), ["text"]).column("text").to_pylist()
    n = len(texts)
    print(
        f"{n} records, models: {', '.join(f'{r.name} {r.model_version}' for r in annotator.refs)}"
    )

    full, raw, entity_e2e, partial, unchanged, changed = [], [], [], [], [], 0
    for round_number in range(1, args.runs + 1):
        for stale in (annotations_path(paths), distribution_path(paths)):
            Path(stale.path).unlink(missing_ok=True)
        started = time.perf_counter()
        update = update_annotations(paths, annotator)
        full.append(time.perf_counter() - started)
        entity_e2e.append(update.predict_seconds.get("esg_entities", 0.0))
        raw.append(raw_predicts(annotator, texts))
        changed = change_records(paths, 0.01, round_number)
        started = time.perf_counter()
        update_annotations(paths, annotator)
        partial.append(time.perf_counter() - started)
        started = time.perf_counter()
        again = update_annotations(paths, annotator)
        unchanged.append(time.perf_counter() - started)
        assert not again.written
        print(
            f"  round {round_number}/{args.runs}: full {full[-1]:.2f} s, raw predicts "
            f"{sum(raw[-1].values()):.2f} s, 1% changed {partial[-1]:.3f} s, "
            f"unchanged {unchanged[-1]:.4f} s"
        )

    med = statistics.median
    full_s, raw_s = med(full), med([sum(r.values()) for r in raw])
    raw_entities = med([r["esg_entities"] for r in raw])
    print_table(
        f"annotation, {n} records, {args.device or 'default device'} (medians of {args.runs})",
        ["what", "seconds", "texts/s"],
        [
            ["end to end, all models (full run)", full_s, n / full_s],
            ["raw predict, all models", raw_s, n / raw_s],
            *[
                [f"  raw {name}", med([r[name] for r in raw]), n / med([r[name] for r in raw])]
                for name in raw[0]
            ],  # fmt: skip
            ["entities inside the full run", med(entity_e2e), n / med(entity_e2e)],
            [f"re-run, 1% changed ({changed} records)", med(partial), changed / med(partial)],
            ["re-run, unchanged", med(unchanged), 0.0],
            ["importing + loading the models (fresh process)", load_seconds, 0.0],
        ],
    )
    throughput = raw_s / full_s
    entity_ratio = raw_entities / med(entity_e2e)
    print_targets(
        [
            ("throughput, end to end / raw", f"{throughput:.2f}x", ">= 0.9x", throughput >= 0.9),
            (
                "  entities only, end to end / raw",
                f"{entity_ratio:.2f}x",
                ">= 0.9x",
                entity_ratio >= 0.9,
            ),  # fmt: skip
            (
                "1% changed / full run",
                f"{med(partial) / full_s:.2%}",
                "< 5%",
                med(partial) / full_s < 0.05,
            ),  # fmt: skip
            (
                "unchanged / full run",
                f"{med(unchanged) / full_s:.2%}",
                "< 1%",
                med(unchanged) / full_s < 0.01,
            ),  # fmt: skip
            (
                "1% changed incl. model load / full incl. load",
                f"{(med(partial) + load_seconds) / (full_s + load_seconds):.2%}",
                "(reported)",
                True,
            ),
        ]
    )


if __name__ == "__main__":
    main()
