"""Shared pieces of the benchmark: paths, the result record, statistics, timing and bounded loops.

Every measurement module returns :class:`Figure` objects; ``run.py`` collects them,
judges them against the targets (``report.py``) and prints the table.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench-results"
DATA = RESULTS / "data"
DATABASES = RESULTS / "db"
LOGS = RESULTS / "logs"
#: The generator's seed (``generate.generate``'s default), recorded in the JSON.
GENERATOR_SEED = 7


@dataclass
class Figure:
    """One measured number, with enough context to judge and to reproduce it."""

    key: str  # stable machine name, e.g. "import"; with backend and size it identifies the figure
    label: str  # what a person reads in the table
    value: float | None  # None: not measured (``note`` says why)
    unit: str
    backend: str = "sqlite"
    size: int | None = None  # events in the log the figure was taken on
    runs: int = 1  # runs the median was taken over (or samples, for latencies)
    samples: list[float] = field(default_factory=list)  # the raw per-run values
    extra: dict[str, Any] = field(default_factory=dict)  # p50/p99, client CPU, counts...
    note: str = ""
    # filled in by report.judge():
    target: str = ""
    met: bool | None = None
    floor_fraction: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The figure as plain JSON-able data."""
        return asdict(self)


def median(values: Sequence[float]) -> float:
    """The median (the middle run), robust to one slow or fast outlier among three runs."""
    return statistics.median(values)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no samples")
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rng(name: str, seed: int) -> random.Random:
    """A random generator seeded per measurement, so adding one measurement does not shift another's samples."""
    return random.Random(f"{seed}:{name}")


class Deadline:
    """A time bound for a loop: ``while not deadline.passed()``."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.start = time.perf_counter()

    def passed(self) -> bool:
        """True once ``seconds`` have gone by since creation."""
        return time.perf_counter() - self.start >= self.seconds

    def elapsed(self) -> float:
        """Seconds since creation."""
        return time.perf_counter() - self.start


def commitments_command() -> list[str]:
    """The ``commitments`` console script of this interpreter's environment (the one ``make install`` built)."""
    script = Path(sys.executable).with_name("commitments")
    if script.exists():
        return [str(script)]
    found = shutil.which("commitments")
    if found:
        return [found]
    raise RuntimeError("the `commitments` command is not installed; run `make install` first")


@dataclass
class ChildRun:
    """A finished subprocess: its wall time, CPU time (user + system) and output."""

    wall: float
    cpu: float
    stdout: str
    stderr: str


def run_child(command: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 3600.0,
              cwd: Path = ROOT) -> ChildRun:
    """Run a command to completion, timing it; raises with its stderr when it fails.

    CPU time comes from ``RUSAGE_CHILDREN`` before and after, which counts only waited-for
    children: the one started here (the server, the only other child, is still running).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        why = done.stderr.strip()[-2000:]
        raise RuntimeError(f"{' '.join(command)} failed with exit code {done.returncode}: {why}")
    return ChildRun(wall, cpu, done.stdout, done.stderr)


def child_env(**extra: str) -> dict[str, str]:
    """This process's environment without ``COMMITMENTS_*`` settings that could change what is measured, plus
    ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMITMENTS_")}
    env.update(extra)
    return env


def repeat(runs: int, budget: float, once: Callable[[int], float]) -> tuple[list[float], str]:
    """Call ``once(run_index)`` up to ``runs`` times, stopping early once ``budget`` seconds have been spent.

    Returns the values and a note that says so when fewer runs were made than asked
    (at 1M events one import can take minutes).
    """
    values: list[float] = []
    deadline = Deadline(budget)
    for index in range(runs):
        values.append(once(index))
        if deadline.passed() and index + 1 < runs:
            return values, f"{len(values)} of {runs} runs (time budget {budget:.0f} s spent)"
    return values, ""


def log(message: str) -> None:
    """Progress on stderr, so stdout carries only the table."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
