"""An experiment, not a measurement of the service: how fast could Python import the generated log if the
storage were compact?

``python -m tests.benchmarks.compact_layout FILE DB`` (DB is overwritten). The layout it writes is one row per
event in the log (one more column with a key the event touches, standing in for the reference and timeline rows)
and each projection key's whole history as one packed row: stance facts per (actor, topic), condition and
membership facts, and each stance key's runs of changed stances. Events are decoded and checked, dated and
turned into facts by the service's own code (``inbound.try_decode_event``, ``dates.parse``, the events' fact methods).
Left out, so the figure is a ceiling: corrections (1% of the file), the registry, commitment statuses in the
change runs, evidence. docs/performance.md ("Design conclusions → Import and rebuild") has its results.
Prints events/s and the seconds of each phase.
"""

from __future__ import annotations

import gc
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import msgspec

from events.model import dates
from events.model.catalog import Event, EventCorrected, encode
from events.model.inbound import try_decode_event
from events.tables.log import schema_version


def stance_facts(event: Event) -> list:
    return event.stance_facts()


def condition_facts(event: Event) -> list:
    return event.condition_facts()


def membership_facts(event: Event) -> list:
    return event.membership_facts()


_TABLES = """
CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, occurred TEXT,
  earliest TEXT, latest TEXT, recorded TEXT NOT NULL, schema_version INTEGER, body TEXT NOT NULL, refs TEXT);
CREATE INDEX events_recorded ON events (recorded, position);
CREATE TABLE stance_timelines (actor TEXT, topic TEXT, facts BLOB, PRIMARY KEY (actor, topic)) WITHOUT ROWID;
CREATE TABLE condition_timelines (condition TEXT PRIMARY KEY, facts BLOB) WITHOUT ROWID;
CREATE TABLE membership_timelines (group_id TEXT, member TEXT, facts BLOB,
  PRIMARY KEY (group_id, member)) WITHOUT ROWID;
CREATE TABLE change_runs (actor TEXT, topic TEXT, first_seq INTEGER, changes BLOB,
  PRIMARY KEY (actor, topic, first_seq)) WITHOUT ROWID;
"""
_PROJECTIONS = (("stance_timelines", stance_facts), ("condition_timelines", condition_facts),
                ("membership_timelines", membership_facts))
_RECORDED = "2026-11-22T00:00:00.000000Z"
_INSERT_EVENT = "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_encode = msgspec.json.Encoder().encode


def _open(db: str) -> sqlite3.Connection:
    for suffix in ("", "-wal", "-shm"):
        Path(db + suffix).unlink(missing_ok=True)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.executescript(_TABLES)
    return conn


def _write_projections(conn: sqlite3.Connection, timelines: list[dict[tuple, list]]) -> int:
    """One packed row per key (its facts in effect order), and per stance key its runs of changed stances."""
    seq = 0
    for (table, _), timeline in zip(_PROJECTIONS, timelines):
        packed, runs_of = [], []
        for key in sorted(timeline):
            facts = sorted(timeline[key], key=lambda fact: (fact[0], fact[1]))
            packed.append((*key, _encode(facts)))
            if table == "stance_timelines":
                runs, previous = [], None
                for valid_from, position, values in facts:
                    if values[0] != previous:
                        runs.append((valid_from, previous, values[0], position))
                        previous = values[0]
                runs_of.append((*key, seq + 1, _encode(runs)))
                seq += len(runs)
        if packed:
            conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(packed[0]))})", packed)
        if runs_of:
            conn.executemany("INSERT INTO change_runs VALUES (?, ?, ?, ?)", runs_of)
    return seq


def main(path: Path, db: str) -> None:
    """Import ``path`` into the compact layout in the new file ``db`` and print the timings."""
    gc.disable()  # as the service's bulk appends do (events/store/bulk.py)
    conn = _open(db)
    timers = dict.fromkeys(("decode", "plan", "log", "projections"), 0.0)
    spans: dict[str, tuple[str, str]] = {}
    timelines: list[dict[tuple, list[Any]]] = [{} for _ in _PROJECTIONS]
    rows: list[tuple] = []
    position = skipped = 0
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    with path.open("rb") as lines:
        for line in lines:
            t0 = time.perf_counter()
            event = try_decode_event(line)
            t1 = time.perf_counter()
            timers["decode"] += t1 - t0
            if event is None or isinstance(event, EventCorrected):
                skipped += 1
                continue
            position += 1
            span = spans.get(event.occurred)
            if span is None:
                parsed = dates.parse(event.occurred)
                span = spans[event.occurred] = (parsed.earliest.isoformat(), parsed.latest.isoformat())
            refs = None
            for (_, derive), timeline in zip(_PROJECTIONS, timelines):
                for key, values in derive(event):
                    timeline.setdefault(key, []).append((span[0], position, values))
                    refs = key
            rows.append((position, event.id, event.type, event.occurred, *span, _RECORDED, schema_version(event),
                         encode(event).decode(), None if refs is None else "|".join(refs)))
            t2 = time.perf_counter()
            timers["plan"] += t2 - t1
            if len(rows) == 10_000:
                conn.executemany(_INSERT_EVENT, rows)
                rows.clear()
                timers["log"] += time.perf_counter() - t2
    t2 = time.perf_counter()
    conn.executemany(_INSERT_EVENT, rows)
    t3 = time.perf_counter()
    timers["log"] += t3 - t2
    changes = _write_projections(conn, timelines)
    conn.execute("COMMIT")  # the durable commit of everything: counted with the projections
    timers["projections"] = time.perf_counter() - t3
    total = time.perf_counter() - started
    print(f"{position:,} events ({skipped:,} lines skipped: corrections or invalid) in {total:.1f} s = "
          f"{position / total:,.0f} events/s; " + ", ".join(f"{k} {v:.1f} s" for k, v in timers.items())
          + f"; stance keys {len(timelines[0]):,}, change runs' records {changes:,}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m tests.benchmarks.compact_layout FILE DB")
    main(Path(sys.argv[1]), sys.argv[2])
