"""Group commit: concurrent appends share one transaction, so one fsync acknowledges them all.

A durable append costs one fsync; with many clients appending one event each, the
disk, not the CPU, sets the pace. The committer's single thread takes every request
waiting at that moment and appends them together with ``EventStore.append_group``, as
one append: one recorded instant and one projection for the group (so the projection's
fixed cost, and the change records' comparison, are paid once per group, not per
request), while each request is checked on its own and gets its own result or error.
An acknowledgement still means the event is on disk. With one client there is nothing
to wait for, so it adds no delay.

The groups run in this process's writer thread, or, handed a ``writer``
(:class:`~service.writing.writer_process.WriterProcess`), in a process of their own, so that the
writing and the event loop do not take turns on one interpreter lock.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING

from events import AppendResult, Attribution, Event, EventStore
from events.store import UNATTRIBUTED

if TYPE_CHECKING:
    from service.writing.writer_process import WriterProcess

_STOP = object()


class GroupCommitter:
    """Appends requests from many threads through one writer thread, in groups."""

    def __init__(self, store: EventStore, max_group: int = 64, writer: WriterProcess | None = None):
        self.store = store
        self.writer = writer
        self.max_group = max_group
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self.groups = 0  # appends grouped so far: for tests and metrics
        self.requests = 0

    def start(self) -> None:
        """Start the writer thread (and the writer process, if there is one)."""
        if self.writer is not None:
            self.writer.start()
        self._thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the requests already queued, then stop the writer thread."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout=30)
            self._thread = None
        if self.writer is not None:
            self.writer.stop()

    def submit(self, events: Sequence[Event], expected_position: int | None = None,
               by: Attribution = UNATTRIBUTED) -> Future:
        """Queue one request; the future is done when its group is committed (or holds the request's own error)."""
        future: Future = Future()
        if self._thread is None:  # not started (e.g. a CLI process): append directly
            try:
                future.set_result(self.store.append(events, expected_position=expected_position, by=by))
            except BaseException as error:
                future.set_exception(error)
            return future
        self._queue.put((events, expected_position, by, future))
        return future

    def append(self, events: Sequence[Event], expected_position: int | None = None,
               by: Attribution = UNATTRIBUTED) -> AppendResult:
        """Append one request (made ``by`` a key) and wait until its group is committed; raises the request's own
        error."""
        return self.submit(events, expected_position, by).result()

    async def append_async(self, events: Sequence[Event], expected_position: int | None = None,
                           by: Attribution = UNATTRIBUTED) -> AppendResult:
        """:meth:`append` for the event loop: the request waits for its group without holding a thread.

        So every concurrent request can be in the queue when the writer takes the next group (a
        worker thread per waiting request would cap the group at the size of the thread pool).
        The writer settles the waiting requests of a group with one call into their loop, not
        one per request (each such call costs both threads the GIL and the loop a wake-up).
        """
        if self._thread is None:
            return await asyncio.to_thread(self.append, events, expected_position, by)
        waiter = asyncio.get_running_loop().create_future()
        self._queue.put((events, expected_position, by, waiter))
        return await waiter

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            group = [first]
            stopping = False
            while len(group) < self.max_group:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                group.append(item)
            self._commit(group)
            if stopping:
                return

    def _commit(self, group: list[tuple[Sequence[Event], int | None, Attribution, Future | asyncio.Future]]) -> None:
        outcomes: list[AppendResult | BaseException]
        try:
            append_group = self.store.append_group if self.writer is None else self.writer.append_group
            outcomes = list(append_group([(events, expected, by) for events, expected, by, _ in group]))
        except BaseException as error:  # the whole group failed (e.g. the disk): every request learns it
            outcomes = [error] * len(group)
        else:
            self.groups += 1
            self.requests += len(group)
        waiting: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future, AppendResult | BaseException]]] = {}
        for (_, _, _, future), outcome in zip(group, outcomes):
            if isinstance(future, asyncio.Future):
                waiting.setdefault(future.get_loop(), []).append((future, outcome))
            else:
                _settle(future, outcome)
        for loop, settled in waiting.items():
            try:
                loop.call_soon_threadsafe(_settle_all, settled)
            except RuntimeError:  # the loop has closed: nobody waits for these answers any more
                pass


def _settle(future: Future | asyncio.Future, outcome: AppendResult | BaseException) -> None:
    if future.done():  # the waiting request was cancelled (on its loop): its append stands all the same
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def _settle_all(settled: list[tuple[asyncio.Future, AppendResult | BaseException]]) -> None:
    """Runs on the requests' event loop: hand every request of a group its answer."""
    for future, outcome in settled:
        _settle(future, outcome)
