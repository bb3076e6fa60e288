"""The webhook dispatcher: a delivery lane per subscriber, so no receiver waits for another.

An asyncio task of the app (the *round*) looks at the subscriptions whenever there may be
something to deliver — the watcher saw a new change record, a subscription was registered, a
lane ended, or ``IDLE_SECONDS`` passed — and starts a *lane* for each subscriber that has change
records it has not received and has no lane yet. A lane is an asyncio task that delivers that
one subscriber strictly in order, in *turns* on a pool of ``concurrency`` threads (a turn ends
after ``Policy.turn_seconds`` or at a failure, so subscribers with a backlog take turns), waits
out its backoff itself after a failure, and waits for the next record once the subscriber has
every record (it ends after ``IDLE_SECONDS`` without one). A slow
or failing receiver therefore holds back nobody but itself, and one that was slow catches up at
its own pace.

On PostgreSQL a turn runs under ``store.exclusive("webhooks:<subscription id>")``: with several
instances on one database, each subscriber is delivered by one instance at a time (which keeps
its order), while different subscribers may be served by different instances.

On start the dispatcher settles where the webhooks belong (:func:`events.subscriptions.settle`):
in a copy of the database they start paused. While they are paused no lane starts and a running
lane ends at its next turn; a resume (``POST /subscriptions/resume`` pokes the dispatcher,
``commitments webhooks resume`` is noticed within ``IDLE_SECONDS``) lets the next round start them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from events import Clock, EventStore, queries, subscriptions
from events.model.errors import NotFound, Unavailable
from service.live.watcher import ChangeWatcher
from service.live.webhooks import Policy, deliver, is_due, retry_at

_log = logging.getLogger("service.live.webhooks")
#: With nothing to do, look again this often anyway (a subscriber added by another instance, say).
IDLE_SECONDS = 30.0
#: After the database refused a round or a turn (it is unavailable), the next one comes this soon.
UNAVAILABLE_RETRY_SECONDS = 2.0
#: What a turn returns when the subscriber has every record: its lane waits for the next one.
CAUGHT_UP = float("inf")


class WebhookDispatcher:
    """Starts a delivery lane for every subscriber with something to deliver, and stops them on shutdown."""

    def __init__(self, store: EventStore, clock: Clock, watcher: ChangeWatcher, policy: Policy, *,
                 timeout_seconds: float = 5.0, concurrency: int = 8, client: httpx.Client | None = None):
        self.store = store
        self.clock = clock
        self.watcher = watcher
        self.policy = policy
        self.concurrency = concurrency
        self.client = client or httpx.Client(timeout=timeout_seconds, follow_redirects=False)
        #: Rounds finished, paused ones included (introspection: tests wait for a whole round).
        self.rounds = 0
        #: The running lanes by subscription id (a lane removes itself when it ends).
        self.lanes: dict[str, asyncio.Task] = {}
        self._owns_client = client is None
        self._kick = asyncio.Event()
        self._stopping = threading.Event()
        self._stopped = asyncio.Event()  # the same, for lanes asleep in the event loop
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="webhook")

    async def start(self) -> None:
        """Settle where the webhooks belong (a copy pauses them), then start the rounds."""
        settled = await asyncio.to_thread(subscriptions.settle, self.store, self.clock.now())
        if settled.paused is not None:
            _log.warning("webhooks are paused since %s: %s. Resume with `commitments webhooks resume` or"
                         " POST /subscriptions/resume", settled.paused.since, settled.paused.reason)
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run(), name="webhook-dispatcher")

    async def stop(self) -> None:
        """Let each lane finish the delivery in flight (at most one request per subscriber), then stop."""
        self._stopping.set()
        self._stopped.set()
        self._kick.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        lanes = list(self.lanes.values())
        if lanes:
            await asyncio.gather(*lanes, return_exceptions=True)
        self._pool.shutdown(wait=True)
        if self._owns_client:
            self.client.close()

    def poke(self) -> None:
        """Run a round now (e.g. a subscription was just registered); callable from any thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._kick.set)

    # the rounds ------------------------------------------------------------------------

    async def _run(self) -> None:
        seen = self.watcher.latest_change
        while not self._stopping.is_set():
            self._kick.clear()
            wait = IDLE_SECONDS
            try:
                for ident in await asyncio.to_thread(self.waiting):
                    if ident not in self.lanes and not self._stopping.is_set():
                        self.lanes[ident] = asyncio.create_task(self._lane(ident), name=f"webhook-lane-{ident}")
            except Unavailable as error:
                # The database is away: what is pending is still pending; look again soon, not in IDLE_SECONDS.
                _log.warning("webhook deliveries wait for the database: %s", error.detail)
                wait = UNAVAILABLE_RETRY_SECONDS
            except Exception:
                _log.exception("a webhook round failed")
            finally:
                self.rounds += 1
            seen = max(seen, self.watcher.latest_change)
            if not self._stopping.is_set():
                await self._sleep(seen, wait)

    async def _sleep(self, seen: int, seconds: float) -> None:
        """Until a change after ``seen``, a poke, or ``seconds``."""
        await self._change_or(self._kick, seen, seconds)

    async def _change_or(self, event: asyncio.Event, seen: int, seconds: float) -> None:
        """Until a change record after ``seen``, ``event`` is set, or ``seconds`` pass."""
        waiters = {asyncio.ensure_future(self.watcher.wait_beyond(seen, seconds)), asyncio.ensure_future(event.wait())}
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    def waiting(self) -> list[str]:
        """The subscribers with change records they have not received (none while webhooks are paused)."""
        if subscriptions.paused(self.store) is not None:
            return []
        with self.store.reading() as tx:
            latest = queries.last_change(tx)
        return [s.id for s in subscriptions.every(self.store) if s.delivered_through < latest]

    # the lanes -------------------------------------------------------------------------

    async def _lane(self, ident: str) -> None:
        """Deliver one subscriber in turns until it is deleted, webhooks pause or stop, or no record comes for
        ``IDLE_SECONDS`` after it had every one."""
        loop = asyncio.get_running_loop()
        try:
            while not self._stopping.is_set():
                seen = self.watcher.latest_change  # before the turn: a record after its last look is news
                try:
                    wait = await loop.run_in_executor(self._pool, self.turn, ident)
                except Unavailable as error:
                    _log.warning("webhook deliveries to %s wait for the database: %s", ident, error.detail)
                    wait = UNAVAILABLE_RETRY_SECONDS
                except Exception:
                    _log.exception("a webhook delivery turn of %s failed", ident)
                    wait = IDLE_SECONDS
                if wait is None:
                    return
                if wait == CAUGHT_UP:
                    if await self._next_record(seen):
                        continue
                    return
                if wait > 0:
                    await self._nap(min(wait, IDLE_SECONDS))
        finally:
            self.lanes.pop(ident, None)
            self._kick.set()  # records may have come after the lane's last look: the next round sees them

    async def _next_record(self, seen: int) -> bool:
        """Wait for a change record after ``seen`` (True), at most ``IDLE_SECONDS`` or until the dispatcher stops."""
        await self._change_or(self._stopped, seen, IDLE_SECONDS)
        return self.watcher.latest_change > seen and not self._stopping.is_set()

    async def _nap(self, seconds: float) -> None:
        """Until ``seconds`` pass or the dispatcher stops."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), seconds)

    def turn(self, ident: str) -> float | None:
        """One turn of a subscriber's lane, in a worker thread: deliver what is due, in order, for up to
        ``policy.turn_seconds``. Returns how many seconds until the next turn is needed (0: at once), CAUGHT_UP
        when the subscriber has every record, or None when the lane ends (the subscription is gone, webhooks are
        paused)."""
        with self.store.exclusive(f"webhooks:{ident}") as mine:
            if not mine:
                return IDLE_SECONDS  # another instance is delivering this subscriber
            if subscriptions.paused(self.store) is not None:
                return None  # until a resume pokes a round (or, from the CLI, a round sees it)
            try:
                subscription = subscriptions.get(self.store, ident)
                if is_due(subscription, self.clock.now()):
                    deliver(self.store, self.client, subscription, self.clock, self.policy, self._stopping.is_set)
                    subscription = subscriptions.get(self.store, ident)
            except NotFound:
                return None  # deleted
            with self.store.reading() as tx:
                latest = queries.last_change(tx)
            if subscription.delivered_through >= latest:
                return CAUGHT_UP
            retry = retry_at(subscription)
            now = self.clock.now()
            return 0.0 if retry is None or retry <= now else (retry - now).total_seconds()
