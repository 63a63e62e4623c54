"""Search benchmark: the search service (`nexus serve`) on a generated 100,000-record knowledge base.

    .venv/bin/python bench/search.py                  # 100,000 records, 3,000 distinct texts
    .venv/bin/python bench/search.py --records 20000  # quicker

How the knowledge base is made: embedding 100,000 texts on a 2-core CPU takes most of an hour,
so --distinct sentences (ESG statements from templates: topic x company x site x figure) are
embedded with the bundled model, and each of the --records records is one of them plus a
unique reference code ("Ref. EPD-DE-2019-004711") and a site. Its vector is the vector of its
sentence plus Gaussian noise (sigma --noise per dimension, renormalised), so the index really
holds --records distinct vectors and --records distinct texts. The lexical index is built from
those texts by the platform's own `update_lexical_index`.

Reports: time from `nexus serve` to its first answer; warm latency p50 / p95 per mode through
HTTP (targets: p95 < 50 ms dense and lexical, < 100 ms hybrid), against the raw libraries on
the same data in the same run (numpy matrix product, bm25s scoring); queries/s with 4
concurrent clients; recall@10 per mode on labelled queries (exact reference codes: the one
record that carries it; paraphrases of a template: any record made from it); the lexical
build and an incremental rebuild after 1% of the records changed. Medians where repeated; a
shared machine is noisy, so read the ratios.
"""

from __future__ import annotations

import os

# As `nexus serve` does (see nexus_platform/cli/serve.py), so that the in-process reference
# runs under the same OpenMP setting as the service.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import hashlib
import json
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import OUT_DIR  # noqa: E402

TARGET_P95_MS = {"dense": 50.0, "lexical": 50.0, "hybrid": 100.0}

# (topic folder, templates, a paraphrase of the first template used as a labelled query)
TOPICS = [
    (
        "climate/emissions",
        [
            "{c} cut its scope 1 emissions at {s} by {n} percent after replacing the gas boilers.",
            "Scope 3 emissions from purchased clinker dominate the footprint of {c} in {y}.",
        ],
        "which company lowered direct emissions by swapping its boilers",
    ),
    (
        "climate/energy",
        [
            "{c} now buys {n} percent of the electricity for {s} from a wind farm under a PPA.",
            "The kiln at {s} was converted to run on biomass and waste heat in {y}.",
        ],
        "long-term contracts for green power from wind",
    ),
    (
        "materials/concrete",
        [
            "Ready-mix concrete from {s} reached {n} kg CO2e per cubic metre in {y}.",
            "{c} lowered the clinker factor of its cement to 0.{n} with calcined clay.",
        ],
        "embodied carbon of concrete per cubic metre",
    ),
    (
        "materials/insulation",
        [
            "Stone wool insulation boards from {s} carry an EPD with GWP of {n} kg CO2e.",
            "{c} switched its facade insulation from EPS to wood fibre in {y}.",
        ],
        "environmental product declaration for mineral wool panels",
    ),
    (
        "social/labour",
        [
            "A supplier audit found excessive overtime at the {s} plant of {c}.",
            "Workers at {s} received a living wage increase of {n} percent in {y}.",
        ],
        "too many extra working hours found when suppliers were inspected",
    ),
    (
        "social/community",
        [
            "Residents near {s} complained about dust and night-time truck noise from {c}.",
            "{c} funded {n} apprenticeships for young people around {s} in {y}.",
        ],
        "neighbours unhappy about dust and lorries at night",
    ),
    (
        "governance/ethics",
        [
            "{c} trained {n} employees on anti-bribery rules and its whistleblower hotline.",
            "The board of {c} adopted a new conflict-of-interest policy in {y}.",
        ],
        "staff courses on corruption and reporting misconduct",
    ),
    (
        "governance/regulation",
        [
            "{c} reports under ESRS E1 from {y}, with limited assurance on the climate figures.",
            "The EU Taxonomy alignment of capital expenditure at {c} rose to {n} percent.",
        ],
        "which climate disclosure standard the firm follows and when",
    ),
    (
        "water/usage",
        [
            "Water withdrawal at {s} fell by {n} percent thanks to closed-loop cooling.",
            "{c} recycles rinse water at its brewery in a water-stressed region since {y}.",
        ],
        "using less water by recirculating the cooling water",
    ),
    (
        "biodiversity/land",
        [
            "Quarry restoration at {s} created {n} hectares of wetland for amphibians.",
            "{c} committed to no net loss of biodiversity at new sites from {y}.",
        ],
        "turning a former quarry into a habitat for frogs",
    ),
]
COMPANIES = [
    "Rheintal Baustoffe",
    "Arctura Steel",
    "Tessaro Motors",
    "Halvorsen Paper",
    "Fjordlys Power",
    "Isarwerk Energie",
    "Moravia Glass",
    "Oakridge Timber",
    "Quercus Packaging",
    "Solvik Batteries",
    "Calder & Finch Retail",
    "Juniper Textiles",
    "Deltamar Shipping",
    "Kestrel Mining",
]
SITES = [
    "Mannheim",
    "Wetzlar",
    "Linz",
    "Tarragona",
    "Porto",
    "Gdansk",
    "Lyon",
    "Malmo",
    "Ghent",
    "Bilbao",
    "Brno",
    "Turku",
    "Aarhus",
    "Graz",
    "Leipzig",
    "Verona",
]
COUNTRIES = ["DE", "AT", "FR", "ES", "PL", "SE", "NL", "IT", "CZ", "DK"]


