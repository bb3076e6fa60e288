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
    CountStep,
    Interval,
    Member,
    PeriodCount,
    StanceCell,
    StanceView,
    TopicHistory,
    Transition,
)
from events.preview import Preview

__all__ = [
    "ActorDocument", "ActorHistory", "ActorList", "ActorStances", "ActorSummary", "AppendResult", "ChangesPage",
    "ConditionList", "DiffDocument", "EventsPage", "Health", "History", "PreviewDocument", "Problem", "ProblemField",
    "STORED_EVENT_TYPES", "StanceCells", "StanceCounts", "StanceMatrix", "StoredEventDocument", "TimelineCounts",
    "preview_document",
    "stored_event_document", "SearchDocument", "SearchHitDocument", "search_hit_document", "Facets", "SEARCH_HIT_TYPES",
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
        [("position", Annotated[int, Meta(ge=1)]), ("recorded", Instant),
         ("recorded_by", Annotated[str | None, Meta(description=(
             "the name of the key that recorded it (for an accepted proposal: the reviewer); null for appends "
             "made on the service's host without a key (the seed, an import of lines without it)"))]),
         ("proposed_by", Annotated[str | None, Meta(description=(
             "for an event appended by accepting a proposal: the name of the key that proposed it"))], None)],
        bases=(cls,),
        tag=tag,
        kw_only=True,
        frozen=True,
        omit_defaults=True,
        module=__name__,
    )
    stored.__doc__ = (f"{(cls.__doc__ or tag).strip()} (as stored: with its log position, recorded instant and who"
                      " recorded it)")
    return stored


#: Event type tag -> the Struct of that event as stored.
STORED_EVENT_TYPES: dict[str, type[msgspec.Struct]] = {tag: _stored_type(tag, cls) for tag, cls in EVENT_TYPES.items()}
if TYPE_CHECKING:
    # The stored classes are made at run time (one per event type): to a type checker, a Struct.
    StoredEventDocument: TypeAlias = msgspec.Struct
else:
    StoredEventDocument = Union[tuple(STORED_EVENT_TYPES.values())]  # noqa: UP007 - built at run time


def stored_event_document(stored: StoredEvent) -> msgspec.Struct:
    """An event as ``GET /events`` and ``commitments export`` show it: its fields plus position, recorded and who
    made the append."""
    cls = STORED_EVENT_TYPES[stored.event.type]
    return cls(**msgspec.structs.asdict(stored.event), position=stored.position, recorded=stored.recorded,
               recorded_by=stored.recorded_by, proposed_by=stored.proposed_by)


class PreviewDocument(msgspec.Struct, frozen=True):
    """What an append would do (``POST /events?dry_run=true``): the events it would store with the positions and
    recorded instant they would get, the change records it would write (as ``/changes`` shows them), and the faults
    that would refuse it (``problems``, as the ``errors`` of the append's problem; empty when it would be accepted).
    Nothing was stored."""

    would_append: list[StoredEventDocument]
    changes: list[Change]
    problems: list[ProblemField]


def preview_document(preview: Preview) -> PreviewDocument:
    """A dry run's outcome as ``POST /events?dry_run=true`` answers it."""
    return PreviewDocument(would_append=[stored_event_document(s) for s in preview.would_append],
                           changes=preview.changes,
                           problems=[ProblemField(f.pointer, f.message) for f in preview.problems])


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
    position: int | None = None  # the log position it was read at (as_of_position gives it again)


class StanceMatrix(msgspec.Struct, frozen=True):
    """Every actor's stance on every topic on ``at``: one row per (actor, topic)."""

    at: Day
    known_at: Instant | None
    rows: list[StanceView]
    position: int | None = None  # the log position it was read at (as_of_position gives it again)


