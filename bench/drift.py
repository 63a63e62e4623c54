"""Incoming-data checks at size: wall time and peak RSS of `check_table` (integrity, drift of
20 columns and the label, embedding drift of one text column, HTML + JSON report) for 10k vs
10k rows, and how it grows to 100k.

Where it samples (defaults of config/drift.yaml, printed per run): the statistical drift tests
use at most `sample_rows`=10,000 rows per side, integrity at most 100,000 rows, and embedding
drift embeds `embedding_sample_rows`=1,000 texts per side (the embedder runs ~90 texts/s on
a laptop CPU, so embedding every row of 100k would take ~40 minutes). Reading, typing and
category capping see every row.

Reference on the same data: raw deepchecks FeatureDrift + LabelDrift over all rows with no
sampling and no report (`raw_deepchecks`); the ratio column is nexus / raw. Each method runs
in its own process; figures are medians over --runs rounds.

    .venv/bin/python bench/drift.py            # 10k, 30k, 100k rows per side
    .venv/bin/python bench/drift.py --quick    # 2k and 5k rows, one round
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import PYTHON, median, print_table, report, run_child, run_rounds  # noqa: E402

TOPICS = {
    "climate": [
        "emissions fell at the plant",
        "the company set a net zero target",
        "scope 3 data improved",
    ],
    "social": [
        "workers asked for safer shifts",
        "the union signed a new agreement",
        "training hours rose",
    ],
    "finance": [
        "revenue grew in the quarter",
        "the bond was green certified",
        "capex moved to renewables",
    ],
}


def make_tables(rows: int, seed: int):
    """20 feature columns (12 numeric, 7 low-cardinality, 1 id-like with 5,000 values), a
    3-class label and a text column; the incoming side has known shifts."""
    import numpy as np
    import pandas as pd

    def side(rng, drifted: bool):
        data = {}
        for i in range(12):
            shift = 0.5 if drifted and i == 0 else 0.0
            data[f"num_{i}"] = (
                rng.normal(shift, 1.0, rows) if i % 3 else rng.lognormal(shift, 0.5, rows)
            )
        for i in range(7):
            values = [f"v{j}" for j in range(3 + i)] + (["new"] if drifted and i == 0 else [])
            data[f"cat_{i}"] = rng.choice(values, rows)
        data["customer"] = [f"c{v}" for v in rng.integers(0, 5000, rows)]
        data["label"] = rng.choice(
            ["a", "b", "c"], rows, p=[0.5, 0.3, 0.2] if drifted else [0.4, 0.3, 0.3]
        )
        topics = rng.choice(list(TOPICS), rows, p=[0.2, 0.2, 0.6] if drifted else [0.4, 0.4, 0.2])
        years = rng.integers(2015, 2025, rows)
        data["text"] = [
            f"{rng.choice(TOPICS[t])} in {int(y)}" for t, y in zip(topics, years, strict=True)
        ]
        return pd.DataFrame(data)

    return side(np.random.default_rng(seed), False), side(np.random.default_rng(seed + 1), True)


def child_nexus(rows: int) -> None:
    started = time.perf_counter()
    import deepchecks.nlp  # noqa: F401  - import cost reported apart from the checks
    import deepchecks.tabular  # noqa: F401
    from upath import UPath

    from nexus_platform.drift.config import CheckSettings
    from nexus_platform.drift.report import check_table
    from nexus_platform.embeddings.local import local_embedder

    embedder = local_embedder()
    setup_s = time.perf_counter() - started
    reference, incoming = make_tables(rows, seed=7)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = check_table(
            incoming,
            reference,
            table="bench",
            settings=CheckSettings(),
            label="label",
            text=("text",),
            reports_root=UPath(tmp),
            embedder=embedder,
        )
        seconds = time.perf_counter() - t0
        html_mb = Path(result.report_html).stat().st_size / 1e6
    report(
        seconds=seconds,
        setup_s=setup_s,
        embed_s=result.embedding_drift.get("text", {}).get("embed_seconds", 0.0),
        drifted=result.drifted_columns,
        sampling=result.sampling,
        html_mb=html_mb,
    )


def child_raw(rows: int) -> None:
    import deepchecks.tabular  # noqa: F401
    from deepchecks.tabular import Dataset
    from deepchecks.tabular.checks import FeatureDrift, LabelDrift

    reference, incoming = make_tables(rows, seed=7)
    features = [c for c in reference.columns if c not in ("label", "text")]
    categorical = [c for c in features if reference[c].dtype == object]
    t0 = time.perf_counter()
    ref = Dataset(reference[features + ["label"]], label="label", cat_features=categorical)
    inc = Dataset(incoming[features + ["label"]], label="label", cat_features=categorical)
    drift = FeatureDrift(n_samples=rows).run(ref, inc, with_display=False)
    LabelDrift(n_samples=rows).run(ref, inc, with_display=False)
    drifted = sorted(c for c, v in drift.value.items() if v["Drift score"] >= 0.2)
    report(seconds=time.perf_counter() - t0, drifted=drifted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2k and 5k rows per side, one round")
    parser.add_argument(
        "--rows", type=int, nargs="+", help="rows per side (default 10000 30000 100000)"
    )
    parser.add_argument("--runs", type=int, default=1, help="rounds per size (medians)")
    parser.add_argument("--child", choices=["nexus", "raw"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        (child_nexus if args.child == "nexus" else child_raw)(args.rows[0])
        return
    sizes = args.rows or ([2_000, 5_000] if args.quick else [10_000, 30_000, 100_000])
    runs = 1 if args.quick else args.runs
    table = []
    for rows in sizes:
        print(f"\n{rows:,} vs {rows:,} rows, 20 columns + label + text")
        results = run_rounds(
            {
                name: (
                    lambda name=name, rows=rows: run_child(
                        [PYTHON, __file__, "--child", name, "--rows", rows]
                    )
                )
                for name in ("nexus", "raw")
            },
            runs,
        )
        nexus, raw = results["nexus"], results["raw"]
        first = nexus[0].report
        print(f"  sampling: {json.dumps(first['sampling'])}")
        print(
            f"  drifted (nexus): {first['drifted']}; drifted (raw, KS/V >= 0.2): {raw[0].report['drifted']}"
        )
        seconds = median([r.seconds for r in nexus])
        raw_seconds = median([r.seconds for r in raw])
        table.append(
            (
                f"{rows:,}",
                seconds,
                median([r.report["embed_s"] for r in nexus]),
                max(r.peak_rss_mb for r in nexus),
                raw_seconds,
                max(r.peak_rss_mb for r in raw),
                seconds / raw_seconds if raw_seconds else float("nan"),
                first["html_mb"],
            )
        )
    print_table(
        "incoming-data checks (medians; setup = imports + model load, excluded)",
        [
            "rows/side",
            "nexus s",
            "of which embed s",
            "nexus peak MB",
            "raw deepchecks s",
            "raw peak MB",
            "ratio",
            "report MB",
        ],
        table,
    )
    if len(table) > 1:
        growth = table[-1][1] / table[0][1]
        rows_growth = sizes[-1] / sizes[0]
        print(
            f"\n  {rows_growth:.0f}x rows -> {growth:.1f}x time, "
            f"{table[-1][3] / table[0][3]:.1f}x peak RSS (drift tests sampled at 10k rows/side)"
        )


if __name__ == "__main__":
    main()
