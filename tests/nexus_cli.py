"""`nexus` as a user runs it: a separate process with the given environment."""

from __future__ import annotations

import subprocess
import sys


def nexus(*args: str, env: dict, timeout: float = 1200) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nexus_platform.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
