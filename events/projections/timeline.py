"""The timeline projection: one row per dated event worth showing, in date order; the actors and topics
each row names (``timeline_refs``, so that a filtered page is cut by the database, not after it); and how many rows
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


def _anchors(tx: Tx, event_ids: list[str]) -> list[str]:
    """The anchors of the rows these events have now (none for an event not on the timeline)."""
    out = []
    for i in range(0, len(event_ids), 500):
        chunk = event_ids[i:i + 500]
        marks = ", ".join("?" * len(chunk))
        out += [anchor(*r) for r in tx.fetchall(f"SELECT earliest, latest FROM timeline WHERE event_id IN ({marks})",
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
    """The event's timeline row, or None for bookkeeping events."""
    if not event.on_timeline:
        return None
    date = dates.parse(event.occurred)
    actors, topics = _names(event)
    wide = int(date.latest - date.earliest > dt.timedelta(days=WIDE_DAYS))
    return (event.id, position, event.type, date.text, date.earliest.isoformat(), date.second,
            date.latest.isoformat(), date.precision, date.qualifier, event.headline(), _json.encode(actors).decode(),
            _json.encode(topics).decode(), wide)


def put_rows(tx: Tx, rows: list[tuple[Any, ...]]) -> None:
    """Insert or replace timeline rows (a corrected version replaces the original), with the names they cite."""
    if not rows:
        return
    before = _anchors(tx, [r[0] for r in rows])
    tx.executemany(
        "INSERT INTO timeline (event_id, position, type, date_text, earliest, second, latest, precision, qualifier,"
        " headline, actors, topics, wide) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (event_id) DO UPDATE SET"
        " type = excluded.type, date_text = excluded.date_text, earliest = excluded.earliest,"
        " second = excluded.second,"
        " latest = excluded.latest, precision = excluded.precision, qualifier = excluded.qualifier,"
        " headline = excluded.headline, actors = excluded.actors, topics = excluded.topics, wide = excluded.wide",
        rows,
    )
    tx.executemany("DELETE FROM timeline_refs WHERE event_id = ?", [(r[0],) for r in rows])
    refs = [(r[0], kind, name) for r in rows
            for kind, names in (("actor", r[10]), ("topic", r[11])) for name in msgspec.json.decode(names)]
    if refs:
        tx.executemany("INSERT INTO timeline_refs (event_id, kind, ref) VALUES (?, ?, ?)", refs)
    _count(tx, before, [anchor(r[4], r[6]) for r in rows])


def remove(tx: Tx, event_id: str) -> None:
    """Drop a retracted event from the timeline."""
    _count(tx, _anchors(tx, [event_id]), [])
    tx.execute("DELETE FROM timeline WHERE event_id = ?", (event_id,))
    tx.execute("DELETE FROM timeline_refs WHERE event_id = ?", (event_id,))