def _code(i: int, rng: random.Random) -> str:
    return f"EPD-{rng.choice(COUNTRIES)}-{2015 + i % 10}-{i:06d}"


def generate(folder: Path, records: int, distinct: int, noise: float, seed: int = 7) -> dict:
    """Knowledge base, vectors and labelled queries under `folder` (kept for the next run)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from nexus_platform.embeddings.local import local_embedder
    from nexus_platform.embeddings.store import write_embeddings
    from nexus_platform.knowledge.records import SOURCE_TYPE

    rng = random.Random(seed)
    sentences: list[tuple[str, int, int]] = []  # (text, topic, template)
    seen: set[str] = set()
    while len(sentences) < distinct:
        topic = rng.randrange(len(TOPICS))
        template = rng.randrange(len(TOPICS[topic][1]))
        text = TOPICS[topic][1][template].format(
            c=rng.choice(COMPANIES),
            s=rng.choice(SITES),
            n=rng.randint(2, 95),
            y=rng.randint(2015, 2025),
        )
        if text not in seen:
            seen.add(text)
            sentences.append((text, topic, template))
    embedder = local_embedder()
    started = time.perf_counter()
    base = embedder.embed([s for s, _, _ in sentences])
    embed_seconds = time.perf_counter() - started

    nrng = np.random.default_rng(seed)
    ids, texts, sources, shas, templates = [], [], [], [], []
    picks = nrng.integers(0, len(sentences), size=records)
    vectors = base[picks] + nrng.normal(0.0, noise, size=(records, base.shape[1])).astype("f4")
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for i, pick in enumerate(picks):
        sentence, topic, template = sentences[pick]
        text = f"{sentence} Ref. {_code(i, rng)}, site {rng.choice(SITES)}."
        folder_path = TOPICS[topic][0]
        is_pdf = i % 3 == 0
        path = f"{folder_path}/file_{i // 500:04d}.{'pdf' if is_pdf else 'csv'}"
        ids.append(f"r{i:07d}")
        texts.append(text)
        shas.append(hashlib.sha256(text.encode()).hexdigest())
        templates.append(f"{topic}/{template}")
        sources.append(
            {
                "path": path,
                "folders": folder_path.split("/"),
                "file_type": path.rsplit(".", 1)[1],
                "table": "pages" if is_pdf else "data",
                "row": None if is_pdf else i % 500,
                "page": (i % 500) + 1 if is_pdf else None,
                "chunk": 0 if is_pdf else None,
            }
        )
    kb = folder / "home" / "knowledgebase"
    kb.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {
            "id": ids,
            "text": texts,
            "content_sha256": shas,
            "source": pa.array(
                sources,
                SOURCE_TYPE,
            ),
            "metadata": ["{}"] * records,
        }
    )
    pq.write_table(table, kb / "knowledgebase.parquet", row_group_size=131_072)
    from upath import UPath

    emb = folder / "home" / "embeddings"
    write_embeddings(
        UPath(str(emb / "kb_embeddings.parquet")),
        pa.array(ids),
        pa.array(shas),
        embedder.model_id,
        vectors,
    )
    (emb / "kb_embeddings.json").write_text(
        json.dumps(
            {
                "model": embedder.model_id,
                "dim": int(base.shape[1]),
                "count": records,
                "embedder": {"provider": "local"},
            }
        )
    )

    # Labelled queries: exact codes (one record each) and paraphrases (any record of a template).
    qrng = random.Random(seed + 1)
    exact = []
    for i in qrng.sample(range(records), 100):
        code = texts[i].split("Ref. ")[1].split(",")[0]
        exact.append({"query": code, "relevant": [ids[i]]})
    by_template: dict[str, list[str]] = {}
    for record_id, template in zip(ids, templates, strict=True):
        by_template.setdefault(template, []).append(record_id)
    paraphrase = [
        {"query": question, "relevant": by_template.get(f"{topic}/0", [])}
        for topic, (_, _, question) in enumerate(TOPICS)
    ]
    labelled = {
        "exact": exact,
        "paraphrase": paraphrase,
        "embed_seconds": embed_seconds,
        "distinct": len(sentences),
    }
    (folder / "queries.json").write_text(json.dumps(labelled))
    return labelled


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--distinct", type=int, default=3_000)
    parser.add_argument("--noise", type=float, default=0.02)
    parser.add_argument("--queries", type=int, default=200, help="warm queries per mode")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--fresh", action="store_true", help="regenerate the data")
    args = parser.parse_args()

    import numpy as np
    import requests
    from upath import UPath

    from nexus_platform.search.lexical import LexicalIndex, update_lexical_index
    from nexus_platform.search.tokenize import tokenize

    folder = OUT_DIR / "search" / f"r{args.records}-d{args.distinct}-n{args.noise}"
    if args.fresh:
        shutil.rmtree(folder, ignore_errors=True)
    if not (folder / "queries.json").exists():
        print(f"generating {args.records:,} records from {args.distinct:,} embedded texts ...")
        labelled = generate(folder, args.records, args.distinct, args.noise)
        print(f"  embedded {labelled['distinct']:,} texts in {labelled['embed_seconds']:.1f} s")
    labelled = json.loads((folder / "queries.json").read_text())
    home = folder / "home"
    kb = UPath(str(home / "knowledgebase" / "knowledgebase.parquet"))
    search_dir = UPath(str(home / "search"))

    shutil.rmtree(home / "search", ignore_errors=True)
    full = update_lexical_index(kb, search_dir)
    print(
        f"lexical index: {full.total:,} records, {full.vocabulary:,} terms; tokenise "
        f"{full.tokenize_seconds:.1f} s + BM25 build {full.build_seconds:.1f} s"
    )

    # The warm service, started the way a user starts it.
    port = _free_port()
    env = {**os.environ, "NEXUS_HOME": str(home)}
    env.pop("NEXUS_API_KEY", None)
    nexus = str(Path(sys.executable).parent / "nexus")
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    service = subprocess.Popen(
        [nexus, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    session = requests.Session()
    try:
        while True:
            if service.poll() is not None:
                raise RuntimeError(f"nexus serve exited: {service.stderr.read().decode()[-2000:]}")
            try:
                answer = session.get(url + "/api/search", params={"q": "cement"}, timeout=60)
                if answer.status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        first_answer = time.perf_counter() - started
        print(f"nexus serve -> first answer: {first_answer:.1f} s")

        rng = random.Random(11)
        pool = [q["query"] for q in labelled["exact"]] + [
            q["query"] for q in labelled["paraphrase"]
        ]
        pool += [
            f"{rng.choice(COMPANIES)} {rng.choice(['emissions', 'audit', 'water', 'EPD'])}"
            for _ in range(50)
        ]
        queries = [rng.choice(pool) for _ in range(args.queries)]
        wheres = [[], ["folder=climate"], ["file_type=pdf"]]

        print(f"\nwarm latency through HTTP, {args.queries} queries per mode (1 in 3 filtered):")
        print(
            f"{'mode':<8} {'p50 ms':>8} {'p95 ms':>8} {'target p95':>11} {'p95/target':>11}"
            f" {'server p50':>11}"
        )
        latency: dict[str, float] = {}
        for mode in ("dense", "lexical", "hybrid"):
            for q in queries[:5]:  # warm-up
                session.get(url + "/api/search", params={"q": q, "mode": mode})
            times, server = [], []
            for i, q in enumerate(queries):
                params = [("q", q), ("mode", mode), ("k", "10")]
                params += [("where", w) for w in wheres[i % 3]]
                t0 = time.perf_counter()
                body = session.get(url + "/api/search", params=params).json()
                times.append((time.perf_counter() - t0) * 1000)
                server.append(body["took_ms"])
            p50, p95 = statistics.median(times), _percentile(times, 0.95)
            latency[mode] = p95
            print(
                f"{mode:<8} {p50:8.1f} {p95:8.1f} {TARGET_P95_MS[mode]:11.0f} "
                f"{p95 / TARGET_P95_MS[mode]:11.2f} {statistics.median(server):11.1f}"
            )

        print(f"\nthroughput, {args.clients} concurrent clients:")
        for mode in ("dense", "lexical", "hybrid"):
            done = []

            def client(seed: int, mode: str = mode, done: list = done) -> None:
                own = requests.Session()
                local = random.Random(seed)
                for _ in range(max(10, args.queries // args.clients)):
                    own.get(url + "/api/search", params={"q": local.choice(pool), "mode": mode})
                    done.append(1)

            t0 = time.perf_counter()
            threads = [threading.Thread(target=client, args=(s,)) for s in range(args.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            print(f"  {mode:<8} {len(done) / (time.perf_counter() - t0):7.1f} queries/s")

        print(
            "\nrecall@10 through the service (exact: the record with that code; "
            "paraphrase: any record of the template):"
        )
        print(f"{'mode':<8} {'exact':>7} {'paraphrase':>11}")
        for mode in ("dense", "lexical", "hybrid"):
            row = []
            for kind in ("exact", "paraphrase"):
                hits = 0
                for item in labelled[kind]:
                    body = session.get(
                        url + "/api/search", params={"q": item["query"], "mode": mode, "k": 10}
                    ).json()
                    relevant = set(item["relevant"])
                    hits += any(r["id"] in relevant for r in body["results"])
                row.append(hits / len(labelled[kind]))
            print(f"{mode:<8} {row[0]:7.2f} {row[1]:11.2f}")
    finally:
        os.killpg(service.pid, signal.SIGINT)
        service.wait(30)

    # The same work on the raw libraries, in this process: what HTTP and the engine add.
    from nexus_platform.embeddings.local import local_embedder
    from nexus_platform.embeddings.store import read_embeddings, vectors_of

    matrix = vectors_of(
        read_embeddings(UPath(str(home / "embeddings" / "kb_embeddings.parquet")), ["vector"])
    )
    embedder = local_embedder()
    lexical = LexicalIndex.load(search_dir)
    dense_ms, lexical_ms = [], []
    for q in queries[:5]:  # warm-up, as for the service
        embedder.embed([q])
    for q in queries:
        t0 = time.perf_counter()
        vector = embedder.embed([q])[0]
        scores = matrix @ vector
        np.argpartition(-scores, 10)[:10]
        dense_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        lexical.retriever.get_scores(tokenize(q) or [""])
        lexical_ms.append((time.perf_counter() - t0) * 1000)
    print("\nraw libraries in process (embed + numpy top-k; bm25s scoring), same queries:")
    for mode, raw in (("dense", dense_ms), ("lexical", lexical_ms)):
        p95 = _percentile(raw, 0.95)
        print(
            f"  {mode:<8} p50 {statistics.median(raw):6.1f} ms  p95 {p95:6.1f} ms  "
            f"service p95 / raw p95 = {latency[mode] / p95:5.2f}"
        )

    # Incremental lexical rebuild: 1% of the records change.
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(kb.path)
    changed = set(random.Random(5).sample(range(len(table)), len(table) // 100))
    texts = [
        t + (" Revised." if i in changed else "")
        for i, t in enumerate(table.column("text").to_pylist())
    ]
    shas = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
    edited = table.set_column(table.schema.get_field_index("text"), "text", pa.array(texts))
    edited = edited.set_column(
        edited.schema.get_field_index("content_sha256"), "content_sha256", pa.array(shas)
    )
    edited_path = folder / "edited" / "knowledgebase.parquet"
    edited_path.parent.mkdir(exist_ok=True)
    pq.write_table(edited, edited_path)
    scratch = folder / "scratch_search"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(home / "search", scratch)
    t0 = time.perf_counter()
    again = update_lexical_index(UPath(str(edited_path)), UPath(str(scratch)))
    rebuild = time.perf_counter() - t0
    assert pc.sum(pc.equal(edited.column("text"), table.column("text"))).as_py() < len(table)
    print(
        f"\nlexical rebuild after 1% changed: {again.tokenized:,} re-tokenised, {rebuild:.1f} s "
        f"({rebuild / (full.tokenize_seconds + full.build_seconds):.2f} of a full build)"
    )
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
