"""The answers the HTTP API and the CLI both give.

Each function reads the core's queries in one snapshot (``store.reading()``) and wraps
the result in a document of :mod:`service.documents`; parameters arrive already parsed
(days as ``datetime.date``, instants as aware ``datetime``). Nothing here knows HTTP.
"""

from __future__ import annotations

import datetime as dt

from events import EventStore, InvalidDate, queries
from events.model.clock import format_instant
from events.model.errors import FieldError
from events.tables.tx import Tx
from service import formats
from service.documents import (
    ActorDocument,
    ActorList,
    ActorStances,
    ActorSummary,
    ConditionList,
    DiffDocument,
    EventsPage,
    Health,
    History,
    StanceMatrix,
    TimelineCounts,
    actor_document,
    stored_event_document,
)


def _instant(known_at: dt.datetime | None) -> str | None:
    return None if known_at is None else format_instant(known_at)


def _check_range(start: dt.date, end: dt.date) -> None:
    if end < start:
        message = f"'to' ({end}) is before 'from' ({start}); swap them"
        error = InvalidDate(end.isoformat(), message)
        error.errors = [FieldError("to", message)]
        raise error


def events_page(
    store: EventStore,
    *,
    after: int = 0,
    limit: int = 100,
    type: str | None = None,
    actor: str | None = None,
    topic: str | None = None,
) -> EventsPage:
    """Events after position ``after`` in log order, filtered by type or by an actor or topic they name."""
    stored = store.read(after=after, limit=limit, type=type, actor=actor, topic=topic)
    next_after = stored[-1].position if stored else after
    return EventsPage(events=[stored_event_document(s) for s in stored], next_after=next_after)


def event(store: EventStore, event_id: str):
    """One event with its position and recorded instant; raises NotFound."""
    return stored_event_document(store.get(event_id))


def actor_list(store: EventStore, known_at: dt.datetime | None = None) -> ActorList:
    """Every registered actor (as the log stood at ``known_at``)."""
    with store.reading() as tx:
        views = queries.actors(tx, known_at)
    return ActorList([ActorSummary(v.id, v.name, v.kind, v.aliases) for v in views], _instant(known_at))


def actor(store: EventStore, actor_id: str, at: dt.date, known_at: dt.datetime | None = None) -> ActorDocument:
    """One actor with its members on ``at``; raises NotFound."""
    with store.reading() as tx:
        view = queries.actor(tx, actor_id, at, known_at)
    return actor_document(view, at.isoformat(), _instant(known_at))


def actor_stances(
    store: EventStore, actor_id: str, at: dt.date, known_at: dt.datetime | None = None, topic: str | None = None
) -> ActorStances:
    """One actor's stances on ``at``; raises NotFound for an actor the log does not know (at ``known_at``)."""
    with store.reading() as tx:
        queries.actor(tx, actor_id, at, known_at, with_members=False)  # NotFound for an unknown actor
        found = queries.stances(tx, at, actor=actor_id, topic=topic, known_at=known_at)
    return ActorStances(actor_id, at.isoformat(), _instant(known_at), found)


def matrix(
    store: EventStore,
    at: dt.date,
    known_at: dt.datetime | None = None,
    actor: str | None = None,
    topic: str | None = None,
    disputed: bool | None = None,
) -> StanceMatrix:
    """Every (actor, topic) stance in effect on ``at`` (``disputed``: only disputed ones, or only undisputed)."""
    with store.reading() as tx:
        rows = queries.stances(tx, at, actor=actor, topic=topic, known_at=known_at, disputed=disputed)
    return StanceMatrix(at.isoformat(), _instant(known_at), rows)


def conditions(
    store: EventStore, at: dt.date, known_at: dt.datetime | None = None, status: str | None = None
) -> ConditionList:
    """Conditions declared by ``at`` with their status that day and their dependents."""
    with store.reading() as tx:
        found = queries.conditions(tx, at, status=status, known_at=known_at)
    return ConditionList(at.isoformat(), _instant(known_at), found)


def diff(
    store: EventStore,
    start: dt.date,
    end: dt.date,
    known_at: dt.datetime | None = None,
    actor: str | None = None,
    topic: str | None = None,
) -> DiffDocument:
    """Stance changes taking effect after ``start`` up to and including ``end``; ``end`` may not precede ``start``."""
    _check_range(start, end)
    with store.reading() as tx:
        found = queries.diff(tx, start, end, known_at=known_at, actor=actor, topic=topic)
    return DiffDocument(start.isoformat(), end.isoformat(), _instant(known_at), found)


def history(store: EventStore, actor_id: str, topic: str, known_at: dt.datetime | None = None) -> History:
    """Every validity interval of one stance; raises NotFound for an unknown actor."""
    with store.reading() as tx:
        queries.actor(tx, actor_id, dt.date.max, known_at)
        intervals = queries.history(tx, actor_id, topic, known_at=known_at)
    return History(actor_id, topic, _instant(known_at), intervals)


#: The most (actor, topic) pairs whose stance ranges one vis-timeline answer draws: a selection of more (a whole
#: log of 200 actors and 40 topics) gets its events only, and says so (``stances_left_out``).
MAX_STANCE_KEYS = 400


def timeline(
    store: EventStore,
    fmt: str,
    *,
    today: dt.date,
    start: dt.date | None = None,
    end: dt.date | None = None,
    actor: str | None = None,
    topic: str | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> formats.AnyTimeline:
    """The timeline between ``start`` and ``end`` rendered in ``fmt`` (native, timelinejs or vis): at most
    ``limit`` events after the cursor ``after``, with the cursor of the next page when more follow."""
    if start is not None and end is not None:
        _check_range(start, end)
    with store.reading() as tx:
        page = queries.timeline_page(tx, start=start, end=end, actor=actor, topic=topic, after=after, limit=limit)
        entries, cursor = page.entries, page.next_cursor
        if fmt != "vis":
            if fmt == "timelinejs":
                return formats.timelinejs(entries, next_cursor=cursor)
            return formats.native(entries, cursor)
        # The stance ranges come with the first page only, and only for a selection small enough to draw.
        keys = [] if after is not None else _drawable_stance_keys(tx, actor, topic)
        intervals = {key: queries.history(tx, *key) for key in keys or ()}
        names = {view.id: view.name for view in queries.actors(tx)}
    return formats.vis(entries, intervals, names, today=today, start=start, end=end, next_cursor=cursor,
                       stances_left_out=keys is None or after is not None)


def _drawable_stance_keys(tx: Tx, actor: str | None, topic: str | None) -> list[tuple[str, str]] | None:
    """The selection's (actor, topic) pairs, or None when there are more than MAX_STANCE_KEYS."""
    if actor is None and topic is None and queries.current_stance_count(tx) > MAX_STANCE_KEYS:
        return None
    keys = queries.stance_keys(tx, actor=actor, topic=topic)
    return keys if len(keys) <= MAX_STANCE_KEYS else None


def timeline_counts(
    store: EventStore,
    period: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    actor: str | None = None,
    topic: str | None = None,
) -> TimelineCounts:
    """How many timeline events fall in each ``period`` (year, month or day) of the selection."""
    if start is not None and end is not None:
        _check_range(start, end)
    with store.reading() as tx:
        counts = queries.timeline_counts(tx, period, start=start, end=end, actor=actor, topic=topic)
    return TimelineCounts(period, counts, sum(c.count for c in counts))


def health(store: EventStore) -> Health:
    """Reads of the log's end and the change feed's end: proves the database answers."""
    with store.reading() as tx:
        last_change = queries.last_change(tx)
    return Health("ok", store.last_position(), last_change)
