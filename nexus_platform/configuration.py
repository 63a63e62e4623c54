"""Every user configuration file of the platform and whether it validates: what the
`platform_configuration` asset, `nexus refresh` and `nexus status` show.

A file that does not validate leaves out only what it defines (a task spec its task, the drift
rules their checks, the connections their assets); this is where a user sees why.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nexus_platform.annotation import topics
from nexus_platform.config_files import ConfigFileError
from nexus_platform.drift import config as drift_config
from nexus_platform.knowledge import config as knowledge_config
from nexus_platform.ml.spec import discover_specs, spec_files, task_folders
from nexus_platform.settings import NexusPaths
from nexus_platform.sources import connections

# The YAML files besides the task specs: what each configures, where it is for a NEXUS_HOME
# (a repository file or a user's copy), and the loader that validates it (raising a
# ConfigFileError). A new format adds one line here.
CONFIG_FILES: list[tuple[str, Callable[[NexusPaths], Path], Callable[[Path], object]]] = [
    ("drift rules", lambda _: drift_config.DEFAULT_CONFIG, drift_config.load_config),
    (
        "knowledge-base rules",
        lambda _: knowledge_config.DEFAULT_CONFIG_PATH,
        knowledge_config.load_config,
    ),
    (
        "source connections",
        lambda _: connections.DEFAULT_CONNECTIONS_FILE,
        connections.load_connections,
    ),
    ("ESG topics", topics.topics_file, topics.load_topics),
]


@dataclass(frozen=True)
class FileState:
    path: str
    configures: str  # "task spec", "drift rules", ...
    error: ConfigFileError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def check_configuration(paths: NexusPaths) -> list[FileState]:
    """Validate every user YAML (a missing optional file is not listed: defaults apply)."""
    discovery = discover_specs(task_folders(paths.tasks))
    spec_errors = {error.file: error for error in discovery.errors}
    states = [FileState(file, "task spec", spec_errors.get(file)) for file in discovery.files]
    for configures, locate, load in CONFIG_FILES:
        path = locate(paths)
        if not path.exists():
            continue
        try:
            load(path)
            states.append(FileState(str(path), configures))
        except ConfigFileError as exc:
            states.append(FileState(str(path), configures, exc))
    return states


def error_lines(states: list[FileState]) -> list[str]:
    """What the command line prints first: each bad file with its fields and problems."""
    bad = [s for s in states if not s.ok]
    if not bad:
        return []
    lines = [f"configuration: {len(bad)} file(s) do not validate; what they define is left out:"]
    return lines + [f"  {s.configures}: {s.error}" for s in bad]


def fingerprint(paths: NexusPaths) -> str:
    """A hash of every configuration file's name and bytes: it changes whenever a file does."""
    files = [p for folder in task_folders(paths.tasks) for p in spec_files(folder)]
    files += [locate(paths) for _, locate, _ in CONFIG_FILES]
    digest = hashlib.sha256()
    for file in files:
        digest.update(str(file).encode() + b"\0")
        try:
            digest.update(file.read_bytes())
        except OSError as exc:  # absent, or listed as an error by check_configuration
            digest.update(repr(exc).encode())
    return digest.hexdigest()[:16]
