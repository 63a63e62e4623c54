"""Training throughput per task kind: time per epoch and examples/s, on CPU or CUDA.

    .venv/bin/python bench/training.py                 # CPU, the shipped sample data
    .venv/bin/python bench/training.py --device cuda   # the same on a GPU machine
    .venv/bin/python bench/training.py --kinds token --epochs 2 --limit 200

The first epoch includes one-off warm-up (kernel selection, allocator); the figures are the
median of the later epochs. The text-classification line also prints the platform embedder
against raw sentence-transformers `encode` on the same texts (the ratio should be ~1).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NLP = REPO / "sample_data" / "landing" / "nlp"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "ml"))


def _rows(path: Path, fallback):
    if path.exists():
        with path.open(encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    return fallback()


def _median_after_warmup(values: list[float]) -> float:
    return statistics.median(values[1:] if len(values) > 1 else values)


def bench_text(args) -> dict:
    from ml_synthetic import sentiment_rows

    from nexus_platform.embeddings.local import local_embedder
    from nexus_platform.ml.text_classification import TextClassifierConfig, train_text_classifier

    rows = _rows(NLP / "sentiment" / "esg_sentiment.csv", lambda: sentiment_rows(100))[: args.limit]
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    classes = sorted(set(labels))
    embedder = local_embedder(args.device)
    embedder.embed(texts[:8])  # load + warm up
    started = time.perf_counter()
    embedder.embed(texts)
    ours = time.perf_counter() - started
    started = time.perf_counter()
    embedder.model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    raw = time.perf_counter() - started
    epochs: list[float] = []
    config = TextClassifierConfig(head="mlp", epochs=args.epochs * 10, device=args.device)
    train_text_classifier(
        texts,
        labels,
        classes,
        False,
        config,
        on_epoch=lambda e, m: epochs.append(m["epoch_seconds"]),
    )
    result = {
        "kind": "text_classification",
        "examples": len(texts),
        "embed_examples_per_s": round(len(texts) / ours, 1),
        "embed_vs_raw_sentence_transformers": round(ours / raw, 3),
        "mlp_epoch_s": round(_median_after_warmup(epochs), 5),
    }
    if args.fine_tune:
        tune: list[dict] = []
        config = TextClassifierConfig(
            fine_tune=True, fine_tune_epochs=args.epochs, device=args.device
        )
        import tempfile

        with tempfile.TemporaryDirectory() as work:
            train_text_classifier(
                texts,
                labels,
                classes,
                False,
                config,
                on_epoch=lambda e, m: tune.append(m) if "fine_tune_loss" in m else None,
                work_dir=Path(work),
            )
        seconds = _median_after_warmup([m["fine_tune_epoch_seconds"] for m in tune])
        result.update(
            fine_tune_epoch_s=round(seconds, 3),
            fine_tune_examples_per_s=round(len(texts) / seconds, 1),
        )
    return result


def bench_token(args) -> dict:
    from ml_synthetic import entity_rows

    from nexus_platform.ml.token_classification import TokenClassifierConfig, train_token_classifier

    rows = _rows(NLP / "entities" / "esg_entities.csv", lambda: entity_rows(200))[: args.limit]
    tokens, tags = [r["tokens"].split() for r in rows], [r["tags"].split() for r in rows]
    types = sorted({t[2:] for seq in tags for t in seq if t != "O"})
    epochs: list[float] = []
    config = TokenClassifierConfig(epochs=args.epochs, device=args.device)
    train_token_classifier(
        tokens, tags, types, config, on_epoch=lambda e, m: epochs.append(m["epoch_seconds"])
    )
    seconds = _median_after_warmup(epochs)
    return {
        "kind": "token_classification",
        "examples": len(rows),
        "epoch_s": round(seconds, 3),
        "first_epoch_s": round(epochs[0], 3),
        "examples_per_s": round(len(rows) / seconds, 1),
    }


def bench_lm(args) -> dict:
    from ml_synthetic import kb_texts

    from nexus_platform.ml.language_model import LanguageModelConfig, train_language_model

    texts = [r["text"] for r in _rows(NLP / "sentiment" / "esg_sentiment.csv", lambda: [])]
    texts += [r["text"] for r in _rows(NLP / "emotion" / "stakeholder_emotion.csv", lambda: [])]
    texts = texts or kb_texts(1000)
    times = []
    for _ in range(max(2, args.epochs)):
        started = time.perf_counter()
        model = train_language_model(texts, LanguageModelConfig())
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    model.perplexity(texts[:200])
    score = time.perf_counter() - started
    return {
        "kind": "language_model",
        "examples": len(texts),
        "epoch_s": round(_median_after_warmup(times), 3),
        "examples_per_s": round(len(texts) / _median_after_warmup(times), 1),
        "score_texts_per_s": round(200 / score, 1),
        "vocab_size": len(model.vocab),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--kinds", default="text,token,lm", help="comma-separated: text, token, lm")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=300, help="examples per kind")
    parser.add_argument("--fine-tune", action="store_true", help="also time backbone fine-tuning")
    args = parser.parse_args(argv)
    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        parser.error("--device cuda but torch sees no GPU")
    device_name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "cpu"
    print(f"device: {device_name}; torch threads: {torch.get_num_threads()}")
    runners = {"text": bench_text, "token": bench_token, "lm": bench_lm}
    for kind in args.kinds.split(","):
        result = {"device": args.device, **runners[kind.strip()](args)}
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
