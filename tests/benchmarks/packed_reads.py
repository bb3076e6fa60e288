"""An experiment, not a measurement of the service: would a packed layout answer questions as fast as today's?

``python -m tests.benchmarks.packed_reads DB PACKED`` (DB: a SQLite database the service imported, such as the
benchmark's 1M log; PACKED is overwritten). The layout that would make imports and rebuilds write few rows keeps
each stance key's current facts in one packed row (the one ``compact_layout`` writes): here the days the facts
start on (32-bit day numbers, for a binary search), the facts' offsets, and the facts themselves (msgpack, each
with the columns an answer shows), in a rowid table indexed by key. It times reading the rows of one actor's answer
and of the matrix at a date, both ways, on the same seeded questions: today's ``FactTable.effective`` statement,
and the packed rows read whole or (incremental blob I/O) only the fact in effect. Condition statuses and building
the answer are left out on both sides: they would not change. It first checks that both give the same rows.
docs/performance.md ("Design conclusions → Reads") has its results.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import sqlite3
import statistics
import sys
import time
from array import array
from collections.abc import Callable
from pathlib import Path

import msgspec

from events import open_store
from events.projections.facts import STANCES

#: The stance columns an answer shows, after the key (``queries.stances`` reads the same ones).
_ANSWER = ("stance", "conditions", "quantity", "period", "valid_from", "date_text", "exact", "latest", "evidence")
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder().decode
Ask = Callable[[dt.date, str | None], list[tuple]]


def pack(source: str, target: str) -> int:
    """Write every stance key's current facts (same-day losers left out) as one packed row; returns the keys."""
    for suffix in ("", "-wal", "-shm"):
        Path(target + suffix).unlink(missing_ok=True)
    rows = sqlite3.connect(source).execute(
        f"SELECT actor, topic, {', '.join(_ANSWER)} FROM stance_intervals WHERE superseded_pos IS NULL"
        " ORDER BY actor, topic, valid_from, fact_position, row_id")
    packed: list[tuple] = []
    key = None
    days, offsets, facts = array("i"), array("i"), bytearray()
    for row in rows:
        if row[:2] != key:
            if key is not None:
                packed.append((*key, days.tobytes(), (offsets + array("i", [len(facts)])).tobytes(), bytes(facts)))
            key, days, offsets, facts = row[:2], array("i"), array("i"), bytearray()
        day = dt.date.fromisoformat(row[6]).toordinal()
        if days and days[-1] == day:  # a later fact of the same day: the earlier one is in effect on no day
            del facts[offsets.pop():]
            days.pop()
        days.append(day)
        offsets.append(len(facts))
        facts += _encode(row[2:])
    if key is not None:
        packed.append((*key, days.tobytes(), (offsets + array("i", [len(facts)])).tobytes(), bytes(facts)))
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE packed (id INTEGER PRIMARY KEY, actor TEXT, topic TEXT, days BLOB, offsets BLOB,"
                 " facts BLOB)")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO packed (actor, topic, days, offsets, facts) VALUES (?, ?, ?, ?, ?)", packed)
    conn.execute("CREATE INDEX packed_key ON packed (actor, topic, id)")
    conn.execute("COMMIT")
    conn.close()
    return len(packed)


def _ints(blob: bytes) -> array:
    numbers = array("i")
    numbers.frombytes(blob)
    return numbers


def packed_reader(path: str, *, whole: bool) -> Ask:
    """Rows in effect on a day (one actor's, or every key's) from the packed table: each key's days searched,
    then its whole facts column read (``whole``) or only the one fact, through incremental blob I/O."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    facts_column = ", facts" if whole else ""

    def ask(day: dt.date, actor: str | None) -> list[tuple]:
        wanted = day.toordinal()
        where, params = ("WHERE actor = ? ", (actor,)) if actor else ("", ())
        found = []
        conn.execute("BEGIN")
        try:
            for row_id, actor_, topic, days, offsets, *facts in conn.execute(  # all rows first: a blob opened
                    f"SELECT id, actor, topic, days, offsets{facts_column} FROM packed {where}ORDER BY actor, topic",
                    params).fetchall():  # while the statement runs costs twice as much
                i = bisect.bisect_right(_ints(days), wanted)
                if not i:
                    continue
                bounds = _ints(offsets)
                if whole:
                    fact = facts[0][bounds[i - 1]:bounds[i]]
                else:
                    with conn.blobopen("packed", "facts", row_id, readonly=True) as blob:
                        blob.seek(bounds[i - 1])
                        fact = blob.read(bounds[i] - bounds[i - 1])
                found.append((actor_, topic, *_decode(fact)))
        finally:
            conn.execute("COMMIT")
        return found

    return ask


def row_reader(path: str) -> Ask:
    """Rows in effect on a day the way the service reads them today (one seek per key)."""
    store = open_store(f"sqlite:///{path}")

    def ask(day: dt.date, actor: str | None) -> list[tuple]:
        with store.reading() as tx:
            return [tuple(row) for row in STANCES.effective(tx, day.isoformat(), None, ("actor", "topic", *_ANSWER),
                                                            {"actor": actor} if actor else {})]

    return ask


def _percentile(values: list[float], q: int) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * q / 100))]


def main(source: str, target: str, rounds: int = 4, questions: int = 1500, matrices: int = 5) -> None:
    """Pack, check, then time both layouts question by question in a shuffled order."""
    start = time.perf_counter()
    keys = pack(source, target)
    print(f"packed {keys} keys in {time.perf_counter() - start:.1f} s: {Path(target).stat().st_size >> 20} MB")
    readers = {"rows": row_reader(source), "packed, one fact": packed_reader(target, whole=False),
               "packed, whole row": packed_reader(target, whole=True)}
    conn = sqlite3.connect(source)
    first_text, last_text = conn.execute(
        "SELECT min(valid_from), max(valid_from) FROM stance_intervals WHERE superseded_pos IS NULL").fetchone()
    actors = [row[0] for row in conn.execute("SELECT DISTINCT actor FROM stance_intervals")]
    conn.close()
    first = dt.date.fromisoformat(first_text)
    span = (dt.date.fromisoformat(last_text) - first).days
    draw = random.Random(11)

    def day() -> dt.date:
        return first + dt.timedelta(days=draw.randint(0, span))

    for _ in range(200):
        when, who = day(), draw.choice(actors)
        answers = [ask(when, who) for ask in readers.values()]
        assert all(answer == answers[0] for answer in answers), (when, who)
    when = day()
    matrix = [ask(when, None) for ask in readers.values()]
    assert all(answer == matrix[0] for answer in matrix), when
    print("the same rows from both layouts")
    for run in range(rounds):
        one: dict[str, list[float]] = {name: [] for name in readers}
        every: dict[str, list[float]] = {name: [] for name in readers}
        for _ in range(questions):
            when, who = day(), draw.choice(actors)
            for name in draw.sample(list(readers), len(readers)):
                began = time.perf_counter_ns()
                readers[name](when, who)
                one[name].append((time.perf_counter_ns() - began) / 1e6)
        for _ in range(matrices):
            when = day()
            for name in draw.sample(list(readers), len(readers)):
                began = time.perf_counter_ns()
                readers[name](when, None)
                every[name].append((time.perf_counter_ns() - began) / 1e6)
        print(f"round {run + 1}: " + "; ".join(
            f"{name}: one actor p50 {_percentile(one[name], 50):.3f} / p99 {_percentile(one[name], 99):.3f} ms,"
            f" matrix {statistics.median(every[name]):.1f} ms" for name in readers), flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m tests.benchmarks.packed_reads DB PACKED")
    main(sys.argv[1], sys.argv[2])
