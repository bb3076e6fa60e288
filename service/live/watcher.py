"""The one change watcher of a running service: notices new change records and wakes whoever waits.

Subscribers of the feed, the webhook dispatcher and the scheduler do not poll the
database themselves; they wait here. The watcher reads two numbers (the newest change
record's seq and the log's last position, two index look-ups) every
``feed_poll_seconds``; on PostgreSQL it also LISTENs to the ``NOTIFY`` every append
sends, which wakes it at once (the polling stays as the fallback: a lost notification
only delays). Because it reads the database, appends by other processes (a CLI import,
another instance) reach subscribers too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable

from events import EventStore, queries
from events.model.errors import Unavailable
from events.tables import log

_log = logging.getLogger("service.live.watcher")
#: How long the listener thread blocks at a time: bounds how long stopping it takes.
_LISTEN_SLICE = 1.0


class ChangeWatcher:
    """Watches the database for new change records (and new events) and wakes waiting tasks."""

    def __init__(self, store: EventStore, poll_seconds: float = 0.1, tick_seconds: float = 5.0):
        self.store = store
        self.poll_seconds = poll_seconds
        #: Waiters of :meth:`next_wake` are woken at least this often even when nothing changes (heartbeats).
        self.tick_seconds = tick_seconds
        #: Notifications never make reads more frequent than this (each read may wake every subscriber).
        self.min_gap_seconds = min(poll_seconds / 2, 0.05)
        #: The newest change record's seq the watcher has seen.
        self.latest_change = 0
        #: The log's last position the watcher has seen.
        self.latest_position = 0
        #: Called (on the event loop) with the new last position whenever the log grew.
        self.on_append: list[Callable[[int], None]] = []
        #: Awaited with the previous newest seq when new change records appear, before anyone is woken
        #: (the feed reads the page after it once there, for every subscriber that was up to date).
        self.before_wake: list[Callable[[int], Awaitable[object]]] = []
        #: Database reads the watcher has made (introspection for tests and benchmarks).
        self.polls = 0
        self._changed = asyncio.Event()
        self._kick = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._listener: threading.Thread | None = None
        self._stopping = threading.Event()
        #: Set while the backend's push notifications are being listened to (PostgreSQL).
        self.listening = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_wake = 0.0
        self._last_read = 0.0
        #: Why the database could not be read at the last poll (None: it could).
        self.unavailable: str | None = None

    # lifetime ----------------------------------------------------------------------

    async def start(self) -> None:
        """Read where the feed stands, then watch in the background (and listen, where the backend can)."""
        self._loop = asyncio.get_running_loop()
        await self._read_heads()
        self._task = asyncio.create_task(self._run(), name="change-watcher")
        self._listener = threading.Thread(target=self._listen, name="change-listener", daemon=True)
        self._listener.start()

    async def stop(self) -> None:
        """Stop watching; waiters wake (and find nothing new)."""
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._listener is not None:
            await asyncio.to_thread(self._listener.join, _LISTEN_SLICE * 2)
        self._wake()

    def poke(self) -> None:
        """Look at the database soon rather than at the next poll; callable from any thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._kick.set)

    # waiting -----------------------------------------------------------------------

    async def wait_beyond(self, seq: int, timeout: float) -> bool:
        """Wait until a change record after ``seq`` exists, at most ``timeout`` seconds; True if one does."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        # Wakes are for every waiter, heartbeats included: wait again until the record is there, time is up or
        # the watcher stops.
        while self.latest_change <= seq:
            remaining = deadline - loop.time()
            if remaining <= 0 or self._stopping.is_set():
                return False
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)
        return True

    async def next_wake(self) -> None:
        """Wait for the next wake: new change records, or a tick (at most ``tick_seconds`` away).

        Cheaper than :meth:`wait_beyond` (no timer per waiter): what every feed subscriber uses.
        """
        await self._changed.wait()

    def _wake(self) -> None:
        # Everyone waiting holds the current Event; setting it wakes them all at once, and
        # later waiters get a fresh one. One set() per new batch, however many subscribers.
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        self._last_wake = time.monotonic()

    # the watching --------------------------------------------------------------------

    def _heads(self) -> tuple[int, int]:
        with self.store.reading() as tx:
            return queries.last_change(tx), log.last_position(tx)

    async def _read_heads(self) -> None:
        change, position = await asyncio.to_thread(self._heads)
        self.polls += 1
        if change != self.latest_change:  # (a rebuild may renumber: any difference is news)
            previous, self.latest_change = self.latest_change, change
            for hook in self.before_wake:
                try:
                    await hook(previous)
                except Exception:  # subscribers read for themselves then
                    _log.warning("before_wake hook failed", exc_info=True)
            self._wake()
        if position > self.latest_position:
            self.latest_position = position
            for callback in self.on_append:
                try:
                    callback(position)
                except Exception:  # one bad listener must not stop the watcher
                    _log.exception("on_append callback failed")

    async def _run(self) -> None:
        # Not only the cancellation from stop(): Python 3.11's wait_for swallows a cancellation that lands in the
        # loop iteration in which a kick (a notified append, on PostgreSQL) completes its wait, and the loop went on.
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), self.poll_seconds)
            if self._kick.is_set():
                # Woken by a notification (one per append on PostgreSQL): keep reads min_gap_seconds apart,
                # so that a busy log wakes the subscribers for batches of records, not for each one.
                await asyncio.sleep(self._last_read + self.min_gap_seconds - time.monotonic())
            self._kick.clear()
            self._last_read = time.monotonic()
            try:
                await self._read_heads()
                if self.unavailable is not None:
                    _log.warning("the database answers again; the feed goes on")
                    self.unavailable = None
            except Unavailable as error:  # the database is away: try again at the next poll, and say so once
                if self.unavailable is None:
                    _log.warning("cannot read the feed's position: %s; retrying", error.detail)
                self.unavailable = error.detail
            except Exception:
                _log.warning("cannot read the feed's position; retrying", exc_info=True)
            if time.monotonic() - self._last_wake >= self.tick_seconds:
                self._wake()

    def _listen(self) -> None:
        """Thread: turn the backend's push notifications (PostgreSQL NOTIFY) into immediate polls."""
        failing = False
        while not self._stopping.is_set():
            try:
                with self.store.notifications() as wait:
                    if wait is None:
                        return  # this backend has none (SQLite): polling alone
                    self.listening.set()
                    failing = False
                    self.poke()  # an append made before LISTEN took effect is seen at once too
                    while not self._stopping.is_set():
                        if wait(_LISTEN_SLICE):
                            self.poke()
            except Exception as error:
                # Said once per outage (not at every attempt, one a second while the database is down).
                if not failing:
                    _log.warning("listening for appends failed (%s); polling meanwhile",
                                 str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)
                failing = True
                self.listening.clear()
                self._stopping.wait(_LISTEN_SLICE)
