"""Shared pieces of the benchmarks: child processes measured one by one, medians, tables.

Each method under comparison runs in its own fresh Python process, so its peak RSS is its
own (read from the kernel's rusage of that child via os.wait4) and no method inherits
another's warm caches or allocator state. The child reports its own timing of the work as
one JSON line (see `report`); the parent adds the process wall time and peak RSS.

Keep the parent small (generate data in a child too): Linux carries the spawning process's
peak RSS into a child's ru_maxrss (subprocess uses vfork; exec records the old mm's peak), so
a parent that once held 1 GB makes every child look 1 GB. `own_peak_rss_mb` shows that floor.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"  # git-ignored: generated data and outputs are cached here
PYTHON = sys.executable
_MARKER = "BENCH_REPORT "


@dataclass
class ChildResult:
    argv: list[str]
    returncode: int
    wall_s: float  # process start to exit, as the parent saw it
    peak_rss_mb: float  # ru_maxrss of this child alone
    cpu_s: float  # user + system CPU of the child: steadier than wall time on a busy machine
    stdout: str
    stderr: str
    report: dict = field(default_factory=dict)  # what the child passed to `report`

    @property
    def seconds(self) -> float:
        """The child's own timing of the work when it reported one, else the process wall."""
        return float(self.report.get("seconds", self.wall_s))

    def check(self) -> ChildResult:
        if self.returncode != 0:
            tail = (self.stderr or self.stdout).strip().splitlines()[-15:]
            raise RuntimeError(
                f"{' '.join(self.argv)} exited {self.returncode}:\n" + "\n".join(tail)
            )
        return self


def run_child(
    argv: Sequence[str],
    env: dict[str, str] | None = None,
    cwd: str | os.PathLike | None = None,
    timeout: float | None = None,
    stop_when: Callable[[str], bool] | None = None,
) -> ChildResult:
    """Run `argv` to completion; wall time and peak RSS of that process (and nothing else).

    Output goes to temporary files rather than pipes so that a chatty child cannot block
    while the parent waits in os.wait4 (which is what gives the child's own rusage).
    `stop_when(stdout_so_far)`, polled every 0.1 s, ends the measurement early: wall time
    is taken when it first holds, then the child's process group is killed
    (`report["stopped_early"]` says so)."""
    argv = [str(a) for a in argv]
    full_env = {**os.environ, **(env or {})}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv, stdout=out, stderr=err, env=full_env, cwd=cwd, start_new_session=True
        )
        timer = None
        if timeout:
            timer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
            timer.start()
        wall = stopped = None
        try:
            if stop_when is None:
                _, status, usage = os.wait4(proc.pid, 0)
            else:
                while True:
                    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                    if pid:
                        break
                    out.seek(0)
                    if wall is None and stop_when(out.read().decode("utf-8", "replace")):
                        wall, stopped = time.perf_counter() - started, True
                        os.killpg(proc.pid, signal.SIGKILL)
                    time.sleep(0.1)
        finally:
            if timer:
                timer.cancel()
        wall = wall if wall is not None else time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    reported = [line for line in stdout.splitlines() if line.startswith(_MARKER)]
    payload = json.loads(reported[-1][len(_MARKER) :]) if reported else {}
    if stopped:
        payload["stopped_early"] = True
        proc.returncode = 0  # killed on purpose
    # Linux reports ru_maxrss in KiB.
    cpu = usage.ru_utime + usage.ru_stime
    return ChildResult(
        argv, proc.returncode, wall, usage.ru_maxrss / 1024, cpu, stdout, stderr, payload
    )


def own_peak_rss_mb() -> float:
    """This process's peak RSS: the floor under every child's figure (see above)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(**values) -> None:
    """Called in a child: hand figures (e.g. seconds=...) back to the parent."""
    print(_MARKER + json.dumps(values), flush=True)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def run_rounds(
    commands: dict[str, Callable[[], ChildResult]], runs: int, log=print
) -> dict[str, list[ChildResult]]:
    """Run every command `runs` times, round-robin (A B C A B C ...) so that a noisy stretch
    on a shared machine spreads over all methods instead of hitting one of them."""
    results: dict[str, list[ChildResult]] = {name: [] for name in commands}
    for round_number in range(1, runs + 1):
        for name, command in commands.items():
            result = command().check()
            results[name].append(result)
            log(
                f"  round {round_number}/{runs} {name}: {result.seconds:.2f} s, "
                f"{result.peak_rss_mb:.0f} MB peak RSS"
            )
    return results


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def median_seconds(results: Sequence[ChildResult]) -> float:
    return median([r.seconds for r in results])


def median_cpu(results: Sequence[ChildResult]) -> float:
    return median([r.cpu_s for r in results])


def max_rss(results: Sequence[ChildResult]) -> float:
    return max(r.peak_rss_mb for r in results)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    print(f"\n{title}")
    for index, row in enumerate(cells):
        print(
            "  "
            + "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if index == 0:
            print("  " + "  ".join("-" * w for w in widths))


def print_targets(rows: Sequence[tuple[str, str, str, bool]]) -> None:
    """rows: (what, measured, target, ok)."""
    print_table(
        "  targets",
        ["check", "measured", "target", "result"],
        [(what, got, target, verdict(ok)) for what, got, target, ok in rows],
    )


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def file_mb(path: str | os.PathLike) -> float:
    return os.path.getsize(path) / 1e6


def tree_mb(root: str | os.PathLike) -> float:
    return sum(p.stat().st_size for p in Path(root).rglob("*") if p.is_file()) / 1e6


def link_or_copy(source: Path, target: Path) -> None:
    """Put `source` at `target` without spending time or disk on a copy where possible."""
    import shutil

    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