class StanceCells(msgspec.Struct, frozen=True):
    """The stance matrix on ``at`` as a table draws it: one cell per (actor, topic), without evidence."""

    at: Day
    known_at: Instant | None
    cells: list[StanceCell]
    position: int | None = None  # the log position it was read at (as_of_position gives it again)


class ConditionList(msgspec.Struct, frozen=True):
    """Conditions declared by ``at``, their status that day and the commitments that depend on them."""

    at: Day
    known_at: Instant | None
    conditions: list[ConditionView]
    position: int | None = None  # the log position it was read at (as_of_position gives it again)


class DiffDocument(msgspec.Struct, frozen=True):
    """Stance and commitment-status changes taking effect after ``from`` up to and including ``to``."""

    from_: Day = msgspec.field(name="from")
    to: Day
    known_at: Instant | None
    changes: list[Transition]
    position: int | None = None  # the log position it was read at (as_of_position gives it again)


class History(msgspec.Struct, frozen=True):
    """Every validity interval of one actor's stance on one topic, with the evidence for each."""

    actor: str
    topic: str
    known_at: Instant | None
    intervals: list[Interval]
    position: int | None = None  # the log position it was read at (as_of_position gives it again)


class ActorHistory(msgspec.Struct, frozen=True):
    """Every validity interval of one actor's stance on each topic it has held one on (the data of its chart)."""

    actor: str
    known_at: Instant | None
    topics: list[TopicHistory]


class StanceCounts(msgspec.Struct, frozen=True):
    """How many actors hold each stance on one topic over time, as steps (the data of its stacked chart):
    ``stances`` is the scale, lowest first, and each step's ``counts`` has one key per stance of it."""

    topic: str
    known_at: Instant | None
    stances: list[str]
    steps: list[CountStep]


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


# ---------------------------------------------------------------------------
# Search


def _hit_type(tag: str, stored: type[msgspec.Struct]) -> type[msgspec.Struct]:
    hit = msgspec.defstruct(
        f"Found{stored.__name__.removeprefix('Stored')}",
        [("snippet", Annotated[str, Meta(description="words around the matches, each match between <mark> and"
                                                     " </mark>; the rest is plain text, not HTML")])],
        bases=(stored,), tag=tag, kw_only=True, frozen=True, omit_defaults=True, module=__name__,
    )
    hit.__doc__ = f"{(stored.__doc__ or tag).strip()} A search hit: with a snippet of its matched words."
    return hit


#: Event type tag -> the Struct of a search hit of that type (the stored event plus ``snippet``).
SEARCH_HIT_TYPES: dict[str, type[msgspec.Struct]] = {tag: _hit_type(tag, cls) for tag, cls in
                                                      STORED_EVENT_TYPES.items()}
if TYPE_CHECKING:
    SearchHitDocument: TypeAlias = msgspec.Struct
else:
    SearchHitDocument = Union[tuple(SEARCH_HIT_TYPES.values())]  # noqa: UP007 - built at run time


def search_hit_document(stored: StoredEvent, snippet: str) -> msgspec.Struct:
    """A search hit: the event as ``GET /events`` shows it, plus its snippet."""
    cls = SEARCH_HIT_TYPES[stored.event.type]
    return cls(**msgspec.structs.asdict(stored.event), position=stored.position, recorded=stored.recorded,
               recorded_by=stored.recorded_by, proposed_by=stored.proposed_by, snippet=snippet)


class Facets(msgspec.Struct, frozen=True):
    """How many of all the matches (not only this page's) fall under each value, most first."""

    type: dict[str, int]
    actor: dict[str, int]
    topic: dict[str, int]
    month: dict[str, int]


class SearchDocument(msgspec.Struct, frozen=True):
    """Events matching ``q``, best first (ties: newest first), read as the log stood at ``position``.

    ``next_cursor`` asks for the next page of the same answer (it keeps ``position``); null on the last page.
    """

    q: str
    position: int
    total: int
    hits: list[SearchHitDocument]
    facets: Facets
    next_cursor: str | None
