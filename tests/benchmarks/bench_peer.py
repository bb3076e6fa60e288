"""Measurement 6: the equal-work ``eventsourcing`` peer (tests/benchmarks/peer.py) beside our import and rebuild.

Run right after our import and rebuild of the same file, at each size, in this process tree:

* import: ``python -m tests.benchmarks.peer import FOLDER FILE`` (a subprocess, timed start to exit like
  ``commitments import``): every event stored, then the projection caught up; a fresh folder each run;
* rebuild: ``python -m tests.benchmarks.peer rebuild FOLDER`` on the imported folder: the projection's tables
  dropped and the whole notification log projected again;
* agreement: the peer's current stance and condition rows against ours (``stance_intervals``,
  ``condition_intervals``): every column both keep; and each as-of question's answer against our row in
  effect. Any difference fails the peer's figures;
* as-of: the stance of an (actor, topic) on a day as the log stood at a position, the same seeded questions
  on both sides, in process: ours ``queries.stances(tx, day, actor=, topic=, known_at=position)`` in a read
  snapshot, the peer's one indexed seek.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from events import open_store, queries
from events.projections.facts import CONDITIONS as OUR_CONDITIONS
from events.projections.facts import STANCES as OUR_STANCES
from events.projections.facts import FactTable as OurTable
from events.tables.tx import Tx
from tests.benchmarks import peer as peer_module
from tests.benchmarks.backends import Database
from tests.benchmarks.bench_queries import WARMUP, log_ranges
from tests.benchmarks.common import DATABASES, Figure, log, median, percentile, repeat, rng, run_child
from tests.benchmarks.datasets import dataset
from tests.benchmarks.generate import ACTORS, TOPICS
from tests.benchmarks.peer import CONDITIONS, STANCES, Peer

PEER = "eventsourcing"
#: Examples of differing rows printed when the two sides disagree.
SHOWN = 5


def measure(database: Database, size: int, runs: int, budget: float, *, samples: int, seconds: float,
            seed: int) -> list[Figure]:
    """The peer's import and rebuild of ``size`` events, the agreement check, and as-of latencies on both sides
    (``database``: our imported SQLite log of the same file)."""
    folder = DATABASES / f"bench_peer_{size}_{os.getpid()}"
    try:
        figures, imported = _import(folder, size, runs, budget)
        figures.append(_rebuild(folder, size, runs, budget))
        ours_rows, ours_bytes = _footprint(database)
        figures[0].extra.update(rows_per_event=round(sum(imported["rows"].values()) / size, 2),
                                bytes=imported["bytes"], rows=imported["rows"])
        figures.append(Figure("ours_footprint", "ours: rows written per event (every table, FTS5's own included)",
                              ours_rows / size, "rows", size=size, extra={"bytes": ours_bytes}))
        figures.append(Figure("peer_footprint", "eventsourcing peer: rows written per event (every table)",
                              sum(imported["rows"].values()) / size, "rows", backend=PEER, size=size,
                              extra={"bytes": imported["bytes"]}))
        peer = Peer(folder)
        try:
            differing = _compare_rows(database, peer)
            latencies, wrong = _as_of(database, peer, size, runs, samples=samples, seconds=seconds, seed=seed)
        finally:
            peer.close()
        figures += latencies
        if differing or wrong:
            raise RuntimeError(f"the peer disagrees with ours at {size:,} events: {differing} current rows differ, "
                               f"{wrong} as-of answers differ (examples on stderr); its figures are not comparable")
        return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _peer_command(*arguments: str | Path) -> list[str]:
    return [sys.executable, "-m", "tests.benchmarks.peer", *map(str, arguments)]


def _import(folder: Path, size: int, runs: int, budget: float) -> tuple[list[Figure], dict[str, Any]]:
    """Import the dataset ``runs`` times, each into a fresh folder; the last one stays for the rest."""
    path = dataset(size)
    outputs: list[dict[str, Any]] = []

    def once(index: int) -> float:
        shutil.rmtree(folder, ignore_errors=True)
        result = run_child(_peer_command("import", folder, path))
        output = json.loads(result.stdout)
        if output["imported"] != size:
            raise RuntimeError(f"the peer imported {output['imported']} events, expected {size}")
        if output["synchronous"] != 2:
            raise RuntimeError(f"the peer's SQLite runs with synchronous={output['synchronous']}, not FULL")
        outputs.append(output)
        log(f"peer import {size:,}: run {index + 1}: {result.wall:.2f} s ({size / result.wall:,.0f} events/s)")
        return size / result.wall

    values, note = repeat(runs, budget, once)
    figure = Figure("peer_import", "eventsourcing peer: import (store + project)", median(values), "events/s",
                    backend=PEER, size=size, runs=len(values), samples=values, note=note)
    return [figure], outputs[-1]


def _rebuild(folder: Path, size: int, runs: int, budget: float) -> Figure:
    """Rebuild the peer's projection ``runs`` times on the imported folder."""

    def once(index: int) -> float:
        result = run_child(_peer_command("rebuild", folder))
        output = json.loads(result.stdout)
        if output["rebuilt from"] != size:
            raise RuntimeError(f"the peer rebuilt from {output['rebuilt from']} events, expected {size}")
        log(f"peer rebuild {size:,}: run {index + 1}: {result.wall:.2f} s ({size / result.wall:,.0f} events/s)")
        return size / result.wall

    values, note = repeat(runs, budget, once)
    return Figure("peer_rebuild", "eventsourcing peer: rebuild (drop + project the log)", median(values), "events/s",
                  backend=PEER, size=size, runs=len(values), samples=values, note=note)


