"""Converts the landing folder once, as `nexus refresh` does, for tests that run it as
another user. `--retry-now` makes files waiting after a passing error due at once."""

from __future__ import annotations

import sys


def main() -> None:
    from nexus_platform.definitions import build_definitions
    from nexus_platform.ingest import ledger
    from nexus_platform.refresh import RefreshSummary, convert_landing, open_instance

    if "--retry-now" in sys.argv:
        ledger.RETRY_BASE_SECONDS = 0.0
    defs = build_definitions()
    with open_instance(defs.resources["storage"].paths()) as instance:
        summary = RefreshSummary()
        convert_landing(defs, instance, summary, print, {})
    print(f"converted {summary.converted} pending {summary.pending}")
    sys.exit(1 if summary.failed_runs else 0)
