"""`nexus annotate "some text" [--json]`: what every promoted model and the ESG topic set say
about a text, in the shape the annotations table and the search results show."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "annotate",
        help="annotate texts with the promoted models and the ESG topics",
        description="Sentiment, emotion, entities and zero-shot ESG topics of a text, from "
        "every promoted model (a quick way to try them).",
    )
    parser.add_argument("texts", nargs="+", metavar="TEXT", help="one or more texts")
    parser.add_argument("--json", action="store_true", help="one JSON object per text")
    parser.set_defaults(func=handle_annotate)


def _plain(text: str, found: dict) -> list[str]:
    lines = [text]
    for name, value in sorted(found.items()):
        if name in ("topics", "entities") or "label" not in value:
            continue
        lines.append(
            f"  {name:<16} {value['label'] or '-':<14} {value['score'] or 0:.3f}  "
            f"({value['model_version']}, dvc {value['dvc_hash'][:12]})"
        )
    if "entities" in found:
        spans = [f"{e['text']} ({e['type']}, {e['start']}-{e['end']})" for e in found["entities"]]
        lines.append(f"  {'entities':<16} {'; '.join(spans) or '-'}")
    if "topics" in found:
        topics = [f"{t['label']} {t['score']:.2f}" for t in found["topics"]]
        lines.append(f"  {'topics':<16} {', '.join(topics) or '-'}")
    return lines


def handle_annotate(args: argparse.Namespace) -> int:
    from nexus_platform.annotation.predict import annotate_texts
    from nexus_platform.ml.registry import RegistryError
    from nexus_platform.settings import NexusPaths

    if not all(t.strip() for t in args.texts):
        print("nexus annotate: a text is empty", file=sys.stderr)
        return 2
    try:
        results = annotate_texts(NexusPaths.from_env(), args.texts)
    except (RegistryError, OSError, RuntimeError) as exc:
        print(f"nexus annotate: {exc}", file=sys.stderr)
        return 2
    if args.json:
        for found in results:
            print(json.dumps(found, ensure_ascii=False))
        return 0
    if not any(v for k, v in results[0].items() if k != "topics"):
        print("no promoted models yet (materialise a task's promoted_model): topics only")
    for text, found in zip(args.texts, results, strict=True):
        print("\n".join(_plain(text, found)))
    return 0
