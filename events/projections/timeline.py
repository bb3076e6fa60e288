"""The timeline projection: one row per dated event worth showing, keyed by its date order (earliest day, second,
log position), with the actors and topics it names (so that a filtered page is cut by the database, not after it);
and how many rows start on each day (``timeline_days``, so that an overview of the whole log reads thousands of rows,
not millions)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
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
    """The event's timeline row, or None for bookkeeping events: what places it in date order (its key: earliest
    day, second, position) and what it names.

    Its type, date text, precision, qualifier and headline are not stored: a page reads the version's body anyway
    (for its summary and sources) and derives them from it (``events/queries.py``)."""
    if not event.on_timeline:
        return None
    date = dates.parse(event.occurred)
    actors, topics = _names(event)
    wide = int(date.latest - date.earliest > dt.timedelta(days=WIDE_DAYS))
    return (date.earliest.isoformat(), date.second, position, date.latest.isoformat(), wide,
            _json.encode(actors).decode(), _json.encode(topics).decode())


def put_rows(tx: Tx, rows: Iterable[tuple[Any, ...] | None], replaced: Iterable[tuple[Any, ...] | None] = ()) -> None:
    """Delete the ``replaced`` rows (those corrected or retracted events had, where stored) and insert ``rows``
    (None: no row)."""
    removed: list[str] = []
    for old in replaced:
        if old is not None:  # corrections are few: one keyed delete each
            removed += [anchor(*r) for r in tx.fetchall(
                "DELETE FROM timeline WHERE earliest = ? AND second = ? AND position = ? RETURNING earliest, latest",
                old[:3])]
    new = [r for r in rows if r is not None]
    if new:
        tx.executemany("INSERT INTO timeline (earliest, second, position, latest, wide, actors, topics)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?)", new)
    _count(tx, removed, [anchor(r[0], r[3]) for r in new])
