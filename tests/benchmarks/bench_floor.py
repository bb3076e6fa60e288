"""Measurement 7: the floor on this machine — what plain ``sqlite3`` does with the same rows.

* insert: ``executemany`` of the events' rows (position, id, type, occurred, earliest,
  latest, recorded, schema_version, body) in position order into a table with the same
  primary key and unique id index, WAL, ``synchronous=FULL``, one transaction per 10k rows;
* scan: read every body back in position order and decode it with msgspec;
* commit: one row per durable transaction (the floor of a single-event append);
* schema: ``executemany`` of every row an import wrote (the log, its references and every
  projection, change records included) into a fresh file with the same tables and indexes,
  in each table's stored order. It is what SQLite alone costs for this schema, with all of
  the service's Python work taken away, so it bounds what any import into it can reach;
  the same copy's projection tables alone bound a rebuild (which writes only those).

No projection, no validation: every service figure is shown as a fraction of these.
"""

from __future__ import annotations

import sqlite3
import time

import msgspec

from events.tables.schema import PROJECTIONS
from tests.benchmarks.backends import SQLITE, Database, fresh
from tests.benchmarks.common import Deadline, Figure, log, median, repeat
from tests.benchmarks.datasets import lines

TRANSACTION_ROWS = 10_000
_ENVELOPE = msgspec.json.Decoder(dict)
_SCHEMA = """
CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL, occurred TEXT NOT NULL,
                     earliest TEXT NOT NULL, latest TEXT NOT NULL, recorded TEXT NOT NULL,
                     schema_version INTEGER NOT NULL, body TEXT NOT NULL);
CREATE UNIQUE INDEX idx_events_id ON events (id);
"""


def _bounds(occurred: str) -> tuple[str, str]:
    """The first and last day an ``occurred`` value (YYYY, YYYY-MM or YYYY-MM-DD) can mean, as the store keeps."""
    if len(occurred) == 4:
        return f"{occurred}-01-01", f"{occurred}-12-31"
    if len(occurred) == 7:
        return f"{occurred}-01", f"{occurred}-28"  # the exact month end does not change the cost
    return occurred, occurred


def rows(size: int) -> list[tuple]:
    """The rows the store would write for the dataset (built before timing: the floor is the database work)."""
    recorded = "2026-01-01T00:00:00.000000Z"
    out = []
    for position, line in enumerate(lines(size), start=1):
        event = _ENVELOPE.decode(line)
        earliest, latest = _bounds(event["occurred"])
        out.append((position, event["id"], event["type"], event["occurred"], earliest, latest, recorded, 1,
                    line.decode()))
    return out


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def _insert(path: str, data: list[tuple]) -> float:
    conn = _connect(path)
    conn.executescript(_SCHEMA)
    start = time.perf_counter()
    for first in range(0, len(data), TRANSACTION_ROWS):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", data[first:first + TRANSACTION_ROWS])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def _scan(path: str) -> tuple[float, int]:
    conn = _connect(path)
    decode = msgspec.json.decode
    start = time.perf_counter()
    count = 0
    for (body,) in conn.execute("SELECT body FROM events ORDER BY position"):
        decode(body)
        count += 1
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed, count


def _single_commits(path: str, count: int, seconds: float) -> float:
    """Durable one-row transactions per second (bounded in count and time)."""
    conn = _connect(path)
    body = '{"type":"stance.stated"}' + " " * 300  # about the size of a real event body
    first = conn.execute("SELECT max(position) FROM events").fetchone()[0] + 1
    deadline = Deadline(seconds)
    done = 0
    while done < count and not deadline.passed():
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO events VALUES (?, ?, 'stance.stated', '2026-01-01', '2026-01-01', '2026-01-01',"
                     " '2026-01-01T00:00:00Z', 1, ?)", (first + done, f"single-{done}", body))
        conn.execute("COMMIT")
        done += 1
    elapsed = deadline.elapsed()
    conn.close()
    return done / elapsed


