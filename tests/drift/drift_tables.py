"""Small synthetic tables with known shifts, and landing them the way `parquet_tables` does."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from nexus_platform.ingest.ledger import Ledger, LedgerEntry, TableRef
from nexus_platform.settings import NexusPaths

SPORT = [
    "The home team won the match after a late goal",
    "Our striker scored twice in the second half",
    "Fans cheered as the keeper saved a penalty",
    "The coach praised the defence after the derby",
    "A young midfielder made his league debut today",
]
FINANCE = [
    "Quarterly revenue rose faster than analysts expected",
    "The central bank raised interest rates again",
    "Shares fell sharply on the stock exchange",
    "Investors bought government bonds for safety",
    "The company cut its profit forecast for next year",
]


def make_frame(
    seed: int,
    rows: int = 200,
    shift: float = 0.0,
    categories=("red", "green", "blue"),
    positive_share: float = 0.3,
    texts=None,
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "amount": rng.normal(100.0 + shift, 10.0, rows),
            "score": rng.normal(0.0, 1.0, rows),
            "colour": rng.choice(list(categories), rows),
            "label": np.where(rng.random(rows) < positive_share, "pos", "neg"),
        }
    )
    if texts is not None:
        frame["text"] = [f"{rng.choice(texts)} ({i})" for i in range(rows)]
    return frame


def land(paths: NexusPaths, relpath: str, frame: pd.DataFrame, table: str | None = None) -> str:
    """Write `frame` as the converted Parquet of landing file `relpath` plus its ledger entry,
    as the foundation's `parquet_tables` asset does."""
    name = table or relpath.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame).values.tobytes()).hexdigest()
    target = paths.warehouse / relpath / f"{name}.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pandas(frame, preserve_index=False), target.path, compression="zstd"
    )
    Ledger(paths).put(
        LedgerEntry(
            path=relpath,
            sha256=digest,
            status="converted",
            file_type=relpath.rsplit(".", 1)[-1],
            size=len(frame),
            tables=[TableRef(name, str(target), len(frame), frame.shape[1])],
        )
    )
    return str(target)
