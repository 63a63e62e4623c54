"""The `nexus` command line. Each domain registers its own sub-commands."""

from __future__ import annotations

import argparse
import importlib
import sys

# Domain modules that add sub-commands; each exposes `register(subparsers)`.
COMMAND_MODULES = [
    "nexus_platform.cli.core",
    "nexus_platform.cli.download",
    "nexus_platform.cli.kb",
    "nexus_platform.cli.search",
    "nexus_platform.cli.serve",
    "nexus_platform.cli.check",
    "nexus_platform.cli.models",
    "nexus_platform.cli.annotate",
    "nexus_platform.cli.lm",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nexus",
        description="Nexus Platform: landing files to Parquet, knowledge base, embeddings, "
        "drift checks and text models. Data lives under NEXUS_HOME (default ./.nexus).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError) as exc:
        print(f"nexus: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
