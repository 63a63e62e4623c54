"""Test data for the embeddings tests: a small knowledge base written to the record contract,
written queries with their expected answers, and an OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from nexus_platform.settings import NexusPaths

SOURCE_TYPE = pa.struct(
    [
        ("path", pa.string()),
        ("folders", pa.list_(pa.string())),
        ("file_type", pa.string()),
        ("table", pa.string()),
        ("row", pa.int64()),
        ("page", pa.int64()),
        ("chunk", pa.int64()),
    ]
)

# (landing path, table, row/page, text). Topics far apart so a paraphrased query has one answer.
SAMPLE_ROWS = [
    (
        "climate/emissions/report_2023.pdf",
        "pages",
        1,
        "Our scope 1 and scope 2 greenhouse gas emissions fell by 12 percent after the boiler "
        "replacement programme.",
    ),
    (
        "climate/emissions/report_2023.pdf",
        "pages",
        2,
        "Scope 3 emissions from purchased goods dominate the carbon footprint of the group.",
    ),
    (
        "climate/adaptation/flood_plan.md",
        "sections",
        0,
        "Coastal sites face rising sea levels; flood barriers and relocation of the server room "
        "are planned.",
    ),
    (
        "climate/adaptation/heat.md",
        "sections",
        1,
        "Heatwaves reduce worker productivity on construction sites; shifts start earlier in summer.",
    ),
    (
        "materials/insulation/oekobaudat.csv",
        "data",
        0,
        "Mineral wool insulation board, global warming potential 1.2 kg CO2 equivalent per kg.",
    ),
    (
        "materials/insulation/oekobaudat.csv",
        "data",
        1,
        "Expanded polystyrene (EPS) insulation panels for external thermal insulation composite "
        "systems.",
    ),
    (
        "materials/concrete/cement.csv",
        "data",
        0,
        "Portland cement clinker production releases carbon dioxide from limestone calcination.",
    ),
    (
        "materials/timber/glulam.pdf",
        "pages",
        1,
        "Glued laminated timber beams store biogenic carbon and replace steel in roof structures.",
    ),
    (
        "governance/board/diversity.docx",
        "sections",
        0,
        "Women hold four of eleven board seats; the nomination committee targets parity by 2027.",
    ),
    (
        "governance/ethics/anticorruption.docx",
        "sections",
        0,
        "Employees complete annual anti-bribery training and may report concerns through an "
        "anonymous whistleblower hotline.",
    ),
    (
        "social/labour/suppliers.xlsx",
        "audits",
        0,
        "Supplier audits found excessive overtime at two textile factories in the tier-2 supply chain.",
    ),
    (
        "social/community/volunteering.txt",
        "sections",
        0,
        "Staff volunteered 3,000 hours teaching coding to secondary school pupils.",
    ),
    (
        "water/usage/sites.csv",
        "data",
        0,
        "Water withdrawal at the brewery in a water-stressed region was cut by recycling rinse water.",
    ),
    (
        "biodiversity/land/quarry.pdf",
        "pages",
        3,
        "Quarry restoration created wetland habitat for amphibians and nesting birds.",
    ),
    # The same sentence in two different files: a near-duplicate across files.
    (
        "governance/ethics/code_of_conduct.pdf",
        "pages",
        1,
        "Employees complete annual anti-bribery training and may report concerns through an "
        "anonymous whistleblower hotline.",
    ),
]

# Written queries and the record each must return first.
QUERIES = [
    ("how much CO2 does stone wool insulation cause", "materials/insulation/oekobaudat.csv#data#0"),
    ("women on the board of directors", "governance/board/diversity.docx#sections#0"),
    ("protecting coastal facilities against floods", "climate/adaptation/flood_plan.md#sections#0"),
    ("reducing water consumption in beer production", "water/usage/sites.csv#data#0"),
    ("wooden beams instead of steel", "materials/timber/glulam.pdf#pages#1"),
]


def record_id(path: str, table: str, position: int) -> str:
    return f"{path}#{table}#{position}"


def make_records(rows=SAMPLE_ROWS) -> list[dict]:
    records = []
    for path, table, position, text in rows:
        file_type = path.rsplit(".", 1)[1]
        is_document = table in ("pages", "sections")
        records.append(
            {
                "id": record_id(path, table, position),
                "text": text,
                "source": {
                    "path": path,
                    "folders": path.split("/")[:-1],
                    "file_type": file_type,
                    "table": table,
                    "row": None if is_document else position,
                    "page": position if table == "pages" else None,
                    "chunk": 0 if is_document else None,
                },
                "content_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "metadata": {"language": "en"},
            }
        )
    return records


def write_knowledge_base(paths: NexusPaths, records: list[dict]) -> None:
    folder = Path(paths.knowledgebase.path)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "knowledgebase.jsonl", "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    table = pa.table(
        {
            "id": pa.array([r["id"] for r in records], pa.string()),
            "text": pa.array([r["text"] for r in records], pa.string()),
            "source": pa.array([r["source"] for r in records], SOURCE_TYPE),
            "content_sha256": pa.array([r["content_sha256"] for r in records], pa.string()),
            "metadata": pa.array([json.dumps(r["metadata"]) for r in records], pa.string()),
        }
    )
    pq.write_table(table, folder / "knowledgebase.parquet", compression="zstd")


def edit_text(record: dict, text: str) -> dict:
    return {**record, "text": text, "content_sha256": hashlib.sha256(text.encode()).hexdigest()}


class FakeOpenAIEmbeddings:
    """An OpenAI-compatible `/v1/embeddings` endpoint on 127.0.0.1.

    Vectors are a deterministic function of each input's text. `script` holds answers
    (status, headers, body) to give, in order, before answering normally; a wrong key gets a
    401 whose message echoes the key, as real servers partly do.
    """

    DIM = 8

    def __init__(self, api_key: str):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.api_key = api_key
        self.script: list[tuple[int, dict, dict]] = []
        self.requests: list[list[str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _send(self, status, body, headers=None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                if self.path.rstrip("/") != "/v1/embeddings":
                    return self._send(404, {"error": {"message": f"no route {self.path}"}})
                inputs = payload["input"]
                inputs = [inputs] if isinstance(inputs, str) else inputs
                fake.requests.append(inputs)
                given = self.headers.get("Authorization", "")
                if given != f"Bearer {fake.api_key}":
                    return self._send(
                        401,
                        {
                            "error": {
                                "message": f"Incorrect API key provided: {given[7:]}.",
                                "type": "invalid_request_error",
                                "code": "invalid_api_key",
                            }
                        },
                    )
                if fake.script:
                    status, headers, body = fake.script.pop(0)
                    return self._send(status, body, headers)
                data = [
                    {"object": "embedding", "index": i, "embedding": fake.vector(text)}
                    for i, text in enumerate(inputs)
                ]
                self._send(
                    200,
                    {
                        "object": "list",
                        "data": data,
                        "model": payload["model"],
                        "usage": {"prompt_tokens": 1, "total_tokens": 1},
                    },
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @classmethod
    def vector(cls, text: str) -> list[float]:
        digest = hashlib.sha256(text.encode()).digest()
        return [b / 255.0 - 0.5 for b in digest[: cls.DIM]]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


OPENAI_TEST_KEY = "sk-test-4f9d1c0e8b7a6d5c4b3a2f1e0d9c8b7a"
