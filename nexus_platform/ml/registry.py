"""The model registry: promoted models versioned with DVC and pushed to a remote.

The DVC workspace is a local folder (NEXUS_HOME itself locally, a scratch folder in production)
initialised with `dvc init --no-scm`; the remote is a local folder by default and `gs://` through
dvc-gs in production. A promotion copies the model folder (with its evaluation and robustness
reports) to `models/<task>/promoted`, `dvc add`s and pushes it, and records the DVC md5 in a
small index (`models/_registry/<task>/versions.json` plus a copy of each version's `.dvc` file,
named `.dvcfile` so DVC does not read them as stages), so any version can be restored later
with `pull`. Without git, those copies are what lets DVC check out an old version.

DVC runs as a subprocess (`python -m dvc`): its import is heavy, it configures logging
globally, and a separate process keeps a failed command from leaving state behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml
from upath import UPath

from nexus_platform.storage import read_json, write_json, write_text

REMOTE_NAME = "nexus"
INDEX_FOLDER = "_registry"  # task names start with a letter, so this never clashes


class RegistryError(RuntimeError):
    pass


@dataclass
class ModelVersion:
    task: str
    kind: str
    version: int
    dvc_md5: str
    size: int
    nfiles: int
    metrics: dict = field(default_factory=dict)
    robustness_drop: dict = field(default_factory=dict)
    created_at: str = ""
    info: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.task}@v{self.version}"


def parse_reference(reference: str) -> tuple[str, int | None]:
    """`task`, `task@3` or `task@v3` -> (task, version or None for the latest)."""
    task, _, version = reference.partition("@")
    if not version or version == "latest":
        return task, None
    try:
        return task, int(version.lstrip("v"))
    except ValueError as exc:
        raise RegistryError(
            f"bad version in {reference!r}: use NAME or NAME@N (e.g. esg_sentiment@2)"
        ) from exc


class ModelRegistry:
    def __init__(self, workspace: Path | str, remote_url: str, index_root: UPath | None = None):
        self.workspace = Path(workspace)
        self.remote_url = remote_url
        self.index_root = (
            index_root
            if index_root is not None
            else UPath(self.workspace / "models" / INDEX_FOLDER)
        )

    # -- DVC plumbing -------------------------------------------------------------------------
    def dvc(self, *args: str, timeout: float = 900) -> str:
        env = {**os.environ, "DVC_NO_ANALYTICS": "1", "PYTHONUNBUFFERED": "1"}
        try:
            done = subprocess.run(
                [sys.executable, "-m", "dvc", *args],
                cwd=self.workspace,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise RegistryError(f"dvc {' '.join(args)} timed out after {timeout:.0f}s") from exc
        if done.returncode != 0:
            message = (done.stderr or done.stdout).strip()[-2000:]
            raise RegistryError(f"dvc {' '.join(args)} failed in {self.workspace}: {message}")
        return done.stdout

    def ensure_repo(self) -> None:
        self.workspace.mkdir(parents=True, exist_ok=True)
        if not (self.workspace / ".dvc").is_dir():
            self.dvc("init", "--no-scm", "-q")
            self.dvc("config", "core.analytics", "false")
        # Re-applied every time: the remote may have moved (a new bucket, a renamed folder).
        self.dvc("remote", "add", "--default", "--force", REMOTE_NAME, self.remote_url)
        remote = Path(self.remote_url)
        if "://" not in self.remote_url and remote.is_relative_to(self.workspace):
            ignore = self.workspace / ".dvcignore"
            entry = "/" + remote.relative_to(self.workspace).as_posix() + "/"
            if entry not in (ignore.read_text() if ignore.exists() else ""):
                with ignore.open("a", encoding="utf-8") as fh:
                    fh.write(entry + "\n")

    @contextlib.contextmanager
    def _locked(self):
        # Two promotions of the same workspace at once would race on version numbers.
        self.workspace.mkdir(parents=True, exist_ok=True)
        with open(self.workspace / ".nexus-registry.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def tracked_path(self, task: str) -> Path:
        return self.workspace / "models" / task / "promoted"

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.workspace).as_posix()

    # -- index --------------------------------------------------------------------------------
    def _index_file(self, task: str) -> UPath:
        return self.index_root / task / "versions.json"

    def versions(self, task: str) -> list[ModelVersion]:
        return [ModelVersion(**v) for v in read_json(self._index_file(task), default=[])]

    def tasks(self) -> list[str]:
        if not self.index_root.exists():
            return []
        return sorted(p.name for p in self.index_root.iterdir() if (p / "versions.json").exists())

    def all_versions(self) -> list[ModelVersion]:
        return [v for task in self.tasks() for v in self.versions(task)]

    def get(self, task: str, version: int | None = None) -> ModelVersion:
        versions = self.versions(task)
        if not versions:
            raise RegistryError(f"no promoted model for task {task!r} (known: {self.tasks()})")
        if version is None:
            return versions[-1]
        for candidate in versions:
            if candidate.version == version:
                return candidate
        raise RegistryError(
            f"{task!r} has no version {version}; versions: {[v.version for v in versions]}"
        )

    # -- promote / pull -----------------------------------------------------------------------
    def promote(
        self,
        task: str,
        kind: str,
        model_dir: Path,
        metrics: dict,
        robustness_drop: dict,
        reports: dict[str, dict] | None = None,
        info: dict | None = None,
    ) -> ModelVersion:
        """Version `model_dir` (+ reports); an unchanged model keeps its existing version."""
        with self._locked():
            self.ensure_repo()
            target = self.tracked_path(task)
            staged = target.parent / f".{target.name}.staging"
            shutil.rmtree(staged, ignore_errors=True)
            shutil.copytree(model_dir, staged / "model")
            for name, report in (reports or {}).items():
                (staged / f"{name}.json").write_text(
                    json.dumps(report, indent=1, sort_keys=True), "utf-8"
                )
            shutil.rmtree(target, ignore_errors=True)
            os.replace(staged, target)
            relative = self._relative(target)
            self.dvc("add", "-q", relative)
            self.dvc("push", "-q", relative + ".dvc")
            dvc_file = (target.parent / f"{target.name}.dvc").read_text(encoding="utf-8")
            out = yaml.safe_load(dvc_file)["outs"][0]
            versions = self.versions(task)
            if versions and versions[-1].dvc_md5 == out["md5"]:
                return versions[-1]
            entry = ModelVersion(
                task=task,
                kind=kind,
                version=(versions[-1].version + 1) if versions else 1,
                dvc_md5=out["md5"],
                size=int(out.get("size", 0)),
                nfiles=int(out.get("nfiles", 0)),
                metrics=metrics,
                robustness_drop=robustness_drop,
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                info=info or {},
            )
            write_text(self.index_root / task / f"v{entry.version}.dvcfile", dvc_file)
            write_json(self._index_file(task), [asdict(v) for v in (*versions, entry)])
            return entry

    def pull(self, task: str, version: int | None = None) -> tuple[ModelVersion, Path]:
        """Restore a version into the workspace from the remote; returns its folder."""
        entry = self.get(task, version)
        with self._locked():
            self.ensure_repo()
            target = self.tracked_path(task)
            target.parent.mkdir(parents=True, exist_ok=True)
            dvc_file = (self.index_root / task / f"v{entry.version}.dvcfile").read_text(
                encoding="utf-8"
            )
            (target.parent / f"{target.name}.dvc").write_text(dvc_file, encoding="utf-8")
            self.dvc("pull", "-q", "--force", self._relative(target) + ".dvc")
        return entry, target
