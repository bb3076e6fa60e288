"""The answers the HTTP API and the CLI both give.

Each function reads the core's queries in one snapshot (``store.reading()``) and wraps
the result in a document of :mod:`service.documents`; parameters arrive already parsed
(days as ``datetime.date``, instants as aware ``datetime``). Nothing here knows HTTP.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import msgspec

from events import Event, EventStore, InvalidDate, InvalidEvent, queries, series
from events.model.clock import format_instant
from events.model.errors import FieldError
from events.model.vocabulary import STANCES
from events.preview import Preview, faults_of
from events.preview import preview as dry_run
from events.tables import log
from events.tables.search import Filters
from events.tables.tx import Tx
from service import formats
from service.documents import (
    ActorDocument,
    ActorHistory,
    ActorList,
    ActorStances,
    ActorSummary,
    ConditionList,
    DiffDocument,
    EventsPage,
    Facets,
    Health,
    History,
    PreviewDocument,
    SearchDocument,
    StanceCells,
    StanceCounts,
    StanceMatrix,
    TimelineCounts,
    actor_document,
    preview_document,
    search_hit_document,
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


def preview(store: EventStore, events: Sequence[Event], expected_position: int | None = None) -> PreviewDocument:
    """What appending ``events`` would do, with nothing stored (``POST /events?dry_run=true``)."""
    return preview_document(dry_run(store, events, expected_position=expected_position))


def refused_preview(error: InvalidEvent) -> PreviewDocument:
    """The preview of a batch refused before it reached the log (its decoding found faults)."""
    return preview_document(Preview([], [], faults_of(error)))


def events_page(
    store: EventStore,
    *,
    after: int = 0,
    limit: int = 100,
    type: str | None = None,
    actor: str | None = None,
    topic: str | None = None,
    recorded_by: str | None = None,
) -> EventsPage:
    """Events after position ``after`` in log order, filtered by type, by an actor or topic they name, or by who
    recorded them."""
    stored = store.read(after=after, limit=limit, type=type, actor=actor, topic=topic, recorded_by=recorded_by)
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


def _as_of(tx: Tx, known_at: dt.datetime | None, as_of_position: int | None) -> tuple[queries.AsOf, int]:
    """What the queries are asked as of (None: the log now, their quickest path), and the position that is."""
    position = read_position(tx, known_at, as_of_position)
    return (known_at if as_of_position is None else as_of_position), position


def actor_stances(
    store: EventStore, actor_id: str, at: dt.date, known_at: dt.datetime | None = None, topic: str | None = None,
    as_of_position: int | None = None,
) -> ActorStances:
    """One actor's stances on ``at``; raises NotFound for an actor the log does not know (at ``known_at``)."""
    with store.reading() as tx:
        as_of, position = _as_of(tx, known_at, as_of_position)
        queries.actor(tx, actor_id, at, as_of, with_members=False)  # NotFound for an unknown actor
        found = queries.stances(tx, at, actor=actor_id, topic=topic, known_at=as_of)
    return ActorStances(actor_id, at.isoformat(), _instant(known_at), found, position)


def matrix(
    store: EventStore,
    at: dt.date,
    known_at: dt.datetime | None = None,
    actor: str | None = None,
    topic: str | None = None,
    disputed: bool | None = None,
    as_of_position: int | None = None,
) -> StanceMatrix:
    """Every (actor, topic) stance in effect on ``at`` (``disputed``: only disputed ones, or only undisputed)."""
    with store.reading() as tx:
        as_of, position = _as_of(tx, known_at, as_of_position)
        rows = queries.stances(tx, at, actor=actor, topic=topic, known_at=as_of, disputed=disputed)
    return StanceMatrix(at.isoformat(), _instant(known_at), rows, position)


def matrix_cells(
    store: EventStore,
    at: dt.date,
    known_at: dt.datetime | None = None,
    actors: tuple[str, ...] | None = None,
    topic: str | None = None,
    as_of_position: int | None = None,
) -> StanceCells:
    """The cells of the matrix on ``at`` (of ``actors`` only, when given), without evidence."""
    with store.reading() as tx:
        as_of, position = _as_of(tx, known_at, as_of_position)
        found = queries.cells(tx, at, actors=actors, topic=topic, known_at=as_of)
    return StanceCells(at.isoformat(), _instant(known_at), found, position)


def conditions(
    store: EventStore, at: dt.date, known_at: dt.datetime | None = None, status: str | None = None,
    as_of_position: int | None = None,
) -> ConditionList:
    """Conditions declared by ``at`` with their status that day and their dependents."""
    with store.reading() as tx:
        as_of, position = _as_of(tx, known_at, as_of_position)
        found = queries.conditions(tx, at, status=status, known_at=as_of)
    return ConditionList(at.isoformat(), _instant(known_at), found, position)


def diff(
    store: EventStore,
    start: dt.date,
    end: dt.date,
    known_at: dt.datetime | None = None,
    actor: str | None = None,
    topic: str | None = None,
    as_of_position: int | None = None,
) -> DiffDocument:
    """Stance changes taking effect after ``start`` up to and including ``end``; ``end`` may not precede ``start``."""
    _check_range(start, end)
    with store.reading() as tx:
        as_of, position = _as_of(tx, known_at, as_of_position)
        found = queries.diff(tx, start, end, known_at=as_of, actor=actor, topic=topic)
    return DiffDocument(start.isoformat(), end.isoformat(), _instant(known_at), found, position)


