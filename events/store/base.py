"""The store contract: an append-only log with projections written in the same transaction.

Backends (``sqlite.py``, later ``postgres.py``) implement the connection handling;
everything they share — validation of a batch, projecting it, answering queries —
lives in backend-neutral code that talks SQL through the small :class:`Tx` protocol.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from events import announcements
from events.catalog import Event
from events.store import log
from events.store.log import AppendResult, StoredEvent


class Tx(Protocol):
    """A transaction (or read snapshot) that runs SQL with ``?`` placeholders."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple | None: ...


class EventStore(ABC):
    clock: Any
    """An append-only event log with its projections.

    Every write goes through :meth:`append` (or :meth:`rebuild`), which validates the
    whole batch, stores it atomically and updates every projection in the same
    transaction. Reads go through :meth:`reading`, a consistent snapshot.
    """

    @abstractmethod
    def append(
        self,
        events: Sequence[Event],
        *,
        expected_position: int | None = None,
        recorded: dt.datetime | None = None,
    ) -> AppendResult:
        """Append a batch atomically; see the module docs for idempotency and compare-and-append."""

    @abstractmethod
    def reading(self) -> AbstractContextManager[Tx]:
        """A read snapshot for queries."""

    @abstractmethod
    def writing(self) -> AbstractContextManager[Tx]:
        """The one writer's transaction (used by append, rebuild and scheduled work)."""

    @abstractmethod
    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Recompute every projection from the log; returns the number of events replayed."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

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
