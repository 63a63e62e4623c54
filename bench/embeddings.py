"""Embedding benchmark: the platform's path against raw sentence-transformers, same texts, same run.

    .venv/bin/python bench/embeddings.py            # 5,000 texts, 3 repeats
    .venv/bin/python bench/embeddings.py --n 500    # quicker

Reports (medians over --repeats): model load time; texts/s of the platform path end to end
(read knowledge-base Parquet, embed, write kb_embeddings Parquet) and of raw
`SentenceTransformer.encode` on the same texts, and their ratio (target >= 0.9); a re-run with
nothing changed against the first run (target < 5%); recall@10 of the Qdrant index against
exact brute-force cosine on --queries queries (target 1.0 in local mode). Not a test: shared
machines are noisy, so read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WORDS = (
    "carbon emissions scope supplier audit insulation concrete timber steel water biodiversity "
    "board diversity governance bribery training flood heat adaptation energy renewable solar "
    "wind grid storage recycling waste circular packaging labour wages safety community school "
    "volunteer quarry wetland habitat cement clinker limestone mineral wool polystyrene glulam "
    "report target reduction baseline percent tonnes year group site region factory product "
    "the of and to in for with on by from a is are was were will has have"
).split()


def make_texts(n: int, seed: int = 13) -> list[str]:
    """Mixed lengths, 10 to 300 words, unique."""
    rng = random.Random(seed)
    return [
        f"{i}. " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 300)))
        for i in range(n)
    ]


def write_knowledge_base(home: Path, texts: list[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = home / "knowledgebase"
    folder.mkdir(parents=True, exist_ok=True)
    sources = [
        {
            "path": f"bench/file_{i // 50}.txt",
            "folders": ["bench"],
            "file_type": "txt",
            "table": "sections",
            "row": None,
            "page": None,
            "chunk": i % 50,
        }
        for i in range(len(texts))
    ]
    table = pa.table(
        {
            "id": [f"bench-{i}" for i in range(len(texts))],
            "text": texts,
            "source": sources,
            "content_sha256": [hashlib.sha256(t.encode()).hexdigest() for t in texts],
            "metadata": ["{}"] * len(texts),
        }
    )
    pq.write_table(table, folder / "knowledgebase.parquet", compression="zstd")


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="number of texts (default 5000)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="default: the platform's (32 on CPU, 128 on CUDA)",
    )
    parser.add_argument("--device", default=None, help="cpu | cuda (default: cuda when present)")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    parser.add_argument(
        "--model-dir",
        default=None,
        help="a sentence-transformers directory (default: the bundled all-MiniLM-L6-v2)",
    )
    parser.add_argument("--json", dest="json_out", default=None, help="also write results here")
    args = parser.parse_args(argv)

    # Cold model load in this process: imports dominate, which is why it happens once.
    load_s, embedder = timed(lambda: _platform_embedder(args))
    import numpy as np
    from upath import UPath

    from nexus_platform.embeddings.index import IndexLocation, open_index, record_payloads
    from nexus_platform.embeddings.store import read_embeddings, update_embeddings, vectors_of

    texts = make_texts(args.n)
    model = embedder.model
    embedder.embed(texts[:64])  # warm-up: first calls allocate and pick kernels

    def raw_encode():
        with embedder._autocast(embedder.precision):
            return model.encode(
                texts,
                batch_size=embedder.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )

    workdir = Path(tempfile.mkdtemp(prefix="nexus-bench-"))
    try:
        home = workdir / "nexus"
        write_knowledge_base(home, texts)
        kb = UPath(str(home / "knowledgebase" / "knowledgebase.parquet"))
        target = UPath(str(home / "embeddings" / "kb_embeddings.parquet"))
        raw_s, platform_s, rerun_s = [], [], []
        for _ in range(args.repeats):
            seconds, raw_vectors = timed(raw_encode)
            raw_s.append(seconds)
            target.unlink(missing_ok=True)
            seconds, first = timed(lambda: update_embeddings(kb, embedder, target))
            platform_s.append(seconds)
            assert first.embedded == args.n, first
            seconds, again = timed(lambda: update_embeddings(kb, embedder, target))
            rerun_s.append(seconds)
            assert again.embedded == 0 and not again.written, again

        table = read_embeddings(target)
        vectors = vectors_of(table)
        agreement = float((vectors * raw_vectors).sum(axis=1).min())

        ids = table.column("id").to_pylist()
        payloads = record_payloads(
            ids,
            table.column("content_sha256").to_pylist(),
            texts,
            [{"path": "bench.txt", "folders": ["bench"]}] * len(ids),
            embedder.model_id,
        )
        location = IndexLocation(path=str(home / "qdrant"))
        queries = make_texts(args.queries, seed=99)
        query_vectors = embedder.embed([q[:200] for q in queries])
        exact = np.argsort(-(query_vectors @ vectors.T), axis=1)[:, :10]
        with open_index(location, embedder.model_id, embedder.dim) as index:
            sync_s, _ = timed(lambda: index.sync(ids, vectors, payloads))
            hits = []
            query_s, _ = timed(lambda: hits.extend(index.query(v, k=10) for v in query_vectors))
        recall = statistics.mean(
            len({ids[j] for j in exact[q]} & {h.record_id for h in hits[q]}) / 10
            for q in range(len(queries))
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    raw_rate = args.n / statistics.median(raw_s)
    platform_rate = args.n / statistics.median(platform_s)
    results = {
        "n": args.n,
        "repeats": args.repeats,
        "device": str(embedder.device),
        "precision": embedder.precision,
        "bf16_agreement": embedder.bf16_agreement,
        "batch_size": embedder.batch_size,
        "model": embedder.model_id,
        "model_load_s": round(load_s, 2),
        "raw_texts_per_s": round(raw_rate, 1),
        "platform_texts_per_s": round(platform_rate, 1),
        "platform_vs_raw": round(platform_rate / raw_rate, 3),
        "first_run_s": round(statistics.median(platform_s), 3),
        "no_change_rerun_s": round(statistics.median(rerun_s), 4),
        "rerun_vs_first": round(statistics.median(rerun_s) / statistics.median(platform_s), 4),
        "min_cosine_platform_vs_raw": round(agreement, 6),
        "index_sync_s": round(sync_s, 2),
        "query_ms": round(1000 * query_s / len(queries), 2),
        "recall_at_10": round(recall, 4),
        "queries": len(queries),
    }
    width = max(map(len, results))
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")
    print(f"\nplatform / raw encode: {results['platform_vs_raw']:.3f}x (target >= 0.9)")
    print(f"no-change re-run / first run: {100 * results['rerun_vs_first']:.2f}% (target < 5%)")
    print(f"Qdrant recall@10 vs brute-force cosine: {results['recall_at_10']:.4f} (target 1.0)")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=1))
    return results


def _platform_embedder(args):
    from nexus_platform.embeddings.local import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(
        model_path=args.model_dir,
        device=args.device,
        batch_size=args.batch_size,
        precision=args.precision,
    )


if __name__ == "__main__":
    main()