def measure(size: int, runs: int, budget: float, *, single_count: int = 5000, single_seconds: float = 5.0
            ) -> list[Figure]:
    """Insert, scan and single-commit floors at ``size`` events (median of ``runs``, fresh file per run)."""
    data = rows(size)
    inserts: list[float] = []
    scans: list[float] = []
    singles: list[float] = []

    def once(index: int) -> float:
        database = fresh(SQLITE, f"floor_{size}")
        try:
            inserted = _insert(str(database.path), data)
            scanned, count = _scan(str(database.path))
            if count != size:
                raise RuntimeError(f"the floor scan read {count} rows, expected {size}")
            inserts.append(size / inserted)
            scans.append(size / scanned)
            singles.append(_single_commits(str(database.path), single_count, single_seconds))
        finally:
            database.drop()
        log(f"floor {size:,}: insert {inserts[-1]:,.0f}/s, scan {scans[-1]:,.0f}/s, "
            f"single commits {singles[-1]:,.0f}/s")
        return inserts[-1]

    _, note = repeat(runs, budget, once)
    common = {"backend": "sqlite3", "size": size, "runs": len(inserts), "note": note}
    return [
        Figure("floor_insert", "floor: sqlite3 executemany, 10k rows/tx", median(inserts), "events/s",
               samples=inserts, **common),
        Figure("floor_scan", "floor: sqlite3 scan + msgspec decode", median(scans), "events/s", samples=scans,
               **common),
        Figure("floor_commit", "floor: sqlite3 1 row per durable tx", median(singles), "tx/s", samples=singles,
               **common),
    ]


def _copy_schema(source: sqlite3.Connection, target: sqlite3.Connection) -> list[str]:
    """Create the source's tables, then its indexes, in ``target``; returns the tables holding rows."""
    objects = source.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
        " ORDER BY type = 'index', rowid").fetchall()
    for _, _, sql in objects:
        target.execute(sql)
    tables = [name for kind, name, _ in objects if kind == "table"]
    return [name for name in tables if source.execute(f"SELECT 1 FROM {name} LIMIT 1").fetchone()]


def _insert_rows_of(source: sqlite3.Connection, target: sqlite3.Connection, tables: list[str]
                    ) -> dict[str, tuple[int, float]]:
    """Copy every row of ``tables``, 10k rows per durable transaction; (rows, seconds of inserting) per table."""
    copied: dict[str, tuple[int, float]] = {}
    for table in tables:
        columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
        insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        cursor = source.execute(f"SELECT {', '.join(columns)} FROM {table}")
        rows, elapsed = 0, 0.0
        while chunk := cursor.fetchmany(TRANSACTION_ROWS):
            start = time.perf_counter()
            target.execute("BEGIN IMMEDIATE")
            target.executemany(insert, chunk)
            target.execute("COMMIT")
            elapsed += time.perf_counter() - start
            rows += len(chunk)
        copied[table] = (rows, elapsed)
    return copied


def measure_schema(database: Database, size: int, runs: int, budget: float) -> list[Figure]:
    """The schema floor at ``size`` events: the rows the import wrote into ``database``, copied by plain sqlite3
    into a fresh file with the same schema (median of ``runs``, fresh file per run)."""
    rates: list[float] = []
    projection_rates: list[float] = []
    projections = {table.name for table in PROJECTIONS}
    tables: dict[str, dict[str, float]] = {}

    def once(index: int) -> float:
        target_db = fresh(SQLITE, f"floor_schema_{size}")
        source = sqlite3.connect(f"file:{database.path}?mode=ro", uri=True)
        target = _connect(str(target_db.path))
        try:
            copied = _insert_rows_of(source, target, _copy_schema(source, target))
        finally:
            source.close()
            target.close()
            target_db.drop()
        elapsed = sum(seconds for _, seconds in copied.values())
        for table, (rows, seconds) in copied.items():
            tables.setdefault(table, {"rows": rows, "seconds": []})["seconds"].append(seconds)
        rates.append(size / elapsed)
        projection_rates.append(size / sum(seconds for table, (_, seconds) in copied.items() if table in projections))
        slowest = ", ".join(f"{table} {seconds:.1f} s" for table, (_, seconds) in
                            sorted(copied.items(), key=lambda item: -item[1][1])[:4])
        log(f"floor {size:,}: the import's {sum(rows for rows, _ in copied.values()):,} rows in {len(copied)} "
            f"tables copied in {elapsed:.2f} s ({rates[-1]:,.0f} events/s; {slowest})")
        return rates[-1]

    _, note = repeat(runs, budget, once)
    rows = sum(int(table["rows"]) for table in tables.values())
    by_table = {name: {"rows": table["rows"], "seconds": median(table["seconds"])} for name, table in tables.items()}
    projection_rows = sum(int(table["rows"]) for name, table in tables.items() if name in projections)
    common = {"backend": "sqlite3", "size": size, "runs": len(rates), "note": note}
    return [
        Figure("floor_schema", "floor: sqlite3 executemany of every row the import wrote", median(rates), "events/s",
               samples=rates, extra={"rows": rows, "rows_per_event": rows / size, "tables": by_table}, **common),
        Figure("floor_schema_projections", "floor: the same, projection tables only (what rebuild writes)",
               median(projection_rates), "events/s", samples=projection_rates,
               extra={"rows": projection_rows, "rows_per_event": projection_rows / size}, **common),
    ]
