"""What the event store needs of a database: the small protocol each backend implements.

The store (``events/store/store.py``) holds the append algorithm and every read; a
backend only runs transactions and says what it can do. Backends map their driver's
transient failures (a lost connection, a pool that ran dry, a lock held past its timeout)
to :class:`~events.model.errors.Unavailable`, which the service answers with 503 and
``Retry-After``; any other driver error is a bug and stays what it is.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from events.tables.schema import Table
from events.tables.tx import Tx


class BackupFailed(RuntimeError):
    """A backup copy did not pass its check; nothing was left at its path."""


#: ``wait(timeout) -> bool``: True as soon as another process (or instance) notifies of an append.
NotificationWait = Callable[[float], bool]


class Database(Protocol):
    """One database holding the log, its projections and the service's own tables."""

    @property
    def shared_across_processes(self) -> bool:
        """Whether another process that opens the same database sees this one's data (an in-memory one it does
        not), so that it may write for this one."""
        ...

    @property
    def cheap_local_reads(self) -> bool:
        """Whether reads run in this process and take about a millisecond (SQLite), so that a caller may answer
        them on its event loop rather than hop to a worker thread; False where each read is a network round trip."""
        ...

    def identity(self) -> str:
        """Which database this is, in words, the same for every process and instance that opens it and different
        for a copy of it elsewhere (webhooks are bound to it: ``events/subscriptions.py``)."""
        ...

    def reading(self) -> AbstractContextManager[Tx]:
        """A consistent read snapshot: a writer does not block it, and it never sees half an append."""
        ...

    def writing(self) -> AbstractContextManager[Tx]:
        """The single writer's transaction: serialized across threads, processes and instances; rolled back on
        any exception, committed (durably unless opened otherwise) at the end of the block."""
        ...

    def create_table(self, tx: Tx, table: Table) -> None:
        """Create one table with its indexes, if missing, in the backend's dialect."""

    def has_table(self, tx: Tx, name: str) -> bool:
        """Whether the table exists (in the schema the database works in)."""
        ...

    def after_append(self, tx: Tx, last_position: int) -> None:
        """Run inside an append's transaction once it stored something (e.g. notify other instances)."""

    def notifications(self) -> AbstractContextManager[NotificationWait | None]:
        """Push notice of appends by any process: yields a wait function, or None where the backend has none
        (callers then only poll)."""
        ...

    def exclusive(self, name: str) -> AbstractContextManager[bool]:
        """Let scheduled work run once: yields True to the one holder of ``name``, False to anyone meanwhile;
        never waits."""
        ...

    def backup(self, path: str | Path) -> int:
        """Write a consistent copy of the whole database to the new file ``path`` and check it (the database's own
        integrity check, a log without gaps) before it takes that name; returns the copy's last log position.
        Raises :class:`BackupFailed` when the check fails (nothing is left at ``path``), or NotImplementedError
        where the database has its own tool."""
        ...

    def close(self) -> None:
        """Release connections."""
