"""The JSON documents the service answers with, as msgspec Structs.

The HTTP API returns these (so ``/schema`` describes the real shapes) and the CLI's
``--json`` output prints the same ones. Answers of the core (``events.model.views``) are
reused as they are; this module only adds the envelopes around them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, TypeAlias, Union

import msgspec
from msgspec import Meta

from events import EVENT_TYPES, AppendResult, StoredEvent
from events.model.views import (
    ActorView,
    Change,
    ConditionView,
    Interval,
    Member,
    PeriodCount,
    StanceView,
    Transition,
)

__all__ = [
    "ActorDocument", "ActorList", "ActorStances", "ActorSummary", "AppendResult", "ChangesPage", "ConditionList",
    "DiffDocument", "EventsPage", "Health", "History", "Problem", "ProblemField", "STORED_EVENT_TYPES", "StanceMatrix",
    "StoredEventDocument", "TimelineCounts", "stored_event_document",
]

Day = Annotated[str, Meta(description="a day, YYYY-MM-DD", examples=["2026-01-07"])]
Instant = Annotated[str, Meta(description="an RFC 3339 instant", examples=["2026-01-07T12:00:00Z"])]


class ProblemField(msgspec.Struct, frozen=True):
    """One bad field: where it is (a JSON path into the body, or a parameter or header name) and what is wrong."""

    pointer: str
    message: str


class Problem(msgspec.Struct, frozen=True):
    """An error, as RFC 9457 problem details (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemField] = []


# ---------------------------------------------------------------------------
# Events as stored: every event type plus the position and recorded instant the store gave it


def _stored_type(tag: str, cls: type) -> type[msgspec.Struct]:
    stored = msgspec.defstruct(
        f"Stored{cls.__name__}",
        [("position", Annotated[int, Meta(ge=1)]), ("recorded", Instant)],
        bases=(cls,),
        tag=tag,
        kw_only=True,
        frozen=True,
        omit_defaults=True,
        module=__name__,
    )
    stored.__doc__ = f"{(cls.__doc__ or tag).strip()} (as stored: with its log position and recorded instant)"
    return stored


#: Event type tag -> the Struct of that event as stored.
STORED_EVENT_TYPES: dict[str, type[msgspec.Struct]] = {tag: _stored_type(tag, cls) for tag, cls in EVENT_TYPES.items()}
if TYPE_CHECKING:
    # The stored classes are made at run time (one per event type): to a type checker, a Struct.
    StoredEventDocument: TypeAlias = msgspec.Struct
else:
    StoredEventDocument = Union[tuple(STORED_EVENT_TYPES.values())]  # noqa: UP007 - built at run time


def stored_event_document(stored: StoredEvent) -> msgspec.Struct:
    """An event as ``GET /events`` and ``commitments export`` show it: its fields plus position and recorded."""
    cls = STORED_EVENT_TYPES[stored.event.type]
    return cls(**msgspec.structs.asdict(stored.event), position=stored.position, recorded=stored.recorded)


class EventsPage(msgspec.Struct, frozen=True):
    """A page of the log in position order; ask again with ``after=next_after`` for the next page."""

    events: list[StoredEventDocument]
    next_after: int


# ---------------------------------------------------------------------------
# Actors and stances


class ActorSummary(msgspec.Struct, frozen=True):
    """A registered actor."""

    id: str
    name: str
    kind: str
    aliases: list[str] = []


class ActorList(msgspec.Struct, frozen=True):
    """Every registered actor, ordered by id."""

    actors: list[ActorSummary]
    known_at: Instant | None = None


class ActorDocument(msgspec.Struct, frozen=True):
    """One actor; coalitions and organisations list their members on ``at``."""

    id: str
    name: str
    kind: str
    aliases: list[str]
    members: list[Member] | None
    at: Day
    known_at: Instant | None


class ActorStances(msgspec.Struct, frozen=True):
    """One actor's stances on ``at`` (as the log stood at ``known_at``, if given)."""

    actor: str
    at: Day
    known_at: Instant | None
    stances: list[StanceView]


class StanceMatrix(msgspec.Struct, frozen=True):
    """Every actor's stance on every topic on ``at``: one row per (actor, topic)."""

    at: Day
    known_at: Instant | None
    rows: list[StanceView]


class ConditionList(msgspec.Struct, frozen=True):
    """Conditions declared by ``at``, their status that day and the commitments that depend on them."""

    at: Day
    known_at: Instant | None
    conditions: list[ConditionView]


class DiffDocument(msgspec.Struct, frozen=True):
    """Stance and commitment-status changes taking effect after ``from`` up to and including ``to``."""

    from_: Day = msgspec.field(name="from")
    to: Day
    known_at: Instant | None
    changes: list[Transition]


class History(msgspec.Struct, frozen=True):
    """Every validity interval of one actor's stance on one topic, with the evidence for each."""

    actor: str
    topic: str
    known_at: Instant | None
    intervals: list[Interval]


class ChangesPage(msgspec.Struct, frozen=True):
    """Stance-change records in sequence order; ask again with ``after=next_after`` for more."""

    changes: list[Change]
    next_after: int


class TimelineCounts(msgspec.Struct, frozen=True):
    """How many timeline events fall in each period (periods without events left out), and their total: the
    density of a selection without its events."""

    group: str
    counts: list[PeriodCount]
    total: int


class Health(msgspec.Struct, frozen=True):
    """The service is up and its log can be read."""

    status: str
    last_position: int
    last_change: int


def actor_document(view: ActorView, at: str, known_at: str | None) -> ActorDocument:
    """Wrap the core's actor answer with the dates it answers for."""
    return ActorDocument(view.id, view.name, view.kind, view.aliases, view.members, at, known_at)
