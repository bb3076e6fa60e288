"""Measurement 1: bulk import of the NDJSON file through ``commitments import`` (a subprocess).

This is the whole path a user takes: process start, reading and validating every line,
appending with all projections and change records, and the durable commit. Each run
imports into a fresh database; the last one is kept for the measurements that need a
loaded log (rebuild, queries, HTTP, feed).
"""

from __future__ import annotations

import re

from tests.benchmarks.backends import Database, fresh
from tests.benchmarks.common import Figure, child_env, commitments_command, log, median, repeat, run_child
from tests.benchmarks.datasets import dataset

_APPENDED = re.compile(r"appended (\d+) in")


def startup_seconds(runs: int = 3) -> float:
    """The median wall time of ``commitments --help``: the fixed cost included in every CLI figure."""
    return median([run_child([*commitments_command(), "--help"], env=child_env()).wall for _ in range(runs)])


def measure(backend: str, size: int, runs: int, budget: float) -> tuple[Figure, Database]:
    """Import ``size`` events ``runs`` times (each into a fresh database); returns the figure and the last database."""
    path = dataset(size)
    kept: list[Database] = []
    cpu: list[float] = []

    def once(index: int) -> float:
        for old in kept:  # keep only the newest database: at 1M events each is over a gigabyte
            old.drop()
        kept.clear()
        database = fresh(backend, f"import_{size}")
        kept.append(database)
        result = run_child([*commitments_command(), "--database", database.url, "import", str(path)],
                           env=child_env())
        found = _APPENDED.search(result.stdout)
        if not found or int(found.group(1)) != size:
            raise RuntimeError(f"import appended {found and found.group(1)} events, expected {size}: {result.stdout}")
        cpu.append(result.cpu)
        log(f"import {backend} {size:,}: run {index + 1}: {result.wall:.2f} s ({size / result.wall:,.0f} events/s)")
        return size / result.wall

    try:
        values, note = repeat(runs, budget, once)
    except BaseException:  # a failed import leaves nothing behind
        for database in kept:
            database.drop()
        raise
    figure = Figure("import", "bulk import (commitments import)", median(values), "events/s", backend=backend,
                    size=size, runs=len(values), samples=values, note=note,
                    extra={"cpu_seconds_median": median(cpu), "file_bytes": path.stat().st_size})
    return figure, kept[0]
