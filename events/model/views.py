"""The shapes of query answers (msgspec Structs, encoded as-is by the HTTP layer and the CLI)."""

from __future__ import annotations

from typing import Any

import msgspec

from events.model.catalog import Quantity, Source
from events.model.dates import Precision


class SourceView(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A source as an answer shows it: the fields of ``events.model.catalog.Source`` without its input constraints.

    Evidence is decoded from rows the projector wrote from checked events, so checking each
    URL against its pattern again would only cost time (about half of decoding it).
    """

    outlet: str
    url: str | None = None
    published: str | None = None
    quote: str | None = None
    file: str | None = None


class Evidence(msgspec.Struct, frozen=True):
    """An event behind an answer, with its sources."""

    event_id: str
    sources: tuple[SourceView, ...] = ()
    summary: str | None = None


class ConditionState(msgspec.Struct, frozen=True):
    """A condition a stance depends on, with its status on the query date."""

    id: str
    status: str


class StanceVersion(msgspec.Struct, frozen=True, gc=False):
    """One competing version of a disputed stance: the fields of a stance answer for that report."""

    stance: str
    status: str | None
    conditions: tuple[ConditionState, ...]
    since: str
    since_text: str
    precision: Precision  # of since_text
    certain: bool
    quantity: Quantity | None
    period: str | None
    evidence: tuple[Evidence, ...]


class StanceView(msgspec.Struct, frozen=True, gc=False):
    """An actor's stance on a topic on one date; when sources disagree, the most cautious version (or the one an
    editor settled on), with the others as ``alternatives``."""

    actor: str
    topic: str
    stance: str
    status: str | None
    # Tuples: answers on one date share them (rows citing one event, keys naming the same conditions).
    conditions: tuple[ConditionState, ...]
    since: str
    since_text: str
    precision: Precision  # of since_text
    certain: bool
    quantity: Quantity | None
    period: str | None
    evidence: tuple[Evidence, ...]
    #: Whether competing reports of this position stand (docs/as-of.md, "Competing reports").
    disputed: bool = False
    #: The other versions still competing, empty unless disputed.
    alternatives: tuple[StanceVersion, ...] = ()


class StanceCell(msgspec.Struct, frozen=True, gc=False):
    """A cell of the stance matrix on one date: what a table of every actor and topic draws, without evidence,
    quantity or period (``StanceView`` has them). Where reports compete, the answer its dispute gives."""

    actor: str
    topic: str
    stance: str
    status: str | None
    conditions: tuple[ConditionState, ...]
    since: str
    since_text: str
    disputed: bool = False
    #: The stances the other competing versions give, empty unless disputed.
    also: tuple[str, ...] = ()


class Member(msgspec.Struct, frozen=True):
    """A member of a group on the query date."""

    id: str
    since: str
    since_text: str
    precision: Precision
    certain: bool


class ActorView(msgspec.Struct, frozen=True):
    """An actor, with the members of a group as of the query date."""

    id: str
    name: str
    kind: str
    aliases: list[str] = []
    members: list[Member] | None = None


class Dependent(msgspec.Struct, frozen=True):
    """A commitment (actor, topic) that waits on a condition."""

    actor: str
    topic: str
    stance: str


class ConditionView(msgspec.Struct, frozen=True):
    """A condition's status on the query date and the commitments depending on it."""

    id: str
    description: str
    kind: str
    status: str
    since: str
    since_text: str
    precision: Precision
    deadline: str | None
    dependents: list[Dependent]
    evidence: tuple[Evidence, ...]
    #: Still pending on the query date although its deadline has passed.
    overdue: bool = False
    #: The first day it was overdue (the day after the deadline's last day), when ``overdue``.
    overdue_since: str | None = None


class StateView(msgspec.Struct, frozen=True):
    """Stance and commitment status at one moment (both null before any stance), and whether it was disputed."""

    stance: str | None
    status: str | None
    disputed: bool = False


class Transition(msgspec.Struct, frozen=True):
    """A stance or commitment-status change taking effect on a date."""

    actor: str
    topic: str
    effective: str
    before: StateView
    after: StateView
    event_id: str | None


class Interval(msgspec.Struct, frozen=True):
    """One validity interval of a stance: [valid_from, valid_to), valid_to null while open."""

    valid_from: str
    valid_to: str | None
    date_text: str
    precision: Precision
    stance: str
    conditions: list[str]
    quantity: Quantity | None
    period: str | None
    evidence: tuple[Evidence, ...]
    disputed: bool = False
    #: The other versions competing during the interval, empty unless disputed.
    alternatives: tuple[StanceVersion, ...] = ()


class Change(msgspec.Struct, frozen=True):
    """A stance-change record from the feed."""

    seq: int
    kind: str
    actor: str | None
    topic: str | None
    effective: str
    before: StateView
    after: StateView
    event_id: str | None
    position: int
    recorded: str
    summary: str | None = None
    sources: tuple[Source, ...] = ()
    detail: dict[str, Any] | None = None


class TimelineEntry(msgspec.Struct, frozen=True):
    """One event on the timeline, with its date text, span and precision."""

    id: str
    type: str
    position: int
    date: str
    earliest: str
    latest: str
    precision: Precision
    qualifier: str | None
    headline: str
    summary: str
    actors: list[str]
    topics: list[str]
    sources: tuple[Source, ...]
    tags: tuple[str, ...] = ()
    #: The name of the key that recorded the event (null: appended on the service's host without a key).
    recorded_by: str | None = None


class TopicHistory(msgspec.Struct, frozen=True):
    """Every validity interval of one actor's stance on one topic (one line of an actor's chart)."""

    topic: str
    intervals: list[Interval]


class CountStep(msgspec.Struct, frozen=True):
    """How many actors hold each stance on a topic from ``date`` until the next step's date (one step of a stacked
    chart): every stance of the scale is a key, in scale order; ``disputed`` counts the positions among them whose
    reports compete."""

    date: str
    counts: dict[str, int]
    total: int
    disputed: int


class TimelinePage(msgspec.Struct, frozen=True):
    """A page of the timeline, and the cursor that resumes after it (None: the selection ends here)."""

    entries: list[TimelineEntry]
    next_cursor: str | None


class PeriodCount(msgspec.Struct, frozen=True):
    """How many timeline events fall in one period (``2026``, ``2026-01`` or ``2026-01-06``)."""

    period: str
    count: int
