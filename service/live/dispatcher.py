"""The webhook dispatcher: an asyncio task of the app that runs delivery passes when there is work.

A pass (:meth:`WebhookDispatcher.run_once`, in a worker thread) delivers every
subscriber that has change records it has not received and is not waiting out a
backoff, several subscribers at a time (each one strictly in order). Between passes the
task sleeps until the watcher sees a new change record, a subscription is registered,
or the earliest retry is due — so retries need no scheduler job of their own, and a
retry is as punctual as the backoff says. On PostgreSQL a pass runs under
``store.exclusive("webhooks")``: with several instances, one delivers at a time.

On start the dispatcher settles where the webhooks belong (:func:`events.subscriptions.settle`):
in a copy of the database they start paused. While they are paused a pass delivers nothing;
a resume (``POST /subscriptions/resume`` pokes the dispatcher, ``commitments webhooks resume``
is noticed within ``IDLE_SECONDS``) lets the next pass go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from events import Clock, EventStore, queries, subscriptions
from events.model.errors import Unavailable
from service.live.watcher import ChangeWatcher
from service.live.webhooks import Policy, deliver, is_due, retry_at

_log = logging.getLogger("service.live.webhooks")
#: With nothing due, look again this often anyway (a subscriber added by another instance, say).
IDLE_SECONDS = 30.0
#: After a pass the database refused (it is unavailable), the next one comes this soon.
UNAVAILABLE_RETRY_SECONDS = 2.0


class WebhookDispatcher:
    """Runs delivery passes whenever there may be something to deliver."""

    def __init__(self, store: EventStore, clock: Clock, watcher: ChangeWatcher, policy: Policy, *,
                 timeout_seconds: float = 5.0, concurrency: int = 8, client: httpx.Client | None = None):
        self.store = store
        self.clock = clock
        self.watcher = watcher
        self.policy = policy
        self.concurrency = concurrency
        self.client = client or httpx.Client(timeout=timeout_seconds, follow_redirects=False)
        #: Delivery passes finished, paused ones included (introspection: tests wait for a whole pass).
        self.passes = 0
        self._owns_client = client is None
        self._kick = asyncio.Event()
        self._stopping = threading.Event()
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="webhook")

    async def start(self) -> None:
        """Settle where the webhooks belong (a copy pauses them), then start the background task."""
        settled = await asyncio.to_thread(subscriptions.settle, self.store, self.clock.now())
        if settled.paused is not None:
            _log.warning("webhooks are paused since %s: %s. Resume with `commitments webhooks resume` or"
                         " POST /subscriptions/resume", settled.paused.since, settled.paused.reason)
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run(), name="webhook-dispatcher")

    async def stop(self) -> None:
        """Finish the current delivery (at most one request per subscriber) and stop."""
        self._stopping.set()
        self._kick.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._pool.shutdown(wait=True)
        if self._owns_client:
            self.client.close()

    def poke(self) -> None:
        """Run a pass now (e.g. a subscription was just registered); callable from any thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._kick.set)

    async def _run(self) -> None:
        seen = self.watcher.latest_change
        while not self._stopping.is_set():
            self._kick.clear()
            try:
                wait = await asyncio.to_thread(self.run_once)
            except Unavailable as error:
                # The database is away: what is pending is still pending; look again soon, not in IDLE_SECONDS.
                _log.warning("webhook deliveries wait for the database: %s", error.detail)
                wait = UNAVAILABLE_RETRY_SECONDS
            except Exception:
                _log.exception("a webhook delivery pass failed")
                wait = IDLE_SECONDS
            seen = max(seen, self.watcher.latest_change)
            if wait > 0 and not self._stopping.is_set():
                await self._sleep(seen, wait)

    async def _sleep(self, seen: int, seconds: float) -> None:
        """Until a change after ``seen``, a poke, or ``seconds``."""
        waiters = {asyncio.ensure_future(self.watcher.wait_beyond(seen, seconds)),
                   asyncio.ensure_future(self._kick.wait())}
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    def run_once(self) -> float:
        """One delivery pass; returns how many seconds until the next one is needed (0: at once)."""
        with self.store.exclusive("webhooks") as mine:
            if not mine:
                return IDLE_SECONDS  # another instance is delivering
            try:
                if subscriptions.paused(self.store) is not None:
                    return IDLE_SECONDS  # until a resume pokes us (or, from the CLI, we look again)
                due = self._due()
                if due:
                    list(self._pool.map(
                        lambda s: deliver(self.store, self.client, s, self.clock, self.policy, self._stopping.is_set),
                        due))
                return self._next_wait()
            finally:
                self.passes += 1

    def _pending(self) -> list[subscriptions.Subscription]:
        with self.store.reading() as tx:
            latest = queries.last_change(tx)
        return [s for s in subscriptions.every(self.store) if s.delivered_through < latest]

    def _due(self) -> list[subscriptions.Subscription]:
        now = self.clock.now()
        return [s for s in self._pending() if is_due(s, now)]

    def _next_wait(self) -> float:
        now = self.clock.now()
        waits = [IDLE_SECONDS]
        for subscription in self._pending():
            retry = retry_at(subscription)
            if retry is None or retry <= now:  # due (as is_due says)
                return 0.0  # more backlog than one batch, or records that arrived during the pass
            waits.append((retry - now).total_seconds())
        return max(0.0, min(waits))
