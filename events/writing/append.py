"""The append algorithm: check, store and project a batch in the one writer's transaction.

Every write path goes through :class:`OpenAppend`: a plain append (:func:`append_events`),
an import of many appends in one transaction (its caller loops over batches), and a group
commit of several independent requests as one append (:func:`append_group`). The rules
are in docs/events.md ("Appending: the rules").
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from events.model.catalog import Event
from events.model.clock import Clock, format_instant
from events.model.errors import CommitmentError, Conflict, shift_pointers
from events.projections.projector import AppendProjection
from events.tables import log
from events.tables.log import UNATTRIBUTED, Appended, AppendResult, Attribution
from events.tables.tx import Tx
from events.writing import announcements
from events.writing.admission import Prepared, prepare

#: Events checked, stored and planned at a time within one append (memory stays flat on huge imports).
APPEND_CHUNK = 5000
_ONE_MICROSECOND = dt.timedelta(microseconds=1)

#: Called inside the append's transaction once it has stored something, with the log's new last position.
AfterAppend = Callable[[Tx, int], None]
#: Who made an append: one attribution for all its events, or one per event id (an import keeps each line's).
By = Attribution | Mapping[str, Attribution]
#: One request of a group commit: its events, the position it expects the log to end at, and who sent it.
Request = tuple[Sequence[Event], int | None] | tuple[Sequence[Event], int | None, Attribution]


def _chunks(events: Iterable[Event], size: int) -> Iterator[tuple[int, list[Event]]]:
    """(offset of the first event, up to ``size`` events) of an iterable, in order."""
    iterator = iter(events)
    offset = 0
    while chunk := list(itertools.islice(iterator, size)):
        yield offset, chunk
        offset += len(chunk)


def next_recorded(tx: Tx, clock: Clock, wanted: dt.datetime | None) -> str:
    """The recorded instant of a new append: ``wanted`` or the clock's now, moved 1 µs past the previous append's
    if it would not be later (recorded instants rise strictly with the log)."""
    text = format_instant(wanted or clock.now())
    previous = log.last_recorded(tx)
    if previous is not None and text <= previous:
        text = format_instant(dt.datetime.fromisoformat(previous.replace("Z", "+00:00")) + _ONE_MICROSECOND)
    return text


class OpenAppend:
    """One append in progress in a write transaction, fed checked pieces: the chunks of one batch, or the
    requests of a group commit.

    The recorded instant, the announcements' catch-up and the projection are set up by the
    first piece with something new, so an append of retries only writes nothing.
    """

    def __init__(self, tx: Tx, clock: Clock, after_append: AfterAppend, recorded: dt.datetime | None = None) -> None:
        self.tx, self.clock, self.after_append, self.recorded = tx, clock, after_append, recorded
        self.last = log.last_position(tx)
        self.projection: AppendProjection | None = None
        self.stamp = ""

    def check(self, events: Sequence[Event], expected_position: int | None, *, before: int | None = None,
              offset: int = 0) -> Prepared:
        """Check a piece against the log as it stands now; raises (before anything is written) if refused.

        ``expected_position`` is compared with ``before``, by default the log's end now; error
        pointers are shifted by ``offset``, the piece's place in its batch.
        """
        try:
            prepared = prepare(self.tx, events, self.last + 1)
        except CommitmentError as error:
            raise shift_pointers(error, offset) from None
        before = self.last if before is None else before
        # A retry of a stored batch is answered as a retry even with If-Match: the log has moved because of it.
        if expected_position is not None and expected_position != before and prepared.new:
            raise Conflict(f"expected the log to end at position {expected_position}, but it ends at {before}")
        return prepared

    def write(self, prepared: Prepared, positions: dict[str, int] | None, by: By = UNATTRIBUTED) -> None:
        """Store a checked piece's new events and feed them to the projection; records their positions and who
        made them."""
        if not prepared.new:
            return
        tx = self.tx
        if self.projection is None:
            self.stamp = stamp = next_recorded(tx, self.clock, self.recorded)
            announcements.catch_up(tx, stamp[:10], self.last)
            self.projection = AppendProjection(tx, self.last + 1, stamp,
                                               today=max(stamp[:10], announcements.watermark(tx) or ""))
        rows: list[tuple[Any, ...]] = []
        refs: list[tuple[str, str, int]] = []
        attributions: list[tuple[int, str | None, str | None]] = []
        last, stamp = self.last, self.stamp
        for event, body in zip(prepared.new, prepared.bodies):
            last += 1
            if positions is not None:
                positions[event.checked_id] = last
            rows.append((last, event.checked_id, event.type, stamp, log.schema_version(event), body.decode()))
            # only the kinds log.read filters by: the others' rows would be read by nothing
            refs.extend((kind, ident, last) for kind, ident, _ in event.references() if kind in log.REF_KINDS)
            made = by if isinstance(by, Attribution) else by.get(event.checked_id, UNATTRIBUTED)
            if made != UNATTRIBUTED:
                attributions.append((last, made.recorded_by, made.proposed_by))
        log.insert(tx, rows)
        log.insert_refs(tx, refs)
        log.insert_attributions(tx, attributions)
        self.last = last
        self.projection.add(prepared.new, prepared.corrections)

    def finish(self) -> bool:
        """Write the fact rows and change records of the whole append; True when it stored anything."""
        if self.projection is None:
            return False
        self.projection.finish()
        self.after_append(self.tx, self.last)
        return True


def append_events(tx: Tx, clock: Clock, after_append: AfterAppend, events: Iterable[Event], *,
                  expected_position: int | None = None, recorded: dt.datetime | None = None,
                  report_events: bool = True, by: By = UNATTRIBUTED) -> AppendResult:
    """Append one batch (any iterable, checked, stored and planned in chunks of :data:`APPEND_CHUNK`) as one
    append, attributed ``by``; ``report_events=False`` leaves the per-event list out of the result (an import's
    would grow with its file)."""
    append = OpenAppend(tx, clock, after_append, recorded)
    before = append.last
    positions: dict[str, int] = {}
    order: list[str] = []
    for offset, chunk in _chunks(events, APPEND_CHUNK):
        prepared = append.check(chunk, expected_position, before=before, offset=offset)
        if report_events:
            positions.update(prepared.already)
            order.extend(prepared.order)
        append.write(prepared, positions if report_events else None, by)
    created = append.finish()
    appended = [Appended(event_id, positions[event_id]) for event_id in order]
    return AppendResult(appended, append.last, created=created)


def append_group(tx: Tx, clock: Clock, after_append: AfterAppend,
                 requests: Sequence[Request]) -> list[AppendResult | CommitmentError]:
    """Append several independent requests as ONE append: each checked on its own against the log as the
    requests before it left it; a refused request gets its error back while the others are stored."""
    results: list[AppendResult | CommitmentError] = []
    group = OpenAppend(tx, clock, after_append)
    for request in requests:
        events, expected = request[0], request[1]
        by = request[2] if len(request) == 3 else UNATTRIBUTED
        # Checking only reads, so a refused request has written nothing and needs no savepoint.
        # Nothing after the check may refuse a request alone: the shared projection has
        # planned its facts by then, and a rollback to a savepoint would not take them back.
        # For the same reason a request is checked whole, not in chunks (HTTP bounds its size).
        try:
            prepared = group.check(events, expected)
        except CommitmentError as error:
            results.append(error)
            continue
        positions = dict(prepared.already)
        group.write(prepared, positions, by)
        results.append(AppendResult([Appended(event_id, positions[event_id]) for event_id in prepared.order],
                                    group.last, created=bool(prepared.new)))
    group.finish()
    return results
