"""The timeline projection: one row per dated event worth showing, keyed by its log position, with its dates and
the actors and topics it names (so that a filtered page is cut by the database, not after it); and how many rows
start on each day (``timeline_days``, so that an overview of the whole log reads thousands of rows, not millions)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import msgspec

from events.model import dates
from events.model.catalog import Event
from events.tables.tx import Tx

_json = msgspec.json.Encoder()

#: A row whose date spans more days than this is "wide" (years, decades, open or unknown ends): the few such rows
#: have an index of their own, and every other row starts at most this many days before any day it reaches, so a
#: window's narrow rows are one range of the date index (events/queries.py, timeline).
WIDE_DAYS = 31


def _names(event: Event) -> tuple[list[str], list[str]]:
    actors, topics = [], []
    for kind, ident, _field in event.references():
        if kind == "actor" and ident not in actors:
            actors.append(ident)
        elif kind == "topic" and ident not in topics:
            topics.append(ident)
    return actors, topics


_OPEN_START = dates.OPEN_START.isoformat()


def anchor(earliest: str, latest: str) -> str:
    """The first day a date is known to reach: its earliest day, or its latest when its start is unknown."""
    return latest if earliest == _OPEN_START else earliest


def _anchors(tx: Tx, positions: list[int]) -> list[str]:
    """The anchors of the rows the events at these positions have now (none for an event not on the timeline)."""
    out = []
    for i in range(0, len(positions), 500):
        chunk = positions[i:i + 500]
        marks = ", ".join("?" * len(chunk))
        out += [anchor(*r) for r in tx.fetchall(f"SELECT earliest, latest FROM timeline WHERE position IN ({marks})",
                                                chunk)]
    return out


def _count(tx: Tx, removed: list[str], added: list[str]) -> None:
    """Move the day counts: one less on each removed anchor, one more on each added; a day left at zero goes (as
    a rebuild would never write it)."""
    delta = Counter(added)
    delta.subtract(removed)
    moved = sorted((day, n) for day, n in delta.items() if n)
    if not moved:
        return
    tx.executemany("INSERT INTO timeline_days (day, events) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET"
                   " events = timeline_days.events + excluded.events", moved)
    tx.executemany("DELETE FROM timeline_days WHERE day = ? AND events = 0", [(day,) for day, n in moved if n < 0])


def row(event: Event, position: int) -> tuple[Any, ...] | None:
    """The event's timeline row, or None for bookkeeping events: what places it in date order and what it names.

    Its type, date text, precision, qualifier and headline are not stored: a page reads the version's body anyway
    (for its summary and sources) and derives them from it (``events/queries.py``)."""
    if not event.on_timeline:
        return None
    date = dates.parse(event.occurred)
    actors, topics = _names(event)
    wide = int(date.latest - date.earliest > dt.timedelta(days=WIDE_DAYS))
    return (position, date.earliest.isoformat(), date.second, date.latest.isoformat(), wide,
            _json.encode(actors).decode(), _json.encode(topics).decode())


def put_rows(tx: Tx, rows: list[tuple[Any, ...]]) -> None:
    """Insert or replace timeline rows (a corrected version replaces the original)."""
    if not rows:
        return
    before = _anchors(tx, [r[0] for r in rows])
    tx.executemany(
        "INSERT INTO timeline (position, earliest, second, latest, wide, actors, topics) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (position) DO UPDATE SET earliest = excluded.earliest, second = excluded.second,"
        " latest = excluded.latest, wide = excluded.wide, actors = excluded.actors, topics = excluded.topics",
        rows,
    )
    _count(tx, before, [anchor(r[1], r[3]) for r in rows])


def remove(tx: Tx, position: int) -> None:
    """Drop a retracted event (at ``position``) from the timeline."""
    _count(tx, _anchors(tx, [position]), [])
    tx.execute("DELETE FROM timeline WHERE position = ?", (position,))