def history(store: EventStore, actor_id: str, topic: str, known_at: dt.datetime | None = None,
            as_of_position: int | None = None) -> History:
    """Every validity interval of one stance; raises NotFound for an unknown actor."""
    with store.reading() as tx:
        as_of, position = _as_of(tx, known_at, as_of_position)
        queries.actor(tx, actor_id, dt.date.max, as_of)
        intervals = queries.history(tx, actor_id, topic, known_at=as_of)
    return History(actor_id, topic, _instant(known_at), intervals, position)


def actor_history(store: EventStore, actor_id: str, known_at: dt.datetime | None = None) -> ActorHistory:
    """Every interval of one actor's stance on each topic; raises NotFound for an unknown actor."""
    with store.reading() as tx:
        topics = series.actor_history(tx, actor_id, known_at=known_at)
    return ActorHistory(actor_id, _instant(known_at), topics)


def stance_counts(store: EventStore, topic: str, known_at: dt.datetime | None = None) -> StanceCounts:
    """How many actors hold each stance on one topic over time; raises NotFound for an unknown topic."""
    with store.reading() as tx:
        steps = series.stance_counts(tx, topic, known_at=known_at)
    return StanceCounts(topic, _instant(known_at), list(STANCES), steps)


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
    known_at: dt.datetime | None = None,
    as_of_position: int | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> formats.AnyTimeline:
    """The timeline between ``start`` and ``end`` rendered in ``fmt`` (native, timelinejs or vis): at most
    ``limit`` events after the cursor ``after``, with the cursor of the next page when more follow; as the log
    stood at ``known_at`` or ``as_of_position`` when given."""
    if start is not None and end is not None:
        _check_range(start, end)
    with store.reading() as tx:
        as_of, position = _as_of(tx, known_at, as_of_position)
        page = queries.timeline_page(tx, start=start, end=end, actor=actor, topic=topic, after=after, limit=limit,
                                     known_at=as_of)
        entries, cursor = page.entries, page.next_cursor
        if fmt != "vis":
            document = (formats.timelinejs(entries, next_cursor=cursor) if fmt == "timelinejs"
                        else formats.native(entries, cursor))
            return msgspec.structs.replace(document, position=position)
        # The stance ranges come with the first page only, and only for a selection small enough to draw.
        keys = [] if after is not None else _drawable_stance_keys(tx, actor, topic, as_of)
        intervals = {key: queries.history(tx, *key, known_at=as_of) for key in keys or ()}
        names = {view.id: view.name for view in queries.actors(tx, as_of)}
    vis = formats.vis(entries, intervals, names, today=today, start=start, end=end, next_cursor=cursor,
                      stances_left_out=keys is None or after is not None)
    return msgspec.structs.replace(vis, position=position)


class PositionPastEnd(InvalidEvent):
    """``as_of_position`` names a position the log has not reached."""

    title = "Position past the log's end"


def read_position(tx: Tx, known_at: dt.datetime | None, as_of_position: int | None) -> int:
    """The log position an answer reads at: ``as_of_position``, else the last one recorded by ``known_at``, else
    the log's end; raises PositionPastEnd for a position the log has not reached."""
    last = log.last_position(tx)
    if as_of_position is not None:
        if as_of_position > last:
            message = f"as_of_position={as_of_position} is past the log's end ({last})"
            raise PositionPastEnd(message, [FieldError("as_of_position", message)])
        return as_of_position
    found = queries.known_position(tx, known_at)
    return last if found is None else found


def position(store: EventStore, known_at: dt.datetime | None, as_of_position: int | None) -> int:
    """:func:`read_position` in a snapshot of its own."""
    with store.reading() as tx:
        return read_position(tx, known_at, as_of_position)


def search(
    store: EventStore,
    q: str,
    *,
    type: str | None = None,
    actor: str | None = None,
    topic: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    known_at: dt.datetime | None = None,
    as_of_position: int | None = None,
    limit: int = 20,
    cursor: tuple[int, int] | None = None,
) -> SearchDocument:
    """Events matching ``q`` with facets, a page at a time; a cursor keeps the first page's position."""
    if start is not None and end is not None:
        _check_range(start, end)
    filters = Filters(type, actor, topic, None if start is None else start.isoformat(),
                      None if end is None else end.isoformat())
    with store.reading() as tx:
        if cursor is not None:
            as_of_position, offset = cursor
        else:
            offset = 0
        position = read_position(tx, known_at, as_of_position)
        found = queries.search(tx, q, pos=position, filters=filters, limit=limit, offset=offset)
    after = offset + len(found.hits)
    return SearchDocument(
        q=q, position=position, total=found.total,
        hits=[search_hit_document(hit.event, hit.snippet) for hit in found.hits],
        facets=Facets(**found.facets),
        next_cursor=f"{position}.{after}" if after < found.total else None,
    )


def _drawable_stance_keys(tx: Tx, actor: str | None, topic: str | None,
                          as_of: queries.AsOf) -> list[tuple[str, str]] | None:
    """The selection's (actor, topic) pairs, or None when there are more than MAX_STANCE_KEYS."""
    if actor is None and topic is None and as_of is None and queries.current_stance_count(tx) > MAX_STANCE_KEYS:
        return None
    keys = queries.stance_keys(tx, actor=actor, topic=topic, known_at=as_of)
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
