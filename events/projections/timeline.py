"""The timeline projection: one row per dated event worth showing, in date order."""

from __future__ import annotations

from typing import Any

import msgspec

from events.model import dates
from events.model.catalog import Event
from events.tables.tx import Tx

_json = msgspec.json.Encoder()


def _names(event: Event) -> tuple[list[str], list[str]]:
    actors, topics = [], []
    for kind, ident, _field in event.references():
        if kind == "actor" and ident not in actors:
            actors.append(ident)
        elif kind == "topic" and ident not in topics:
            topics.append(ident)
    return actors, topics


def row(event: Event, position: int) -> tuple[Any, ...] | None:
    """The event's timeline row, or None for bookkeeping events."""
    if not event.on_timeline:
        return None
    date = dates.parse(event.occurred)
    actors, topics = _names(event)
    return (event.id, position, event.type, date.text, date.earliest.isoformat(), date.second,
            date.latest.isoformat(), date.precision, date.qualifier, event.headline(), _json.encode(actors).decode(),
            _json.encode(topics).decode())


def put_rows(tx: Tx, rows: list[tuple[Any, ...]]) -> None:
    """Insert or replace timeline rows (a corrected version replaces the original)."""
    if not rows:
        return
    tx.executemany(
        "INSERT INTO timeline (event_id, position, type, date_text, earliest, second, latest, precision, qualifier,"
        " headline, actors, topics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET"
        " type = excluded.type, date_text = excluded.date_text, earliest = excluded.earliest,"
        " second = excluded.second,"
        " latest = excluded.latest, precision = excluded.precision, qualifier = excluded.qualifier,"
        " headline = excluded.headline, actors = excluded.actors, topics = excluded.topics",
        rows,
    )


def remove(tx: Tx, event_id: str) -> None:
    """Drop a retracted event from the timeline."""
    tx.execute("DELETE FROM timeline WHERE event_id = ?", (event_id,))