def _footprint(database: Database) -> tuple[int, int]:
    """Rows in every ordinary table of our log, and its files' bytes."""
    assert database.path is not None, "the peer is compared with our SQLite log"
    conn = sqlite3.connect(database.path)
    try:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND sql NOT LIKE 'CREATE VIRTUAL%'")]
        rows = sum(conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names)
    finally:
        conn.close()
    size = sum(path.stat().st_size for path in database.path.parent.glob(database.path.name + "*"))
    return rows, size


def our_current_rows(tx: Tx, ours: OurTable, theirs: peer_module.FactTable) -> list[tuple[Any, ...]]:
    """Our table's current rows in the columns and order :meth:`peer.FactTable.current_rows` gives."""
    return sorted(tuple(row) for row in tx.fetchall(
        f"SELECT {', '.join(theirs.key)}, {', '.join(theirs.values)}, valid_from, valid_to, event_id,"
        f" coalesce(correction_id, ''), fact_position, created_pos FROM {ours.table}"
        " WHERE superseded_pos IS NULL"))


def _compare_rows(database: Database, peer: Peer) -> int:
    """The number of current rows one side has and the other has not (stances and conditions)."""
    store = open_store(database.url)
    differing = 0
    try:
        for ours, theirs in ((OUR_STANCES, STANCES), (OUR_CONDITIONS, CONDITIONS)):
            with store.reading() as tx:
                mine = set(our_current_rows(tx, ours, theirs))
            peers = set(theirs.current_rows(peer.projection.conn))
            only_ours, only_peers = sorted(mine - peers), sorted(peers - mine)
            differing += len(only_ours) + len(only_peers)
            log(f"peer agreement, {theirs.name}: {len(mine):,} current rows ours, {len(peers):,} the peer's, "
                f"{len(only_ours)} only ours, {len(only_peers)} only the peer's")
            for row in only_ours[:SHOWN]:
                log(f"  only ours:        {row}")
            for row in only_peers[:SHOWN]:
                log(f"  only the peer's:  {row}")
    finally:
        store.close()
    return differing


def _as_of(database: Database, peer: Peer, size: int, runs: int, *, samples: int, seconds: float,
           seed: int) -> tuple[list[Figure], int]:
    """p50/p99 of the same as-of questions on both sides, each the median of ``runs`` runs' percentiles; and the
    number of questions the two answered differently."""
    store = open_store(database.url)
    try:
        first_day, last_day, _, _ = log_ranges(store)
        span = (last_day - first_day).days
        draw = rng("peer_as_of", seed)

        def question() -> tuple[str, str, dt.date, int]:
            return (draw.choice(ACTORS), draw.choice(TOPICS), first_day + dt.timedelta(days=draw.randint(0, span)),
                    draw.randint(1, size))

        def ours(q: tuple[str, str, dt.date, int]) -> object:
            with store.reading() as tx:
                return queries.stances(tx, q[2], actor=q[0], topic=q[1], known_at=q[3])

        def theirs(q: tuple[str, str, dt.date, int]) -> object:
            return peer.projection.stance_as_of(q[0], q[1], q[2].isoformat(), q[3])

        per_side: dict[str, dict[int, list[float]]] = {side: {50: [], 99: []} for side in ("ours", "peer")}
        asked: list[tuple[str, str, dt.date, int]] = []
        for run in range(runs):
            draw.seed(f"{seed}:peer_as_of:{run}")
            questions = [question() for _ in range(WARMUP + samples)]
            asked += questions[WARMUP:]
            for side, ask in (("ours", ours), ("peer", theirs)):
                latencies = _timed(ask, questions, seconds)
                for q in (50, 99):
                    per_side[side][q].append(percentile(latencies, q))
                log(f"as-of {side} {size:,}: run {run + 1}: p50 {per_side[side][50][-1]:.3f} ms, "
                    f"p99 {per_side[side][99][-1]:.3f} ms over {len(latencies)} questions")
        wrong = _compare_answers(store, peer, asked)
    finally:
        store.close()
    figures = []
    for side, backend, label in (("ours", "sqlite", "ours"), ("peer", PEER, "eventsourcing peer")):
        for q, values in per_side[side].items():
            figures.append(Figure(f"{side}_asof_p{q}", f"{label}: as-of stance of an (actor, topic) p{q}",
                                  median(values), "ms", backend=backend, size=size, runs=len(values), samples=values))
    return figures, wrong


def _timed(ask: Callable[[Any], object], questions: list[Any], seconds: float) -> list[float]:
    """Latencies (ms) of the questions after the warm-up ones, stopping after ``seconds``."""
    for q in questions[:WARMUP]:
        ask(q)
    out: list[float] = []
    started = time.perf_counter()
    for q in questions[WARMUP:]:
        start = time.perf_counter_ns()
        ask(q)
        out.append((time.perf_counter_ns() - start) / 1e6)
        if time.perf_counter() - started > seconds:
            break
    return out


def _compare_answers(store: Any, peer: Peer, asked: list[tuple[str, str, dt.date, int]]) -> int:
    """How many questions the peer answers otherwise than our row in effect (stance, event, correction)."""
    wrong = 0
    with store.reading() as tx:
        for actor, topic, day, position in asked:
            rows = OUR_STANCES.in_effect(tx, day.isoformat(), position, {"actor": actor, "topic": topic})
            mine = (rows[0]["stance"], rows[0]["event_id"], rows[0]["correction_id"]) if rows else None
            found = peer.projection.stance_as_of(actor, topic, day.isoformat(), position)
            theirs = None if found is None else (found[0], found[4], found[5])
            if mine != theirs:
                wrong += 1
                if wrong <= SHOWN:
                    log(f"  as-of {actor}/{topic} on {day} at {position}: ours {mine}, the peer's {theirs}")
    log(f"peer agreement, as-of answers: {wrong} of {len(asked)} differ")
    return wrong
