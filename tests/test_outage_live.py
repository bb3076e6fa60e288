"""The live parts while the database is unavailable: the feed keeps its clients, webhooks look again soon.

Found by the outage test (``test_outage_postgres.py``); these pin each fix without a cluster to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from events.model.errors import Unavailable
from service.live import dispatcher as dispatcher_module
from service.live import sse
from service.live.dispatcher import WebhookDispatcher
from service.live.pages import Page
from service.live.subscribers import FeedHub
from service.live.watcher import ChangeWatcher


class StubWatcher:
    """A watcher that has seen change 3 and wakes waiters at once."""

    latest_change = 3
    tick_seconds = 0.0
    poll_seconds = 0.0

    def __init__(self) -> None:
        self.before_wake: list = []

    async def next_wake(self) -> None:
        await asyncio.sleep(0)


class FlakyReader:
    """Refuses the first ``refusals`` page reads as an unreachable database would, then answers an empty page."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals

    async def page(self, after: int) -> Page:
        if self.refusals:
            self.refusals -= 1
            raise Unavailable("the database is unavailable (connection refused); retry shortly")
        return Page(after, [], [], resume=3, full=False)


def test_a_feed_subscriber_behind_while_the_database_is_away_keeps_its_connection_and_goes_on(monkeypatch):
    monkeypatch.setattr("service.live.subscribers.UNAVAILABLE_RETRY_SECONDS", 0)
    hub = FeedHub(StubWatcher(), FlakyReader(refusals=2), heartbeat_seconds=0.0)  # type: ignore[arg-type]

    async def first_messages() -> list[bytes]:
        stream = hub.stream(0)
        got = [await stream.__anext__() for _ in range(4)]
        await stream.aclose()
        return got

    got = asyncio.run(first_messages())
    assert got[1] == got[2] == sse.comment("heartbeat"), "heartbeats while the reads are refused"
    assert got[3] == sse.skipped_to(3), "then the stream goes on from where it stood"


def bare_dispatcher() -> WebhookDispatcher:
    """A dispatcher with only what its round and its lanes use (no store: the tests replace what reads it)."""
    dispatcher = WebhookDispatcher.__new__(WebhookDispatcher)
    dispatcher._stopping = threading.Event()
    dispatcher._kick = asyncio.Event()
    dispatcher._pool = None  # type: ignore[assignment]  # the event loop's default executor
    dispatcher.lanes = {}
    dispatcher.rounds = 0
    dispatcher.watcher = StubWatcher()  # type: ignore[assignment]
    return dispatcher


def test_a_webhook_round_the_database_refuses_is_tried_again_soon_not_after_the_idle_wait(monkeypatch):
    waits: list[float] = []
    rounds = 0

    def waiting(self) -> list[str]:
        nonlocal rounds
        rounds += 1
        if rounds == 1:
            raise Unavailable("the database is unavailable (connection refused); retry shortly")
        self._stopping.set()
        return []

    async def sleep(self, seen: int, seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(WebhookDispatcher, "waiting", waiting)
    monkeypatch.setattr(WebhookDispatcher, "_sleep", sleep)
    dispatcher = bare_dispatcher()
    asyncio.run(dispatcher._run())
    assert rounds == 2 and dispatcher.rounds == 2
    assert waits == [dispatcher_module.UNAVAILABLE_RETRY_SECONDS]
    assert dispatcher_module.UNAVAILABLE_RETRY_SECONDS < dispatcher_module.IDLE_SECONDS


def test_a_webhook_turn_the_database_refuses_is_tried_again_soon_and_the_lane_goes_on(monkeypatch):
    naps: list[float] = []
    turns: list[str] = []

    def turn(self, ident: str) -> float | None:
        turns.append(ident)
        if len(turns) == 1:
            raise Unavailable("the database is unavailable (connection refused); retry shortly")
        return None  # delivered everything: the lane ends

    async def nap(self, seconds: float) -> None:
        naps.append(seconds)

    monkeypatch.setattr(WebhookDispatcher, "turn", turn)
    monkeypatch.setattr(WebhookDispatcher, "_nap", nap)
    dispatcher = bare_dispatcher()

    async def lane() -> None:
        dispatcher.lanes["sub-1"] = asyncio.current_task()  # type: ignore[assignment]
        await dispatcher._lane("sub-1")

    asyncio.run(lane())
    assert turns == ["sub-1", "sub-1"]
    assert naps == [dispatcher_module.UNAVAILABLE_RETRY_SECONDS]
    assert dispatcher.lanes == {} and dispatcher._kick.is_set(), "an ended lane asks for a round"


class AwayStore:
    """A store whose database does not answer: every read is refused, and counted."""

    def __init__(self) -> None:
        self.reads = 0

    @contextlib.contextmanager
    def reading(self):
        self.reads += 1
        raise Unavailable("the database is unavailable (connection refused); retry shortly")
        yield  # pragma: no cover - a generator for contextmanager


def test_the_watcher_says_once_that_the_database_is_away_not_at_every_poll(caplog):
    store = AwayStore()
    watcher = ChangeWatcher(store, poll_seconds=0.001)  # type: ignore[arg-type]

    async def polls_while_away() -> None:
        task = asyncio.create_task(watcher._run())
        while store.reads < 5:
            await asyncio.sleep(0.001)
        watcher._stopping.set()
        await task

    with caplog.at_level(logging.WARNING, logger="service.live.watcher"):
        asyncio.run(polls_while_away())
    said = [r.getMessage() for r in caplog.records if r.name == "service.live.watcher"]
    assert store.reads >= 5 and len(said) == 1 and "connection refused" in said[0], said
    assert watcher.unavailable is not None
