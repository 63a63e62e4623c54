"""`nexus lm related TERM` and `nexus lm score "text"`: the knowledge-base language model."""

from __future__ import annotations

import json
import sys

from nexus_platform.settings import NexusPaths


def register(subparsers) -> None:
    lm = subparsers.add_parser("lm", help="the language model of the knowledge base")
    commands = lm.add_subparsers(dest="lm_command", metavar="LM_COMMAND")
    related = commands.add_parser("related", help="terms most associated with TERM (PPMI)")
    related.add_argument("term")
    related.add_argument("--top", type=int, default=10)
    score = commands.add_parser("score", help="perplexity of a text under the n-gram model")
    score.add_argument("text")
    for command, handler in ((related, run_related), (score, run_score)):
        command.add_argument("--task", help="the language_model task (default: the only one)")
        command.add_argument("--json", action="store_true")
        command.set_defaults(func=handler)
    lm.set_defaults(func=lambda _args: (lm.print_help(), 2)[1])


def _model(task: str | None):
    """The latest trained model of the task (the one `<task>/model` materialised)."""
    from nexus_platform.ml.artifacts import TaskLayout, local_copy
    from nexus_platform.ml.language_model import LanguageModel
    from nexus_platform.ml.spec import discover_specs, task_folders

    paths = NexusPaths.from_env()
    specs = [
        s for s in discover_specs(task_folders(paths.tasks)).specs if s.kind == "language_model"
    ]
    if task:
        specs = [s for s in specs if s.name == task]
    elif len(specs) > 1:  # the one that has been trained, if only one has
        specs = [s for s in specs if TaskLayout.for_task(paths, s.name).model.exists()] or specs
    if len(specs) != 1:
        names = [s.name for s in specs]
        raise ValueError(f"name one language_model task with --task (found {names or 'none'})")
    with local_copy(TaskLayout.for_task(paths, specs[0].name).model) as folder:
        return LanguageModel.load(folder)


def run_related(args) -> int:
    terms = _model(args.task).related(args.term, top=args.top)
    if args.json:
        print(json.dumps([{"term": t, "ppmi": s} for t, s in terms]))
        return 0
    if not terms:
        print(
            f"{args.term!r} is not in the vocabulary (or co-occurs with nothing)", file=sys.stderr
        )
        return 1
    for term, score in terms:
        print(f"{term:<24} {score:.3f}")
    return 0


def run_score(args) -> int:
    perplexity = _model(args.task).score(args.text)
    print(json.dumps({"perplexity": perplexity}) if args.json else f"perplexity {perplexity:.2f}")
    return 0
