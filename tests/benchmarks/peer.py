"""The equal-work peer: the benchmark's log kept by an ``eventsourcing`` 9.5 application with bitemporal projections.

What it stores and derives, so that its import and rebuild do comparable work to ours:

* **The log.** Every event of the file is one stored event, in file order, so that a notification id is
  the event's log position. An event is the creation of a ``Report`` aggregate (its id derived from the
  event's id, so a repeated id fails on the store's primary key), except ``event.corrected``, which is a
  ``Corrected`` event of the report it corrects (read back from the repository when an earlier save holds it).
  SQLite, WAL, ``synchronous=FULL`` (SQLite's default, which the recorder keeps), ``PAGE`` events per save.
* **The projection.** A process that reads the notification log in pages of ``PAGE`` and keeps, in a file
  of its own (WAL, ``synchronous=FULL``, one transaction per page with its tracking position), the bitemporal
  stance rows (per actor and topic) and condition rows (per condition): ``valid_from``/``valid_to``,
  ``created_pos``/``superseded_pos``, rows in effect ordered by (valid_from, its second, the fact's
  position, row id) exactly as ours (docs/as-of.md, "How the tables do it"). A backdated fact cuts the row
  before it short; a correction supersedes its report's rows and adds the corrected version's (at the
  original position); a retraction only supersedes. Each fact that changes what its key says on its
  first day writes one change row.
* **As-of answers.** The row of a key in effect on a day as the log stood at a position: one indexed seek.

Dates are read with our EDTF parser (``events.model.dates``), so that both sides order facts by the same days.

It keeps no disputes, registry, timeline, search index or day-by-day change records, which our import
also writes. ``python -m tests.benchmarks.peer import FOLDER FILE`` and ``... rebuild FOLDER`` are the
commands the benchmark times (tests/benchmarks/bench_peer.py).
"""

from __future__ import annotations

import functools
import json
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, event

from events.model import dates

#: Events per save, and notifications per projection page (and transaction).
PAGE = 10_000
EVENTS_FILE = "events.db"
PROJECTION_FILE = "projections.db"
_NAMESPACE = uuid.UUID("6c6f6731-7065-6572-0000-000000000000")


class Report(Aggregate):
    """One event of the log (any type but a correction), with the corrections made to it since."""

    @staticmethod
    def create_id(body: dict[str, Any]) -> uuid.UUID:
        """The aggregate id of an event id: a repeated event id is refused by the store's primary key."""
        return report_id(body["id"])

    @event("Stated")
    def __init__(self, body: dict[str, Any]):
        self.body = body
        self.retracted = False

    @event("Corrected")
    def correct(self, correction: dict[str, Any]) -> None:
        """Merge a correction's replacement over the current version, or retract the report."""
        if correction.get("retracted"):
            self.retracted = True
        else:
            self.body = {**self.body, **correction["replacement"]}


def report_id(event_id: str) -> uuid.UUID:
    """The aggregate id of the report of ``event_id``."""
    return uuid.uuid5(_NAMESPACE, event_id)


class PeerApplication(Application[uuid.UUID]):
    """The peer's event-sourced application: reports in an SQLite file, and its notification log."""


def open_application(folder: Path) -> PeerApplication:
    """The application on ``folder/events.db`` (created if missing)."""
    return PeerApplication(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                "SQLITE_DBNAME": str(folder / EVENTS_FILE)})


def append(app: PeerApplication, lines: Iterable[bytes]) -> int:
    """Store every line as one event, in order, ``PAGE`` events per save; returns the number stored."""
    decode = msgspec.json.decode
    batch: list[Any] = []
    unsaved: dict[str, Report] = {}  # reports created or corrected since the last save, by event id
    count = 0
    for line in lines:
        body = decode(line)
        if body["type"] == "event.corrected":
            target = body["corrects"]
            report = unsaved.get(target)
            if report is None:
                try:
                    report = app.repository.get(report_id(target))
                except AggregateNotFoundError:
                    raise ValueError(f"event {body['id']} corrects an unknown event {target!r}") from None
                unsaved[target] = report
            if report.retracted:
                raise ValueError(f"event {body['id']} corrects the retracted event {target!r}")
            report.correct(body)
        else:
            report = unsaved[body["id"]] = Report(body)
        batch.extend(report.collect_events())  # in file order, whichever report each belongs to
        count += 1
        if len(batch) >= PAGE:
            app.save(*batch)
            batch.clear()
            unsaved.clear()
    if batch:
        app.save(*batch)
    return count


