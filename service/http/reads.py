"""The read path: answers kept as the JSON they were sent as, for as long as the log stands still.

Every answer a :class:`Reader` gives (stances, the matrix, conditions, actors, diffs,
histories, timelines) is a function of the log and of the question alone: the
projections it reads are derived from the log, and only an append changes them (the
records that announcements add go to the change feed, which no answer here reads). So
the answer computed while the log ends at position P answers every identical question
asked while it still ends at P. The cache keys each answer by the question (the answer
function and its parsed arguments, with ``at`` already resolved to a day) and keeps the
answers of one position only: the first question that finds the log moved on empties it.

Reads of SQLite that take about a millisecond run on the event loop. SQLite is a
library inside this process: a hop to a worker thread costs about as much as such a
read, and worker threads reading SQLite side by side cost far more, because the
``sqlite3`` module lets go of the GIL for every row it fetches and the threads then
queue for it. Longer reads, and every read of PostgreSQL (a network round trip), run on
a worker thread.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from litestar import Response
from litestar.concurrency import sync_to_thread
from litestar.serialization import encode_json

from events import Clock, EventStore

#: The largest share of the cache one answer may take (a bigger one is sent, not kept).
_LARGEST_SHARE = 8

#: The document an answer function returns (a msgspec Struct of ``service.documents``, say).
D = TypeVar("D")


class JSONAnswer(Response[bytes], Generic[D]):
    """A read handler's response: the JSON of a ``D`` document, already encoded (and kept in the cache).

    The body is bytes; the type argument names the document they encode. ``/schema``
    documents a handler annotated ``-> JSONAnswer[D]`` as answering a ``D``, as litestar
    documents any ``Response[D]``, and mypy checks that ``D`` is what the answer function
    returns (:meth:`Reader.respond`).
    """

    __slots__ = ()


class AnswerCache:
    """Encoded answers by question, all computed at one log position; least recently used go first.

    ``max_bytes`` bounds the bodies kept (0 keeps none). Thread-safe: answers computed on
    worker threads are put here too.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.position = -1
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """False when the cache may keep nothing."""
        return self.max_bytes > 0

    def get(self, key: Hashable, position: int) -> bytes | None:
        """The answer to ``key`` when the log ends at ``position``, or None."""
        with self._lock:
            if position > self.position:
                self._reset(position)
            body = self._entries.get(key) if position == self.position else None
            if body is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return body

    def put(self, key: Hashable, position: int, body: bytes) -> None:
        """Keep the answer to ``key`` computed when the log ended at ``position`` (or later)."""
        if len(body) > self.max_bytes // _LARGEST_SHARE:
            return
        with self._lock:
            if position > self.position:
                self._reset(position)
            elif position < self.position:  # the log has moved on since: a later question may not use it
                return
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= len(previous)
            self._entries[key] = body
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped)

    def _reset(self, position: int) -> None:
        self._entries.clear()
        self._bytes = 0
        self.position = position


class Reader:
    """What the read handlers need: the store, today's date by the service's clock, and the answer cache."""

    def __init__(self, store: EventStore, clock: Clock, cache: AnswerCache):
        self.store = store
        self.clock = clock
        self.cache = cache
        self.local = store.cheap_local_reads

    def today(self) -> dt.date:
        """Today by the service's clock: what ``at`` and ``to`` default to."""
        return self.clock.now().date()

    async def respond(self, compute: Callable[..., D], *args: Hashable, quick: bool = False,
                      **kwargs: Hashable) -> JSONAnswer[D]:
        """:meth:`answer` as a read handler's response: the JSON of the ``D`` that ``compute`` returns."""
        return JSONAnswer(await self.answer(compute, *args, quick=quick, **kwargs))

    async def answer(self, compute: Callable[..., Any], *args: Hashable, quick: bool = False,
                     **kwargs: Hashable) -> bytes:
        """``compute(store, *args, **kwargs)`` encoded as JSON, from the cache while the log has not moved.

        ``quick``: the answer takes about a millisecond, so on SQLite it is computed on
        the event loop. The arguments must be hashable: they are the question's key.
        """
        key = (compute, args, tuple(kwargs.items()))
        if not self.local:
            return await sync_to_thread(self._answer, key, compute, args, kwargs)
        position = self._position()
        body = self.cache.get(key, position) if position is not None else None
        if body is not None:
            return body
        if quick:
            return self._compute(key, position, compute, args, kwargs)
        return await sync_to_thread(self._compute, key, position, compute, args, kwargs)

    def _position(self) -> int | None:
        """The log's end, read before the answer (so the answer is at least as new); None without a cache."""
        return self.store.last_position() if self.cache.enabled else None

    def _answer(self, key: Hashable, compute: Callable[..., Any], args: tuple, kwargs: dict) -> bytes:
        position = self._position()
        body = self.cache.get(key, position) if position is not None else None
        return body if body is not None else self._compute(key, position, compute, args, kwargs)

    def _compute(self, key: Hashable, position: int | None, compute: Callable[..., Any], args: tuple,
                 kwargs: dict) -> bytes:
        body = encode_json(compute(self.store, *args, **kwargs))
        if position is not None:
            self.cache.put(key, position, body)
        return body
