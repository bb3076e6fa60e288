"""The timeline projection: one row per dated event worth showing, in date order."""

from __future__ import annotations

from typing import Any

import msgspec

from events import dates
from events.catalog import (
    ActorRegistered,
    ClaimDisputed,
    ClaimMade,
    ConditionChanged,
    ConditionDeclared,
    DeclarationSigned,
    Event,
    EventCorrected,
    GroupFounded,
    GroupJoined,
    GroupLeft,
    MeetingHeld,
    StanceStated,
    StrikeReported,
    TopicDefined,
    WarningIssued,
)

#: Bookkeeping events that define vocabulary rather than tell the story.
HIDDEN = (ActorRegistered, TopicDefined, EventCorrected)
_json = msgspec.json.Encoder()


def headline(event: Event) -> str:
    """A short title for the event, built from its fields."""
    if isinstance(event, (MeetingHeld, DeclarationSigned)):
        return event.title
    if isinstance(event, StanceStated):
        return f"{event.actor}: {event.stance} on {event.topic}"
    if isinstance(event, WarningIssued):
        return f"{event.actor} warns " + (", ".join(event.targets) or "others")
    if isinstance(event, StrikeReported):
        what = event.weapon or "strike"
        return f"{event.actor}: {what} strike" + (f" on {event.place}" if event.place else "")
    if isinstance(event, GroupFounded):
        return f"{event.group} founded by " + ", ".join(event.founders)
    if isinstance(event, GroupJoined):
        return f"{event.member} joins {event.group}"
    if isinstance(event, GroupLeft):
        return f"{event.member} leaves {event.group}"
    if isinstance(event, ClaimMade):
        return f"{event.actor} claims: {event.statement or event.claim}"
    if isinstance(event, ClaimDisputed):
        return f"{event.actor} disputes claim {event.claim}"
    if isinstance(event, ConditionDeclared):
        return f"Condition declared: {event.description}"
    if isinstance(event, ConditionChanged):
        return f"Condition {event.condition} is now {event.status}"
    return event.summary[:120]


def _names(event: Event) -> tuple[list[str], list[str]]:
    actors, topics = [], []
    for kind, ident, _field in event.references():
        if kind == "actor" and ident not in actors:
            actors.append(ident)
        elif kind == "topic" and ident not in topics:
            topics.append(ident)
    return actors, topics


def row(event: Event, position: int) -> tuple | None:
    """The event's timeline row, or None for bookkeeping events."""
    if isinstance(event, HIDDEN):
        return None
    date = dates.parse(event.occurred)
    actors, topics = _names(event)
    return (event.id, position, event.type, date.text, date.earliest.isoformat(), date.latest.isoformat(),
            date.precision, date.qualifier, headline(event), _json.encode(actors).decode(),
            _json.encode(topics).decode())


def put_rows(tx: Any, rows: list[tuple]) -> None:
    """Insert or replace timeline rows (a corrected version replaces the original)."""
    if not rows:
        return
    tx.executemany(
        "INSERT INTO timeline (event_id, position, type, date_text, earliest, latest, precision, qualifier, headline,"
        " actors, topics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET"
        " type = excluded.type, date_text = excluded.date_text, earliest = excluded.earliest,"
        " latest = excluded.latest, precision = excluded.precision, qualifier = excluded.qualifier,"
        " headline = excluded.headline, actors = excluded.actors, topics = excluded.topics",
        rows,
    )


def remove(tx: Any, event_id: str) -> None:
    """Drop a retracted event from the timeline."""
    tx.execute("DELETE FROM timeline WHERE event_id = ?", (event_id,))
