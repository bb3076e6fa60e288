"""Pages of change records for feed subscribers, read once and shared.

Each subscriber reads from its own position, a page at a time, in a worker thread
(``queries.changes``). Most subscribers stand at the same position (the head of the
feed), so when the watcher wakes them they would all ask for the same page: the
reader makes that one database read (later askers await the read in flight) and keeps
the last few pages, each with its SSE messages already encoded. Filters are applied by
the subscriber, so filtered and unfiltered streams share pages too.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass

from events import EventStore, queries
from events.model.views import Change
from service.live import sse
from service.live.watcher import ChangeWatcher


@dataclass(frozen=True)
class Page:
    """The change records after ``after`` (unfiltered), their SSE messages, and where the next page starts."""

    after: int
    records: list[Change]
    messages: list[bytes]
    resume: int
    full: bool


class PageReader:
    """Reads pages of change records, sharing reads between subscribers at the same position."""

    def __init__(self, store: EventStore, watcher: ChangeWatcher, size: int = 200, keep: int = 32):
        self.store = store
        self.watcher = watcher
        self.size = size
        self.keep = keep
        #: Database reads made (introspection: far fewer than page requests when subscribers share).
        self.reads = 0
        self._pages: OrderedDict[int, Page] = OrderedDict()
        self._reading: dict[int, asyncio.Task[Page]] = {}

    async def page(self, after: int) -> Page:
        """The page after ``after``: from the cache while it is still the whole truth, else read (once)."""
        cached = self._pages.get(after)
        # A full page never changes; a short one is stale once the watcher has seen more.
        if cached is not None and (cached.full or cached.resume >= self.watcher.latest_change):
            self._pages.move_to_end(after)
            return cached
        task = self._reading.get(after)
        if task is None:
            task = self._reading[after] = asyncio.create_task(self._load(after))
        # shield: a subscriber that goes away must not cancel the read others wait for.
        return await asyncio.shield(task)

    async def _load(self, after: int) -> Page:
        try:
            page = await asyncio.to_thread(self._read, after)
        finally:
            del self._reading[after]
        self._pages[after] = page
        self._pages.move_to_end(after)
        while len(self._pages) > self.keep:
            self._pages.popitem(last=False)
        return page

    def _read(self, after: int) -> Page:
        with self.store.reading() as tx:
            records, resume = queries.changes(tx, after=after, limit=self.size)
        self.reads += 1
        return Page(after, records, [sse.change_message(r) for r in records], resume, len(records) >= self.size)