@dataclass(frozen=True)
class FactTable:
    """One bitemporal table of the projection: its key columns and value columns (the first one is what a
    change row compares)."""

    name: str
    key: tuple[str, ...]
    values: tuple[str, ...]

    def create(self, conn: sqlite3.Connection) -> None:
        """The table, its index in effect order (carrying what visibility needs) and its index by event."""
        columns = ", ".join(f"{c} TEXT" for c in (*self.key, *self.values))
        conn.execute(
            f"CREATE TABLE {self.name} (row_id INTEGER PRIMARY KEY, {columns}, valid_from TEXT NOT NULL,"
            " valid_second INTEGER NOT NULL, valid_to TEXT, latest TEXT NOT NULL, exact INTEGER NOT NULL,"
            " date_text TEXT NOT NULL, event_id TEXT NOT NULL, correction_id TEXT, fact_position INTEGER NOT NULL,"
            " created_pos INTEGER NOT NULL, superseded_pos INTEGER)")
        conn.execute(f"CREATE INDEX {self.name}_effect ON {self.name} ({', '.join(self.key)}, valid_from,"
                     " valid_second, fact_position, row_id, created_pos, superseded_pos)")
        conn.execute(f"CREATE INDEX {self.name}_event ON {self.name} (event_id)")

    @property
    def _where_key(self) -> str:
        return " AND ".join(f"{c} = ?" for c in self.key)

    @functools.lru_cache(maxsize=16)  # noqa: B019 - the two tables are module constants: nothing is kept alive
    def _neighbour_sql(self, columns: str, length: int, before: bool) -> str:
        """The statement :meth:`_neighbour` runs, built once per shape (it runs twice per fact)."""
        names = ("valid_from", "valid_second", "fact_position", "row_id")[:length]
        sign, direction = ("<=" if length == 3 else "<", "DESC") if before else (">", "ASC")
        ordering = ", ".join(f"{n} {direction}" for n in ("valid_from", "valid_second", "fact_position", "row_id"))
        return (f"SELECT {columns} FROM {self.name} WHERE {self._where_key} AND superseded_pos IS NULL"
                f" AND ({', '.join(names)}) {sign} ({', '.join('?' * length)}) ORDER BY {ordering} LIMIT 1")

    def _neighbour(self, conn: sqlite3.Connection, key: Sequence[str], order: tuple[Any, ...], *,
                   before: bool, columns: str) -> tuple[Any, ...] | None:
        """The current row just before (or after) ``order`` = (valid_from, second, fact position[, row id])."""
        row: tuple[Any, ...] | None = conn.execute(self._neighbour_sql(columns, len(order), before),
                                                   (*key, *order)).fetchone()
        return row

    @functools.cached_property
    def _value_on_sql(self) -> str:
        return (f"SELECT {self.values[0]} FROM {self.name} WHERE {self._where_key} AND superseded_pos IS NULL"
                " AND valid_from <= ? ORDER BY valid_from DESC, valid_second DESC, fact_position DESC, row_id DESC"
                " LIMIT 1")

    def value_on(self, conn: sqlite3.Connection, key: Sequence[str], day: str) -> Any:
        """The first value of the key's current row in effect on ``day`` (None before its first row)."""
        row = conn.execute(self._value_on_sql, (*key, day)).fetchone()
        return None if row is None else row[0]

    @functools.cached_property
    def _insert_sql(self) -> str:
        return (f"INSERT INTO {self.name} ({', '.join(self.key)}, {', '.join(self.values)}, valid_from, valid_second,"
                " valid_to, latest, exact, date_text, event_id, correction_id, fact_position, created_pos)"
                f" VALUES ({', '.join('?' * (len(self.key) + len(self.values) + 10))})")

    @functools.cached_property
    def _as_of_sql(self) -> str:
        return (f"SELECT {', '.join(self.values)}, event_id, correction_id, valid_from FROM {self.name}"
                f" WHERE {self._where_key} AND created_pos <= ? AND (superseded_pos IS NULL OR superseded_pos > ?)"
                " AND valid_from <= ? ORDER BY valid_from DESC, valid_second DESC, fact_position DESC, row_id DESC"
                " LIMIT 1")

    def insert(self, conn: sqlite3.Connection, key: Sequence[str], values: Sequence[Any], when: Date,
               event_id: str, correction_id: str | None, fact_position: int, created_pos: int
               ) -> tuple[Any, Any] | None:
        """Add a current row among the key's rows: the row before it ends where it starts, it ends where the
        next begins. Returns (before, after) of the key's first value on the row's first day if that changed."""
        valid_from, second, latest, exact, text = when
        order = (valid_from, second, fact_position)
        previous = self._neighbour(conn, key, order, before=True, columns=f"row_id, valid_to, {self.values[0]}")
        following = self._neighbour(conn, key, order, before=False, columns="valid_from")
        valid_to = None if following is None else following[0]
        conn.execute(
            self._insert_sql,
            (*key, *values, valid_from, second, valid_to, latest, exact, text, event_id, correction_id,
             fact_position, created_pos))
        if previous is not None and previous[1] != valid_from:
            conn.execute(f"UPDATE {self.name} SET valid_to = ? WHERE row_id = ?", (valid_from, previous[0]))
        if valid_to == valid_from:  # a later fact of the same day wins it: this one is in effect on no day
            return None
        before = None if previous is None else previous[2]
        return None if before == values[0] else (before, values[0])

    def supersede(self, conn: sqlite3.Connection, event_id: str, position: int) -> list[tuple[tuple[str, ...], str]]:
        """End the current rows of ``event_id`` from ``position`` on, relinking the rows before them; returns
        (key, first day) of each."""
        n = len(self.key)
        rows = conn.execute(
            f"SELECT row_id, {', '.join(self.key)}, valid_from, valid_second, fact_position FROM {self.name}"
            " WHERE event_id = ? AND superseded_pos IS NULL", (event_id,)).fetchall()
        ended = []
        for row_id, *rest in rows:
            key, order = tuple(rest[:n]), (*rest[n:], row_id)
            conn.execute(f"UPDATE {self.name} SET superseded_pos = ?, valid_to = NULL WHERE row_id = ?",
                         (position, row_id))
            previous = self._neighbour(conn, key, order, before=True, columns="row_id, valid_to")
            if previous is not None:
                following = self._neighbour(conn, key, order, before=False, columns="valid_from")
                valid_to = None if following is None else following[0]
                if previous[1] != valid_to:
                    conn.execute(f"UPDATE {self.name} SET valid_to = ? WHERE row_id = ?", (valid_to, previous[0]))
            ended.append((key, rest[n]))
        return ended

    def fact_position(self, conn: sqlite3.Connection, event_id: str) -> int | None:
        """The log position of an event that has rows here (any version)."""
        row = conn.execute(f"SELECT fact_position FROM {self.name} WHERE event_id = ? LIMIT 1", (event_id,)).fetchone()
        return None if row is None else int(row[0])

    def as_of(self, conn: sqlite3.Connection, key: Sequence[str], day: str, position: int) -> tuple[Any, ...] | None:
        """(values..., event id, correction id, valid_from) of the key's row in effect on ``day`` as the log
        stood at ``position``, or None."""
        row: tuple[Any, ...] | None = conn.execute(self._as_of_sql, (*key, position, position, day)).fetchone()
        return row

    def current_rows(self, conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
        """Every current row as (key..., values..., valid_from, valid_to, event id, correction id, fact position,
        created position), sorted: what the benchmark compares with our table."""
        return sorted(conn.execute(
            f"SELECT {', '.join(self.key)}, {', '.join(self.values)}, valid_from, valid_to, event_id,"
            f" coalesce(correction_id, ''), fact_position, created_pos FROM {self.name}"
            " WHERE superseded_pos IS NULL").fetchall())


#: (valid_from, second, latest, exact, text) of a date.
Date = tuple[str, int, str, int, str]
STANCES = FactTable("stance_rows", ("actor", "topic"), ("stance", "conditions", "quantity", "period"))
CONDITIONS = FactTable("condition_rows", ("condition",), ("status",))
_compact = json.JSONEncoder(separators=(",", ":")).encode


def facts(body: dict[str, Any]) -> Iterator[tuple[FactTable, tuple[str, ...], tuple[Any, ...]]]:
    """The (table, key, values) facts an event version asserts, in the order ours asserts them."""
    kind = body["type"]
    if kind == "stance.stated":
        quantity = body.get("quantity")
        yield STANCES, (body["actor"], body["topic"]), (
            body["stance"], _compact(body.get("conditions") or []), quantity and _compact(quantity), body.get("period"))
    elif kind == "declaration.signed":
        for provision in body.get("provisions") or ():
            quantity = provision.get("quantity")
            values = (provision["stance"], _compact(provision.get("conditions") or []), quantity and _compact(quantity),
                      None)
            for signatory in body["signatories"]:
                yield STANCES, (signatory, provision["topic"]), values
    elif kind == "condition.declared":
        yield CONDITIONS, (body["condition"],), ("pending",)
    elif kind == "condition.changed":
        yield CONDITIONS, (body["condition"],), (body["status"],)


class Projection:
    """The projection process: catches up with the application's notification log, a page per transaction."""

    def __init__(self, app: PeerApplication, folder: Path):
        self.app = app
        self.conn = sqlite3.connect(folder / PROJECTION_FILE, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self._dates: dict[str, Date] = {}
        if not self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'tracking'").fetchone():
            self._create()

    def _create(self) -> None:
        with self.transaction():
            for table in (STANCES, CONDITIONS):
                table.create(self.conn)
            self.conn.execute("CREATE TABLE changes (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, effective TEXT NOT"
                              " NULL, before TEXT, after TEXT, event_id TEXT NOT NULL, position INTEGER NOT NULL)")
            self.conn.execute("CREATE TABLE tracking (id INTEGER PRIMARY KEY CHECK (id = 1), position INTEGER)")
            self.conn.execute("INSERT INTO tracking VALUES (1, 0)")

    def transaction(self) -> Any:
        """A write transaction on the projection's file (committed on success, rolled back on error)."""
        return _Transaction(self.conn)

    @property
    def position(self) -> int:
        """The last notification projected."""
        return int(self.conn.execute("SELECT position FROM tracking").fetchone()[0])

    def rebuild(self) -> int:
        """Drop the projection's tables and project the whole notification log again; returns events projected."""
        with self.transaction():
            for name in (STANCES.name, CONDITIONS.name, "changes", "tracking"):
                self.conn.execute(f"DROP TABLE {name}")
        self._create()
        return self.catch_up()

    def catch_up(self) -> int:
        """Project every notification after the tracked position, ``PAGE`` at a time; returns how many."""
        done = 0
        while True:
            start = self.position + 1
            page = self.app.recorder.select_notifications(start, PAGE)
            if not page:
                return done
            with self.transaction():
                for notification in page:
                    self.project(notification.id, self.app.mapper.to_domain_event(notification))
                self.conn.execute("UPDATE tracking SET position = ?", (page[-1].id,))
            done += len(page)

    def _date(self, text: str) -> Date:
        found = self._dates.get(text)
        if found is None:
            date = dates.parse(text)
            found = self._dates[text] = (date.earliest.isoformat(), date.second, date.latest.isoformat(),
                                         int(date.exact), text)
        return found

    def project(self, position: int, domain_event: Any) -> None:
        """Apply one stored event at its log position."""
        if isinstance(domain_event, Report.Corrected):
            self._correct(position, domain_event)
            return
        body = domain_event.body
        when = self._date(body["occurred"])
        for table, key, values in facts(body):
            changed = table.insert(self.conn, key, values, when, body["id"], None, position, position)
            if changed is not None:
                self._change(table, key, when[0], changed, body["id"], position)

    def _correct(self, position: int, domain_event: Any) -> None:
        """A correction: supersede the report's rows, add those of its corrected version (at the original
        position), and write a change row per key and day whose value changed."""
        correction = domain_event.correction
        target = correction["corrects"]
        report = self.app.repository.get(domain_event.originator_id, version=domain_event.originator_version)
        original = next((p for t in (STANCES, CONDITIONS) if (p := t.fact_position(self.conn, target)) is not None),
                        None)
        if original is None:  # the report asserts no fact in any version (a meeting, a registration)
            return
        new = [] if report.retracted else list(facts(report.body))
        when = self._date(report.body["occurred"])
        touched = {(table, key, day) for table in (STANCES, CONDITIONS)
                   for key, day in self._current_keys(table, target)}
        touched |= {(table, key, when[0]) for table, key, _ in new}
        before = {spot: spot[0].value_on(self.conn, spot[1], spot[2]) for spot in touched}
        for table in (STANCES, CONDITIONS):
            table.supersede(self.conn, target, position)
        for table, key, values in new:
            table.insert(self.conn, key, values, when, target, correction["id"], original, position)
        for spot in sorted(touched, key=lambda s: (s[0].name, s[1], s[2])):
            after = spot[0].value_on(self.conn, spot[1], spot[2])
            if after != before[spot]:
                self._change(spot[0], spot[1], spot[2], (before[spot], after), correction["id"], position)

    def _current_keys(self, table: FactTable, event_id: str) -> list[tuple[tuple[str, ...], str]]:
        n = len(table.key)
        rows = self.conn.execute(f"SELECT {', '.join(table.key)}, valid_from FROM {table.name}"
                                 " WHERE event_id = ? AND superseded_pos IS NULL", (event_id,)).fetchall()
        return [(tuple(row[:n]), row[n]) for row in rows]

    def _change(self, table: FactTable, key: Sequence[str], day: str, change: tuple[Any, Any], event_id: str,
                position: int) -> None:
        self.conn.execute("INSERT INTO changes (key, effective, before, after, event_id, position)"
                          " VALUES (?, ?, ?, ?, ?, ?)", ("/".join(key), day, *change, event_id, position))

    def stance_as_of(self, actor: str, topic: str, day: str, position: int) -> tuple[Any, ...] | None:
        """(stance, conditions, quantity, period, event id, correction id, valid_from) of (actor, topic) on
        ``day`` as the log stood at ``position``."""
        return STANCES.as_of(self.conn, (actor, topic), day, position)

    def condition_as_of(self, condition: str, day: str, position: int) -> str | None:
        """A condition's status on ``day`` as the log stood at ``position``."""
        row = CONDITIONS.as_of(self.conn, (condition,), day, position)
        return None if row is None else str(row[0])

    def close(self) -> None:
        """Close the projection's connection."""
        self.conn.close()


class _Transaction:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.conn.execute("COMMIT" if kind is None else "ROLLBACK")


class Peer:
    """The application and its projection, on one folder."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.app = open_application(folder)
        self.projection = Projection(self.app, folder)

    def import_lines(self, lines: Iterable[bytes]) -> int:
        """Append every line, then project them: returns the events appended."""
        count = append(self.app, lines)
        self.projection.catch_up()
        return count

    def rows(self) -> dict[str, int]:
        """Rows per table, in both files."""
        counts = {"stored_events": self.app.recorder.max_notification_id() or 0}
        for table in (STANCES.name, CONDITIONS.name, "changes"):
            counts[table] = int(self.projection.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        return counts

    def bytes(self) -> int:
        """The size of both files, with their write-ahead logs if open."""
        return sum(path.stat().st_size for path in self.folder.iterdir() if path.is_file())

    def close(self) -> None:
        """Close the projection and the application."""
        self.projection.close()
        self.app.close()


def _synchronous(app: PeerApplication) -> int:
    """The application's SQLite ``synchronous`` setting (2 = FULL)."""
    with app.recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        cursor.execute("PRAGMA synchronous")
        return int(cursor.fetchone()[0])


def main(argv: list[str]) -> int:
    """``import FOLDER FILE`` or ``rebuild FOLDER``: prints what it did, with the rows and bytes written."""
    command, folder = argv[0], Path(argv[1])
    started = time.perf_counter()
    peer = Peer(folder)
    try:
        if command == "import":
            with open(argv[2], "rb") as handle:
                count = peer.import_lines(line.rstrip(b"\n") for line in handle if line.strip())
            verb = "imported"
        elif command == "rebuild":
            count = peer.projection.rebuild()
            verb = "rebuilt from"
        else:
            raise SystemExit(f"unknown command {command!r}: import FOLDER FILE, or rebuild FOLDER")
        rows, synchronous = peer.rows(), _synchronous(peer.app)
    finally:
        peer.close()
    print(json.dumps({verb: count, "seconds": round(time.perf_counter() - started, 3), "rows": rows,
                      "bytes": peer.bytes(), "synchronous": synchronous}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
