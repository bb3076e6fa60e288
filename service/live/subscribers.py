"""Feed subscribers: each SSE connection's stream of messages, and the registry of who is connected.

A subscriber holds at most one page of records (``feed_page_size``) and sends it in
chunks of at most ``CHUNK_BYTES``; it reads the next page only when the last chunk has
been taken by the server (``yield`` returns once the ASGI ``send`` has handed the bytes
to the transport, and ``send`` waits while the transport's buffer is full). So a client
that stops reading stops its subscriber: nothing piles up on the server for it, and the
write timeout of the route (``service/http/feed.py``) eventually closes the connection.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass, field

from events.model.errors import Unavailable
from events.model.views import Change
from service.live import sse
from service.live.pages import Page, PageReader
from service.live.watcher import ChangeWatcher

#: Largest piece of the stream handed to the server at once.
CHUNK_BYTES = 32 * 1024
#: While the database is unavailable, a subscriber that is behind tries to read its next page this often.
UNAVAILABLE_RETRY_SECONDS = 1.0


@dataclass(eq=False)
class Subscriber:
    """One connected feed client: its position and filters, and what it holds (introspectable)."""

    position: int
    actor: str | None = None
    topic: str | None = None
    kind: str | None = None
    #: Records of the current page not yet handed to the server (never more than one page).
    buffered: int = 0
    #: The most ``buffered`` has ever been.
    peak_buffered: int = 0
    #: Change records sent.
    sent: int = 0
    connected: float = field(default_factory=time.monotonic)

    def wants(self, record: Change) -> bool:
        """Whether the record passes this subscriber's filters."""
        return ((self.actor is None or record.actor == self.actor)
                and (self.topic is None or record.topic == self.topic)
                and (self.kind is None or record.kind == self.kind))


class FeedHub:
    """Serves every feed subscriber of one app from the one watcher and the shared page reader."""

    def __init__(self, watcher: ChangeWatcher, reader: PageReader, *, heartbeat_seconds: float = 15.0,
                 retry_ms: int = 3000):
        self.watcher = watcher
        self.reader = reader
        self.heartbeat_seconds = heartbeat_seconds
        self.retry_ms = retry_ms
        #: Who is connected now.
        self.subscribers: set[Subscriber] = set()
        # Most subscribers are up to date when new records appear: read their next page once, before
        # they wake, so that they all find it ready instead of queueing for it.
        watcher.before_wake.append(reader.page)

    async def stream(self, after: int, *, actor: str | None = None, topic: str | None = None,
                     kind: str | None = None) -> AsyncGenerator[bytes, None]:
        """The SSE byte stream of one subscriber, from right after ``after``, until it disconnects (or is closed)."""
        subscriber = Subscriber(after, actor, topic, kind)
        self.subscribers.add(subscriber)
        try:
            yield sse.retry(self.retry_ms) + sse.comment(f"stance changes after {after}")
            last_write = time.monotonic()
            while True:
                # The watcher wakes everyone at least every tick (checked at each poll): send the heartbeat
                # at the last tick that still keeps the gap within heartbeat_seconds.
                due = self.heartbeat_seconds - self.watcher.tick_seconds - self.watcher.poll_seconds
                if self.watcher.latest_change > subscriber.position:
                    try:
                        page = await self.reader.page(subscriber.position)
                    except Unavailable:
                        # The database is away for now: the client keeps its connection (heartbeats) and its
                        # place, instead of a broken stream it would reconnect into the same outage with.
                        if time.monotonic() - last_write >= due:
                            yield sse.comment("heartbeat")
                            last_write = time.monotonic()
                        await asyncio.sleep(UNAVAILABLE_RETRY_SECONDS)
                        continue
                    if page.resume <= subscriber.position:
                        # The watcher saw more than this read did (a rebuild renumbered?): wait a poll.
                        await asyncio.sleep(self.watcher.poll_seconds)
                        continue
                    for chunk, position, count in _chunks(subscriber, page):
                        yield chunk  # returns once the server took it: a client that does not read holds us here
                        subscriber.position = position
                        subscriber.buffered -= count
                        subscriber.sent += count
                    subscriber.buffered = 0
                    last_write = time.monotonic()
                    continue
                if time.monotonic() - last_write >= due:
                    yield sse.comment("heartbeat")
                    last_write = time.monotonic()
                    continue
                await self.watcher.next_wake()
        finally:
            self.subscribers.discard(subscriber)


def _chunks(subscriber: Subscriber, page: Page) -> Iterator[tuple[bytes, int, int]]:
    """The page's messages for this subscriber, as (chunk, position after it, records in it).

    Records the filters leave out are not sent; when the page ends with such records,
    a last id-only message moves the client's position to the end of the page.
    """
    kept = [(r.seq, m) for r, m in zip(page.records, page.messages) if subscriber.wants(r)]
    subscriber.buffered = len(kept)
    subscriber.peak_buffered = max(subscriber.peak_buffered, len(kept))
    parts: list[bytes] = []
    size = count = 0
    position = subscriber.position
    for seq, message in kept:
        parts.append(message)
        size += len(message)
        count += 1
        position = seq
        if size >= CHUNK_BYTES:
            yield b"".join(parts), position, count
            parts, size, count = [], 0, 0
    if page.resume > position:
        parts.append(sse.skipped_to(page.resume))
        position = page.resume
    if parts:
        yield b"".join(parts), position, count
