"""What an append would do, without doing it: a dry run.

The append runs for real in the writer's transaction (the same checks, positions, recorded
instant, projection and change records as :meth:`EventStore.append`), its outcome is read
inside that transaction, and the transaction is rolled back. Running the one append path,
rather than a second model of it, is what makes a preview's faults and change records the
ones the append would give. Nothing is stored and nothing is announced: the rollback takes
the change records back before any watcher, feed or webhook could see them, and PostgreSQL
only sends a ``NOTIFY`` on commit (the dry run passes no after-append hook anyway).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from events import queries
from events.model.catalog import Event
from events.model.errors import Conflict, FieldError, InvalidEvent
from events.model.views import Change
from events.store.store import EventStore
from events.tables import log
from events.tables.log import StoredEvent
from events.tables.tx import Tx
from events.writing.append import append_events


class Preview(msgspec.Struct, frozen=True):
    """What an append would store (``would_append``: new events only, with their positions and recorded instant),
    the change records it would write, and the faults that would refuse it (then both lists are empty)."""

    would_append: list[StoredEvent]
    changes: list[Change]
    problems: list[FieldError]

    @property
    def applies(self) -> bool:
        """True when the append would be accepted."""
        return not self.problems


class _RollBack(Exception):
    """Raised inside the writer's transaction to undo the dry run, carrying what it saw."""

    def __init__(self, preview: Preview):
        super().__init__("dry run")
        self.preview = preview


def _nothing_after_append(tx: Tx, last_position: int) -> None:
    """A dry run announces nothing (no NOTIFY)."""


def faults_of(error: InvalidEvent | Conflict) -> list[FieldError]:
    """The faults of a refused append: its field errors, or its detail at ``$`` when it names no field."""
    return list(error.errors) or [FieldError("$", error.detail)]


def preview(store: EventStore, events: Sequence[Event], *, expected_position: int | None = None,
            refuse: bool = False) -> Preview:
    """Run the append of ``events`` and roll it back: what it would store, the change records it would write, and
    its faults (``refuse``: raise the append's own error instead). Transient database failures
    (:class:`~events.model.errors.Unavailable`) still raise."""
    try:
        with store.writing() as tx:
            last = log.last_position(tx)
            seq = queries.last_change(tx)
            append_events(tx, store.clock, _nothing_after_append, events, expected_position=expected_position)
            stored = log.read(tx, after=last)
            changes: list[Change] = []
            while page := queries.changes(tx, after=seq, limit=1000)[0]:
                changes.extend(page)
                seq = page[-1].seq
            raise _RollBack(Preview(stored, changes, []))
    except _RollBack as undone:
        return undone.preview
    except (InvalidEvent, Conflict) as refused:
        if refuse:
            raise
        return Preview([], [], faults_of(refused))
