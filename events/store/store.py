"""The event store: an append-only log with its projections, composed with one :class:`Database`.

Every write goes through :meth:`EventStore.append` (or its import and group-commit forms,
or :meth:`EventStore.rebuild`), which checks the whole batch, stores it atomically and
updates every projection in the same transaction (``events/writing/``). Reads go through
:meth:`EventStore.reading`, a consistent snapshot. The database behind it (SQLite or
PostgreSQL) only runs transactions; what differs between backends is in their modules.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from events.model.catalog import Event
from events.model.clock import Clock, SystemClock
from events.model.errors import CommitmentError, InvalidEvent, MissingDatabase
from events.model.inbound import InvalidBatch
from events.store.database import BackupFailed, Database, NotificationWait
from events.tables import log, search
from events.tables.log import UNATTRIBUTED, AppendResult, Attribution, StoredEvent
from events.tables.schema import LOG, PROJECTION_FORMAT, PROJECTIONS, RETIRED_INDEXES, RETIRED_TABLES, SEARCH, TABLES
from events.tables.tx import Tx
from events.writing import announcements
from events.writing.admission import every_fault
from events.writing.append import By, Request, append_events, append_group
from events.writing.bulk import collector_paused
from events.writing.rebuild import replay

_log = logging.getLogger(__name__)
#: One append of :meth:`EventStore.append_batches`: its events, its recorded instant (None: now), and optionally
#: who made it.
Batch = tuple[Iterable[Event], dt.datetime | None] | tuple[Iterable[Event], dt.datetime | None, By]


class EventStore:
    """An append-only event log with its projections, in one database, with a clock for recorded instants."""

    def __init__(self, database: Database, clock: Clock | None = None, *, create: bool = True) -> None:
        """``create=False``: the database must already hold a log (its event table), else :class:`MissingDatabase`."""
        self.database = database
        self.clock: Clock = clock or SystemClock()
        if not create:
            with database.reading() as tx:
                if not database.has_table(tx, LOG.name):
                    raise MissingDatabase("the database holds no event log: check its URL (only serve, seed,"
                                          " import and migrate --to create one)")
        with database.writing() as tx:
            self._open_tables(tx)

    def _open_tables(self, tx: Tx) -> None:
        """Create the tables that are missing, and bring projections of another :data:`PROJECTION_FORMAT` up to
        date: drop, recreate and replay them.

        Runs in the store's first write transaction: under the writer's lock, so of several
        processes opening one database only the first rebuilds.
        """
        for table in TABLES:
            self.database.create_table(tx, table)
        row = tx.fetchone("SELECT value FROM meta WHERE key = 'projection_format'")
        if row is not None and row[0] == str(PROJECTION_FORMAT):
            return
        for name in RETIRED_TABLES:
            tx.execute(f"DROP TABLE IF EXISTS {name}")
        for name in RETIRED_INDEXES:
            tx.execute(f"DROP INDEX IF EXISTS {name}")
        if count := log.last_position(tx):
            _log.warning("projections in format %s, this release writes %s: rebuilding them from the %d events"
                         " of the log (once)", row[0] if row else "1", PROJECTION_FORMAT, count)
            for table in PROJECTIONS:
                tx.execute(f"DROP TABLE IF EXISTS {table.name}")
                if table.fulltext:  # SQLite's FTS5 index is a table of its own (its layout may have changed)
                    tx.execute(f"DROP TABLE IF EXISTS {table.name}_fts")
                self.database.create_table(tx, table)
            with collector_paused():
                replay(tx)
        tx.execute("INSERT INTO meta (key, value) VALUES ('projection_format', ?)"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(PROJECTION_FORMAT),))

    # Transactions and capabilities, from the database ---------------------------------

    def reading(self) -> AbstractContextManager[Tx]:
        """A read snapshot for queries."""
        return self.database.reading()

    def writing(self) -> AbstractContextManager[Tx]:
        """The one writer's transaction (used by append, rebuild and scheduled work)."""
        return self.database.writing()

    @property
    def shared_across_processes(self) -> bool:
        """Whether another process that opens the same database sees this store's data, so it may write for it."""
        return self.database.shared_across_processes

    @property
    def cheap_local_reads(self) -> bool:
        """Whether reads run in this process and take about a millisecond (see :class:`Database`)."""
        return self.database.cheap_local_reads

    def identity(self) -> str:
        """Which database this is (see :class:`Database`): differs between a database and a copy of it elsewhere."""
        return self.database.identity()

    def notifications(self) -> AbstractContextManager[NotificationWait | None]:
        """Push notice of appends by any process: ``wait(timeout) -> bool``, or None (then callers poll)."""
        return self.database.notifications()

    def exclusive(self, name: str) -> AbstractContextManager[bool]:
        """Let scheduled work run once: yields True to the one holder of ``name``, False to anyone meanwhile."""
        return self.database.exclusive(name)

    def backup(self, path: str | Path) -> int:
        """Write a consistent copy of the whole database to the new file ``path``, checked, and return the copy's last
        log position (SQLite; PostgreSQL has ``pg_dump`` and raises NotImplementedError).

        The copy must pass the database's check (integrity, a log without gaps) and end between the log's end
        before and after the copy was taken (appends go on meanwhile); else :class:`BackupFailed`, and nothing is
        left at ``path``.
        """
        before = self.last_position()
        copied = self.database.backup(path)
        after = self.last_position()
        if not before <= copied <= after:
            Path(path).unlink(missing_ok=True)
            raise BackupFailed(f"the copy's log ends at position {copied}, the database's was at {before}"
                               + ("" if after == before else f" to {after}") + " while it was copied")
        return copied

    def close(self) -> None:
        """Release the database's connections."""
        self.database.close()

    # Writes ---------------------------------------------------------------------------

    def append(
        self,
        events: Sequence[Event],
        *,
        expected_position: int | None = None,
        recorded: dt.datetime | None = None,
        by: Attribution = UNATTRIBUTED,
    ) -> AppendResult:
        """Append a batch atomically, with its projections and change records, in one transaction.

        Events whose id is already stored with identical content are not stored again
        (their original position is returned); the same id with other content is a
        :class:`~events.model.errors.Conflict`, as is an ``expected_position`` that is not the
        log's last position. ``recorded`` lets a restore keep original recorded instants (it is
        still moved forward if it would go back in time). All events of one append share one
        recorded instant, strictly later than the previous append's. ``by`` says who made it (``recorded_by``).
        """
        with self.database.writing() as tx:
            return append_events(tx, self.clock, self.database.after_append, events,
                                 expected_position=expected_position, recorded=recorded, by=by)

    def every_fault(self, refused: InvalidBatch) -> InvalidEvent:
        """A batch that decoding refused, with what an append would refuse in its other events (unknown
        references, reused ids) added: every faulty event of the batch in one error. Only reads."""
        with self.reading() as tx:
            return every_fault(tx, refused)

    def append_batches(self, batches: Iterable[Batch]) -> AppendResult | None:
        """Append many batches (each with an optional recorded instant) in ONE transaction: all or nothing.

        Each batch stays its own append (its own recorded instant and change records),
        so an import of an export reproduces the original appends; but a fault in any
        batch leaves the log as it was before the first. A batch may be any iterable, a
        generator included: it is checked, stored and planned in chunks, so a
        million-event append never holds a million events in memory. Returns the last
        batch's result without the per-event list (None when there was none): keeping
        every event's result would grow with the file. A batch's optional third part says who made it: one
        attribution, or one per event id (filled in while its events are read, as an import reads them).
        """
        last = None
        with collector_paused(), self.database.writing() as tx:
            for batch in batches:
                events, recorded = batch[0], batch[1]
                by = batch[2] if len(batch) == 3 else UNATTRIBUTED
                last = append_events(tx, self.clock, self.database.after_append, events, recorded=recorded,
                                     report_events=False, by=by)
        return last

    def append_group(self, requests: Sequence[Request]) -> list[AppendResult | CommitmentError]:
        """Group commit: append several independent requests as ONE append, in one transaction (one fsync for all).

        The group's new events share one recorded instant and one projection, finished
        once, so its change records compare the log before the group with the log after
        it (a rebuild, which replays the events of one recorded instant as one append,
        writes the same records). Each request is still checked on its own, against the
        log as the requests before it left it (a request may name an actor an earlier one
        registered; ``expected_position`` is compared with the log's end just before the
        request), and a refused request gets its error back while the others are stored.
        A failure while writing (the disk, a projection) fails the whole group: the caller
        tells every request. A request's optional third part is its :class:`Attribution`.
        """
        with self.database.writing() as tx:
            return append_group(tx, self.clock, self.database.after_append, requests)

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Empty every projection and replay the log append by append (events sharing a recorded instant)."""
        with collector_paused(), self.database.writing() as tx:
            for table in PROJECTIONS:
                if table is SEARCH:
                    search.clear(tx)  # with its full-text index
                else:
                    tx.execute(f"DELETE FROM {table.name}")
            return replay(tx, progress)

    def announce_due(self, today: dt.date | None = None) -> int:
        """Write the change records of every day up to ``today`` (default: the clock's day) not yet announced:
        future-dated facts whose day has come, and condition deadlines that passed while still pending."""
        with self.database.writing() as tx:
            day = (today or self.clock.now().date()).isoformat()
            return announcements.catch_up(tx, day, log.last_position(tx))

    # Reads ----------------------------------------------------------------------------

    def upcoming_days(self, after: dt.date | None = None) -> list[dt.date]:
        """Days on which :meth:`announce_due` will have something to announce."""
        with self.database.reading() as tx:
            day = (after or self.clock.now().date()).isoformat()
            return [dt.date.fromisoformat(d) for d in announcements.upcoming(tx, day)]

    def last_position(self) -> int:
        """The position of the newest event, 0 for an empty log."""
        with self.database.reading() as tx:
            return log.last_position(tx)

    def read(self, after: int = 0, limit: int | None = None, **filters: Any) -> list[StoredEvent]:
        """Events in log order after a position, optionally filtered by type, actor or topic."""
        with self.database.reading() as tx:
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
        with self.database.reading() as tx:
            return log.get(tx, event_id)

    def read_since(self, recorded_after: dt.datetime, limit: int | None = None) -> list[StoredEvent]:
        """Events recorded after an instant."""
        with self.database.reading() as tx:
            return log.read_since(tx, recorded_after, limit=limit)
