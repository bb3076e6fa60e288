"""Measurement 3: in-process query latency on a loaded log (p50 and p99).

Each sample is what one API request does: open a read snapshot and ask
``queries.stances`` (or, for the page's charts, ``series.actor_history`` and
``series.stance_counts``); for the timeline, build the answer ``/timeline?format=vis`` gives for a
one-month window (its first page of 1,000 events) and ``/timeline/counts?group=month`` for the
whole log, encoded as JSON. Days, actors and ``known_at`` instants are drawn from a seeded
generator within the log's own range, so every benchmark run asks the same questions.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import msgspec

from events import open_store, queries, series
from service import answers
from tests.benchmarks.backends import Database
from tests.benchmarks.common import Deadline, Figure, log, median, percentile, rng
from tests.benchmarks.generate import ACTORS, TOPICS

#: Untimed queries first, so the figures describe a warm server, not the first request after start.
WARMUP = 10


def log_ranges(store: Any) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    """The first and last day a stance takes effect, and the first and last recorded instant."""
    with store.reading() as tx:
        first_day, last_day = tx.fetchone(
            # the events' own versions (created at their position): the dates the log's bodies give
            "SELECT min(earliest), max(latest) FROM search_entries WHERE type = 'stance.stated'"
            " AND created_pos = position")
        first_rec, last_rec = tx.fetchone("SELECT min(recorded), max(recorded) FROM events")

    def instant(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))

    return dt.date.fromisoformat(first_day), dt.date.fromisoformat(last_day), instant(first_rec), instant(last_rec)


def _sample(ask: Callable[[], object], samples: int, seconds: float) -> list[float]:
    """Latencies in milliseconds of up to ``samples`` calls, stopping after ``seconds``."""
    out: list[float] = []
    deadline = Deadline(seconds)
    while len(out) < samples and not deadline.passed():
        start = time.perf_counter_ns()
        ask()
        out.append((time.perf_counter_ns() - start) / 1e6)
    return out


def measure(database: Database, size: int, *, samples: int, matrix_samples: int, seconds: float,
            seed: int, runs: int = 1) -> list[Figure]:
    """p50/p99 of one actor's stances, the matrix, and both as known at a past instant: each the median of
    ``runs`` runs' percentiles."""
    store = open_store(database.url)
    try:
        first_day, last_day, first_rec, last_rec = log_ranges(store)
        span_days = (last_day - first_day).days
        span_rec = (last_rec - first_rec).total_seconds()
        draw = rng("queries", seed)

        def day() -> dt.date:
            return first_day + dt.timedelta(days=draw.randint(0, span_days))

        def known_at() -> dt.datetime:
            return first_rec + dt.timedelta(seconds=draw.uniform(0, span_rec))

        def actor(with_known_at: bool) -> Callable[[], object]:
            def ask() -> object:
                when, who, known = day(), draw.choice(ACTORS), known_at() if with_known_at else None
                with store.reading() as tx:
                    return queries.stances(tx, when, actor=who, known_at=known)
            return ask

        def matrix(with_known_at: bool) -> Callable[[], object]:
            def ask() -> object:
                when, known = day(), known_at() if with_known_at else None
                with store.reading() as tx:
                    return queries.stances(tx, when, known_at=known)
            return ask

        def actor_chart() -> object:
            who = draw.choice(ACTORS)
            with store.reading() as tx:
                return series.actor_history(tx, who)

        def topic_chart() -> object:
            topic = draw.choice(TOPICS)
            with store.reading() as tx:
                return series.stance_counts(tx, topic)

        def month() -> object:
            start = day()
            return msgspec.json.encode(answers.timeline(store, "vis", today=last_day, start=start,
                                                        end=start + dt.timedelta(days=30), limit=1000))

        def overview() -> object:
            return msgspec.json.encode(answers.timeline_counts(store, "month"))

        kinds = [
            ("actor", "one actor's stances", actor(False), samples),
            ("matrix", "stance matrix", matrix(False), matrix_samples),
            ("actor_known_at", "one actor's stances, known_at", actor(True), samples),
            ("matrix_known_at", "stance matrix, known_at", matrix(True), matrix_samples),
            ("chart_actor", "an actor's chart (every topic's history)", actor_chart, matrix_samples),
            ("chart_topic", "a topic's chart (stance counts over time)", topic_chart, matrix_samples),
            ("timeline_month", "timeline, a one-month window as vis JSON", month, matrix_samples),
            ("timeline_counts", "timeline counts per month, the whole log, as JSON", overview, matrix_samples),
        ]
        figures = []
        for key, label, ask, count in kinds:
            per_run: dict[int, list[float]] = {50: [], 99: []}
            counts = []
            for run in range(runs):
                # questions of its own per run (a repeat would find the last ones' pages cached), the same ones
                # every time the benchmark runs
                draw.seed(f"{seed}:queries:{key}:{run}")
                for _ in range(WARMUP):
                    ask()
                latencies = _sample(ask, count, seconds)
                counts.append(len(latencies))
                for q in per_run:
                    per_run[q].append(percentile(latencies, q))
                log(f"queries {database.backend} {key}: run {run + 1}: p50 {per_run[50][-1]:.3f} ms, "
                    f"p99 {per_run[99][-1]:.3f} ms over {len(latencies)} samples")
            short = [n for n in counts if n < count]
            note = f"{min(short)} of {count} samples in a run ({seconds:.0f} s bound)" if short else ""
            for q, values in per_run.items():
                figures.append(Figure(f"query_{key}_p{q}", f"{label} p{q}", median(values), "ms",
                                      backend=database.backend, size=size, runs=len(values), samples=values,
                                      extra={"samples_per_run": counts}, note=note))
        return figures
    finally:
        store.close()
