"""Measurement 2: ``commitments rebuild`` of every projection from the log (a subprocess).

Rebuild empties the projections and replays the whole log in one transaction, so
running it again on the same database measures the same work each time.
"""

from __future__ import annotations

import re

from tests.benchmarks.backends import Database
from tests.benchmarks.common import Figure, child_env, commitments_command, log, median, repeat, run_child

_REBUILT = re.compile(r"from (\d+) events")


def measure(database: Database, size: int, runs: int, budget: float) -> Figure:
    """Rebuild the imported ``database`` ``runs`` times; events/s over the wall time of the command."""

    def once(index: int) -> float:
        result = run_child([*commitments_command(), "--database", database.url, "rebuild"], env=child_env())
        found = _REBUILT.search(result.stdout)
        if not found or int(found.group(1)) != size:
            raise RuntimeError(f"rebuild replayed {found and found.group(1)} events, expected {size}: {result.stdout}")
        log(f"rebuild {database.backend} {size:,}: run {index + 1}: {result.wall:.2f} s "
            f"({size / result.wall:,.0f} events/s)")
        return size / result.wall

    values, note = repeat(runs, budget, once)
    return Figure("rebuild", "rebuild all projections (commitments rebuild)", median(values), "events/s",
                  backend=database.backend, size=size, runs=len(values), samples=values, note=note)
