"""Measurement 8: full-text search latency (p50 and p99) and the time of a one-year daily panel, on a loaded log.

Search asks what ``GET /search`` asks (``queries.search`` in one snapshot, with its facets and
first page of 20 hits): selective questions (an actor's name, with a topic's, or a prefix of
names) and broad ones (a word every generated event holds, so the facets count the whole log).
The panel is ``service.panel``'s CSV for 365 days of every actor and topic, read to its end as
``GET /panel`` sends it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from events import open_store, queries
from service import panel
from tests.benchmarks.backends import Database
from tests.benchmarks.bench_queries import WARMUP, _sample, log_ranges
from tests.benchmarks.common import Deadline, Figure, log, median, percentile, rng
from tests.benchmarks.generate import ACTORS, TOPICS


def measure(database: Database, size: int, *, samples: int, seconds: float, seed: int, runs: int,
            panel_runs: int, budget: float) -> list[Figure]:
    """Search p50/p99 (selective and broad), and a one-year daily panel's seconds (median of ``panel_runs``)."""
    store = open_store(database.url)
    try:
        draw = rng("search", seed)

        def selective() -> object:
            actor, topic = draw.choice(ACTORS), draw.choice(TOPICS)
            text = draw.choice([actor, f"{actor} {topic}", f"{actor[:3]}*"])
            with store.reading() as tx:
                return queries.search(tx, text, pos=None)

        def broad() -> object:
            with store.reading() as tx:
                return queries.search(tx, draw.choice(["synthetic", '"synthetic wire"']), pos=None)

        figures: list[Figure] = []
        for key, label, ask, count in [("search_selective", "search, an actor's or topic's name", selective, samples),
                                       ("search_broad", "search, a word every event holds", broad,
                                        max(samples // 10, 20))]:
            per_run: dict[int, list[float]] = {50: [], 99: []}
            counts = []
            for run in range(runs):
                draw.seed(f"{seed}:search:{key}:{run}")
                for _ in range(WARMUP):
                    ask()
                latencies = _sample(ask, count, seconds)
                counts.append(len(latencies))
                for q in per_run:
                    per_run[q].append(percentile(latencies, q))
                log(f"search {database.backend} {key}: run {run + 1}: p50 {per_run[50][-1]:.2f} ms, "
                    f"p99 {per_run[99][-1]:.2f} ms over {len(latencies)} samples")
            short = [n for n in counts if n < count]
            note = f"{min(short)} of {count} samples in a run ({seconds:.0f} s bound)" if short else ""
            for q, values in per_run.items():
                figures.append(Figure(f"{key}_p{q}", f"{label} p{q}", median(values), "ms", backend=database.backend,
                                      size=size, runs=len(values), samples=values,
                                      extra={"samples_per_run": counts}, note=note))
        figures.append(_panel(store, database, size, panel_runs, budget))
        return figures
    finally:
        store.close()


def _panel(store: object, database: Database, size: int, runs: int, budget: float) -> Figure:
    """Seconds to stream a daily panel of the log's last year with stances (every actor and topic)."""
    _, last_day, _, _ = log_ranges(store)
    start = last_day - dt.timedelta(days=364)
    position = store.last_position()  # type: ignore[attr-defined]
    times: list[float] = []
    rows_sent = 0
    deadline = Deadline(budget)
    read: Callable[[], int]

    def read() -> int:
        asked = panel.plan(store, start, last_day, "day", position=position)  # type: ignore[arg-type]
        lines = 0
        for chunk in panel.csv_chunks(store, asked):  # type: ignore[arg-type]
            lines += chunk.count(b"\n")
        return lines - 3  # the two comment lines and the header

    for run in range(runs):
        if run and deadline.passed():
            break
        begin = time.perf_counter()
        rows_sent = read()
        times.append(time.perf_counter() - begin)
        log(f"panel {database.backend}: run {run + 1}: {times[-1]:.1f} s for {rows_sent:,} rows")
    note = f"{len(times)} of {runs} runs ({budget:.0f} s budget)" if len(times) < runs else ""
    return Figure("panel_year_daily", "panel, 365 days × every actor and topic", median(times), "s",
                  backend=database.backend, size=size, runs=len(times), samples=times,
                  extra={"rows": rows_sent, "from": start.isoformat(), "to": last_day.isoformat()}, note=note)
