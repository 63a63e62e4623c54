"""`nexus models list [--json]` and `nexus models pull NAME[@VERSION]`: the DVC model registry."""

from __future__ import annotations

import json
import sys

from nexus_platform.settings import NexusPaths, environment


def register(subparsers) -> None:
    models = subparsers.add_parser("models", help="promoted ML models, versioned with DVC")
    commands = models.add_subparsers(dest="models_command", metavar="MODELS_COMMAND")
    listing = commands.add_parser("list", help="every task's model versions with their metrics")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.add_argument("--task", help="only this task")
    listing.set_defaults(func=run_list)
    pull = commands.add_parser("pull", help="restore a model version from the DVC remote")
    pull.add_argument(
        "reference", metavar="NAME[@VERSION]", help="task name, optionally @N (default latest)"
    )
    pull.set_defaults(func=run_pull)
    models.set_defaults(func=lambda _args: (models.print_help(), 2)[1])


def _registry():
    from nexus_platform.resources.dvc import registry_for

    return registry_for(environment(), NexusPaths.from_env()).registry()


def version_record(version) -> dict:
    """The `--json` line: stable keys for scripts and CI."""
    return {
        "task": version.task,
        "kind": version.kind,
        "version": version.version,
        "dvc_hash": version.dvc_md5,
        "metrics": version.metrics,
        "robustness_drop": version.robustness_drop,
        "created_at": version.created_at,
        "size": version.size,
        "nfiles": version.nfiles,
    }


def run_list(args) -> int:
    registry = _registry()
    versions = registry.versions(args.task) if args.task else registry.all_versions()
    if args.json:
        for version in versions:
            print(json.dumps(version_record(version), sort_keys=True))
        return 0
    if not versions:
        print("no promoted models yet (materialise a task's promoted_model asset)")
        return 0
    print(f"{'model':<28} {'kind':<22} {'dvc hash':<14} {'metrics':<40} worst drop")
    for v in versions:
        metrics = " ".join(f"{k}={val:.3f}" for k, val in v.metrics.items())
        worst = max(v.robustness_drop.items(), key=lambda kv: kv[1], default=("-", 0.0))
        print(
            f"{v.name:<28} {v.kind:<22} {v.dvc_md5[:12]:<14} {metrics:<40} {worst[1]:+.3f} ({worst[0]})"
        )
    return 0


def run_pull(args) -> int:
    from nexus_platform.ml.registry import RegistryError, parse_reference

    try:
        task, number = parse_reference(args.reference)
        version, folder = _registry().pull(task, number)
    except RegistryError as exc:
        print(f"nexus models pull: {exc}", file=sys.stderr)
        return 1
    print(f"{version.name} ({version.dvc_md5}) -> {folder}")
    return 0
