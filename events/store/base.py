"""The store contract: an append-only log with projections written in the same transaction.

Backends (``sqlite.py``, later ``postgres.py``) implement the connection handling;
everything they share — validation of a batch, projecting it, answering queries —
lives in backend-neutral code that talks SQL through the small :class:`Tx` protocol.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from events import announcements, dates
from events.batch import Prepared, prepare
from events.catalog import Event
from events.clock import format_instant
from events.errors import CommitmentError, Conflict, shift_pointers
from events.projections.projector import AppendProjection
from events.projections.rebuild import replay
from events.store import log
from events.store.bulk import collector_paused
from events.store.log import Appended, AppendResult, StoredEvent
from events.store.schema import PROJECTION_FORMAT, PROJECTIONS, TABLES, Table

_ONE_MICROSECOND = dt.timedelta(microseconds=1)
_log = logging.getLogger(__name__)
#: Process-wide locks behind :meth:`EventStore.exclusive` (one per job name).
_EXCLUSIVE: dict[str, threading.Lock] = {}
_EXCLUSIVE_GUARD = threading.Lock()
#: Events checked, stored and planned at a time within one append (memory stays flat on huge imports).
APPEND_CHUNK = 5000


def _chunks(events: Iterable[Event], size: int) -> Iterator[tuple[int, list[Event]]]:
    """(offset of the first event, up to ``size`` events) of an iterable, in order."""
    iterator = iter(events)
    offset = 0
    while chunk := list(itertools.islice(iterator, size)):
        yield offset, chunk
        offset += len(chunk)


class Tx(Protocol):
    """A transaction (or read snapshot) that runs SQL with ``?`` placeholders."""

    #: Whether dropping or creating an index in a write transaction makes readers of the table wait until it ends.
    ddl_blocks_readers: bool

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple | None: ...


class EventStore(ABC):
    """An append-only event log with its projections.

    Every write goes through :meth:`append` (or :meth:`rebuild`), which validates the
    whole batch, stores it atomically and updates every projection in the same
    transaction. Reads go through :meth:`reading`, a consistent snapshot.
    """

    clock: Any

    @abstractmethod
    def reading(self) -> AbstractContextManager[Tx]:
        """A read snapshot for queries."""

    @abstractmethod
    def writing(self) -> AbstractContextManager[Tx]:
        """The one writer's transaction (used by append, rebuild and scheduled work)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    @abstractmethod
    def _create_table(self, tx: Tx, table: Table) -> None:
        """Create one table with its indexes, in the backend's dialect."""

    def _open_tables(self, tx: Tx) -> None:
        """Create the tables that are missing, and bring projections of another :data:`PROJECTION_FORMAT` up to
        date: drop, recreate and replay them.

        Backends call it when they open, in their first write transaction: under the writer's
        lock, so of several processes opening one database only the first rebuilds.
        """
        for table in TABLES:
            self._create_table(tx, table)
        row = tx.fetchone("SELECT value FROM meta WHERE key = 'projection_format'")
        if row is not None and row[0] == str(PROJECTION_FORMAT):
            return
        if count := log.last_position(tx):
            _log.warning("projections in format %s, this release writes %s: rebuilding them from the %d events"
                         " of the log (once)", row[0] if row else "1", PROJECTION_FORMAT, count)
            for table in PROJECTIONS:
                tx.execute(f"DROP TABLE IF EXISTS {table.name}")
                self._create_table(tx, table)
            with collector_paused():
                replay(tx)
        tx.execute("INSERT INTO meta (key, value) VALUES ('projection_format', ?)"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(PROJECTION_FORMAT),))

    def announce_due(self, today: dt.date | None = None) -> int:
        """Write the change records of every day up to ``today`` (default: the clock's day) not yet announced:
        future-dated facts whose day has come, and condition deadlines that passed while still pending."""
        with self.writing() as tx:
            day = (today or self.clock.now().date()).isoformat()
            return announcements.catch_up(tx, day, log.last_position(tx))

    def upcoming_days(self, after: dt.date | None = None) -> list[dt.date]:
        """Days on which :meth:`announce_due` will have something to announce."""
        with self.reading() as tx:
            day = (after or self.clock.now().date()).isoformat()
            return [dt.date.fromisoformat(d) for d in announcements.upcoming(tx, day)]

    # Service support: scheduled work, push notices and backups ---------------------

    @contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        """Let scheduled work run once: yields True to the one holder of ``name``, False to anyone meanwhile.

        Never waits: a job that finds the name taken skips its turn. This default is a
        lock within the process (an SQLite file is served by one service process);
        PostgreSQL overrides it with an advisory lock shared by every instance.
        """
        with _EXCLUSIVE_GUARD:
            lock = _EXCLUSIVE.setdefault(name, threading.Lock())
        acquired = lock.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                lock.release()

    @contextmanager
    def notifications(self) -> Iterator[Callable[[float], bool] | None]:
        """Push notice of appends by any process: yields ``wait(timeout) -> bool`` (True when notified), or
        None where the backend has none (SQLite), in which case callers only poll."""
        yield None

    @property
    def shared_across_processes(self) -> bool:
        """Whether another process that opens the same database sees this store's data (an in-memory one it
        does not), so that it may write for this one."""
        return True

    def backup(self, path: str | Path) -> None:
        """Write a consistent copy of the whole database to the new file ``path``.

        SQLite implements it; PostgreSQL has its own tool (``pg_dump``), so this default refuses.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot copy itself to a file; use the database's own tool")

    def _after_append(self, tx: Tx, last_position: int) -> None:  # noqa: B027 - optional hook
        """Backend hook run inside the append's transaction (e.g. to notify other instances)."""

    def _next_recorded(self, tx: Tx, wanted: dt.datetime | None) -> str:
        text = format_instant(wanted or self.clock.now())
        previous = log.last_recorded(tx)
        if previous is not None and text <= previous:
            text = format_instant(dt.datetime.fromisoformat(previous.replace("Z", "+00:00")) + _ONE_MICROSECOND)
        return text

    def append(
        self,
        events: Sequence[Event],
        *,
        expected_position: int | None = None,
        recorded: dt.datetime | None = None,
    ) -> AppendResult:
        """Append a batch atomically, with its projections and change records, in one transaction.

        Events whose id is already stored with identical content are not stored again
        (their original position is returned); the same id with other content is a
        :class:`Conflict`, as is an ``expected_position`` that is not the log's last
        position. ``recorded`` lets a restore keep original recorded instants (it is
        still moved forward if it would go back in time). All events of one append
        share one recorded instant, strictly later than the previous append's.
        """
        with self.writing() as tx:
            return self._append_in(tx, events, expected_position=expected_position, recorded=recorded)

    def append_batches(self, batches: Iterable[tuple[Iterable[Event], dt.datetime | None]]) -> AppendResult | None:
        """Append many batches (each with an optional recorded instant) in ONE transaction: all or nothing.

        Each batch stays its own append (its own recorded instant and change records),
        so an import of an export reproduces the original appends; but a fault in any
        batch leaves the log as it was before the first. A batch may be any iterable, a
        generator included: it is checked, stored and planned in chunks of
        :data:`APPEND_CHUNK` events, so a million-event append never holds a million
        events in memory. Returns the last batch's result without the per-event list
        (None when there was none): keeping every event's result would grow with the file.
        """
        last = None
        with collector_paused(), self.writing() as tx:
            for events, recorded in batches:
                last = self._append_in(tx, events, recorded=recorded, report_events=False)
        return last

    def append_group(
        self, requests: Sequence[tuple[Sequence[Event], int | None]]
    ) -> list[AppendResult | CommitmentError]:
        """Group commit: append several independent requests as ONE append, in one transaction (one fsync for all).

        The group's new events share one recorded instant and one projection, finished
        once, so its change records compare the log before the group with the log after
        it (a rebuild, which replays the events of one recorded instant as one append,
        writes the same records). Each request is still checked on its own, against the
        log as the requests before it left it (a request may name an actor an earlier one
        registered; ``expected_position`` is compared with the log's end just before the
        request), and a refused request gets its error back while the others are stored.
        A failure while writing (the disk, a projection) fails the whole group: the caller
        tells every request.
        """
        results: list[AppendResult | CommitmentError] = []
        with self.writing() as tx:
            group = _OpenAppend(self, tx)
            for events, expected in requests:
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
                group.write(prepared, positions)
                results.append(AppendResult([Appended(event_id, positions[event_id]) for event_id in prepared.order],
                                            group.last, created=bool(prepared.new)))
            group.finish()
        return results

    def _append_in(self, tx: Tx, events: Iterable[Event], *, expected_position: int | None = None,
                   recorded: dt.datetime | None = None, report_events: bool = True) -> AppendResult:
        append = _OpenAppend(self, tx, recorded)
        before = append.last
        positions: dict[str, int] = {}
        order: list[str] = []
        for offset, chunk in _chunks(events, APPEND_CHUNK):
            prepared = append.check(chunk, expected_position, before=before, offset=offset)
            if report_events:
                positions.update(prepared.already)
                order.extend(prepared.order)
            append.write(prepared, positions if report_events else None)
        created = append.finish()
        appended = [Appended(event_id, positions[event_id]) for event_id in order]
        return AppendResult(appended, append.last, created=created)

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Empty every projection and replay the log append by append (events sharing a recorded instant)."""
        with collector_paused(), self.writing() as tx:
            for table in PROJECTIONS:
                tx.execute(f"DELETE FROM {table.name}")
            return replay(tx, progress)

    # Convenience reads shared by every backend -------------------------------------

    def last_position(self) -> int:
        """The position of the newest event, 0 for an empty log."""
        with self.reading() as tx:
            return log.last_position(tx)

    def read(self, after: int = 0, limit: int | None = None, **filters: Any) -> list[StoredEvent]:
        """Events in log order after a position, optionally filtered by type, actor or topic."""
        with self.reading() as tx:
            return log.read(tx, after=after, limit=limit, **filters)

    def iter_all(self, batch: int = 10_000) -> Iterator[StoredEvent]:
        """Every event in log order, read in pages."""
        after = 0
        while True:
            page = self.read(after=after, limit=batch)
            if not page:
                return
            yield from page
            after = page[-1].position

    def get(self, event_id: str) -> StoredEvent:
        """One event by id; raises NotFound."""
        with self.reading() as tx:
            return log.get(tx, event_id)

    def read_since(self, recorded_after: dt.datetime, limit: int | None = None) -> list[StoredEvent]:
        """Events recorded after an instant."""
        with self.reading() as tx:
            return log.read_since(tx, recorded_after, limit=limit)


class _OpenAppend:
    """One append in progress in a write transaction, fed checked pieces: the chunks of one batch, or the
    requests of a group commit.

    The recorded instant, the announcements' catch-up and the projection are set up by the
    first piece with something new, so an append of retries only writes nothing.
    """

    def __init__(self, store: EventStore, tx: Tx, recorded: dt.datetime | None = None) -> None:
        self.store, self.tx, self.recorded = store, tx, recorded
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

    def write(self, prepared: Prepared, positions: dict[str, int] | None) -> None:
        """Store a checked piece's new events and feed them to the projection; records their positions."""
        if not prepared.new:
            return
        tx = self.tx
        if self.projection is None:
            self.stamp = stamp = self.store._next_recorded(tx, self.recorded)
            announcements.catch_up(tx, stamp[:10], self.last)
            self.projection = AppendProjection(tx, self.last + 1, stamp,
                                               today=max(stamp[:10], announcements.watermark(tx)))
        rows, refs = [], []
        last, stamp = self.last, self.stamp
        for event, body in zip(prepared.new, prepared.bodies):
            last += 1
            if positions is not None:
                positions[event.id] = last
            date = dates.parse(event.occurred)
            rows.append((last, event.id, event.type, event.occurred, date.earliest.isoformat(),
                         date.latest.isoformat(), stamp, log.schema_version(event), body.decode()))
            refs.extend((kind, ident, last) for kind, ident, _ in event.references())
        log.insert(tx, rows)
        log.insert_refs(tx, refs)
        self.last = last
        self.projection.add(prepared)

    def finish(self) -> bool:
        """Write the fact rows and change records of the whole append; True when it stored anything."""
        if self.projection is None:
            return False
        self.projection.finish()
        self.store._after_append(self.tx, self.last)
        return True
