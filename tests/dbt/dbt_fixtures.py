"""Knowledge-base files the dbt tests build on."""

import hashlib
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[2]
# The soda4LCA test service lives with the source tests.
sys.path.insert(0, str(REPO / "tests" / "sources"))

KB_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.string()),
        ("content_sha256", pa.string()),
        (
            "source",
            pa.struct(
                [
                    ("path", pa.string()),
                    ("folders", pa.list_(pa.string())),
                    ("file_type", pa.string()),
                    ("table", pa.string()),
                    ("row", pa.int64()),
                    ("page", pa.int64()),
                    ("chunk", pa.int64()),
                ]
            ),
        ),
        ("metadata", pa.string()),
    ]
)

# (landing path, number of records) of a small knowledge base over three topic folders.
KB_FILES = [
    ("esg/emissions/scope3.csv", 4),
    ("esg/emissions/notes.md", 2),
    ("esg/social/survey.xlsx", 3),
    ("materials/concrete.pdf", 5),
    ("readme.txt", 1),
]


def knowledgebase_rows(duplicate_id: bool = False) -> list[dict]:
    rows = []
    for path, n in KB_FILES:
        for i in range(n):
            text = f"record {i} of {path}"
            rows.append(
                {
                    "id": f"{path}#{i}",
                    "text": text,
                    "content_sha256": hashlib.sha256(text.encode()).hexdigest(),
                    "source": {
                        "path": path,
                        "folders": path.split("/")[:-1],
                        "file_type": path.rsplit(".", 1)[1],
                        "table": "data",
                        "row": i,
                        "page": None,
                        "chunk": None,
                    },
                    "metadata": "{}",
                }
            )
    if duplicate_id:
        rows[1]["id"] = rows[0]["id"]
    return rows


def write_knowledgebase(home: Path, duplicate_id: bool = False) -> list[dict]:
    rows = knowledgebase_rows(duplicate_id)
    (home / "knowledgebase").mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist(rows, schema=KB_SCHEMA),
        home / "knowledgebase" / "knowledgebase.parquet",
    )
    return rows
