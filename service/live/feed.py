"""The change feed: stance-change records as JSON, read page by page or followed.

``change_json`` is the one encoding of a change record: ``GET /changes`` pages hold
exactly these objects, ``commitments tail --json`` prints one per line, and a
server-sent-events feed sends the same object as each message's ``data:``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import msgspec

from events import EventStore, queries
from events.model.views import Change
from service.documents import ChangesPage

_encoder = msgspec.json.Encoder()


def change_json(change: Change) -> str:
    """A change record as one line of JSON (no newline inside)."""
    return _encoder.encode(change).decode()


def changes_page(
    store: EventStore,
    *,
    after: int = 0,
    limit: int = 100,
    actor: str | None = None,
    topic: str | None = None,
    kind: str | None = None,
) -> ChangesPage:
    """The change records after sequence number ``after``, and the sequence number to resume after.

    ``next_after`` advances past records the filters left out, so a filtered reader
    never reads them again.
    """
    with store.reading() as tx:
        found, resume = queries.changes(tx, after=after, limit=limit, actor=actor, topic=topic, kind=kind)
    return ChangesPage(changes=found, next_after=resume)


def follow(
    store: EventStore,
    *,
    after: int = 0,
    interval: float = 1.0,
    once: bool = False,
    actor: str | None = None,
    topic: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    page_size: int = 500,
) -> Iterator[Change]:
    """Yield change records as they are written, polling every ``interval`` seconds.

    With ``once``, yield what is there now and stop.
    """
    while True:
        page = changes_page(store, after=after, limit=page_size, actor=actor, topic=topic)
        yield from page.changes
        moved = page.next_after != after
        after = page.next_after
        if moved:
            continue  # there may be more right away: read on before sleeping
        if once:
            return
        sleep(interval)
