"""A real server for tests that need real connections: uvicorn in a thread, on 127.0.0.1, on a free port.

Also small builders of many change records, and a wait-until helper (conditions, not durations).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import uvicorn

from service.app import create_app
from service.settings import Settings
from tests.conftest import TOKEN, events, make, registrations


class LiveServer:
    """A running app: ``url``, the ``app`` (for introspection), ``stop()``; stops by itself on exit."""

    def __init__(self, settings: Settings, clock: Any = None, send_buffer: int | None = None):
        self.app = create_app(settings, clock=clock)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if send_buffer:
            # Accepted connections inherit it: a small kernel buffer instead of loopback's autotuned megabytes,
            # so that a client that does not read fills it with little data.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # A short graceful shutdown: open feed streams never end by themselves.
        config = uvicorn.Config(self.app, log_level="warning", timeout_graceful_shutdown=1, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> LiveServer:
        """Start and wait until it accepts connections."""
        self.thread.start()
        wait_until(lambda: self.server.started, timeout=15, what="the server to start")
        return self

    def stop(self) -> None:
        """Stop (open streams are cut after the grace period) and wait for the thread."""
        self.server.should_exit = True
        self.thread.join(timeout=15)
        assert not self.thread.is_alive(), "the server did not stop"
        self.sock.close()

    @property
    def background(self) -> Any:
        """The app's background work (watcher, hub, dispatcher, scheduler)."""
        return self.app.state.background


@contextlib.contextmanager
def live_server(settings: Settings, clock: Any = None, send_buffer: int | None = None) -> Iterator[LiveServer]:
    """A started :class:`LiveServer`, stopped at the end."""
    server = LiveServer(settings, clock, send_buffer).start()
    try:
        yield server
    finally:
        server.stop()


def settings_for(path: Any, **overrides: Any) -> Settings:
    """Test settings: a database file, the test token, loose limits, a quick feed, throw-away durability."""
    values: dict[str, Any] = dict(database=str(path), token=TOKEN, write_burst=100_000, write_rate=100_000.0,
                                  durable=False, feed_poll_seconds=0.02, feed_heartbeat_seconds=0.5,
                                  backup_interval_hours=0)
    values.update(overrides)
    return Settings(**values)


def wait_until(condition: Callable[[], Any], *, timeout: float = 10.0, what: str = "the condition") -> Any:
    """Poll ``condition`` until it is truthy (returns its value); fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def all_changes(url: str) -> list[dict[str, Any]]:
    """Every change record from ``GET /changes``, page by page."""
    out: list[dict[str, Any]] = []
    after = 0
    while True:
        page = httpx.get(f"{url}/changes", params={"after": after, "limit": 1000}).json()
        out.extend(page["changes"])
        if page["next_after"] == after:
            return out
        after = page["next_after"]


# --- many change records ------------------------------------------------------------------------

ACTORS = tuple(f"a{i:02d}" for i in range(20))
TOPICS = ("troops", "money")
_STANCES = ("supportive", "reluctant")


def world():
    """Registrations of :data:`ACTORS` and :data:`TOPICS` (no change records yet)."""
    return events(*registrations(actors=ACTORS, topics=TOPICS, conditions=("ceasefire",)))


def stance_batch(round_: int, actors: tuple[str, ...] = ACTORS, topics: tuple[str, ...] = TOPICS):
    """One stance per (actor, topic), alternating between rounds: one change record each.

    Round ``n`` is dated ``n`` days after 2025-02-01 (in the past), so every round changes the present.
    """
    day = (dt.date(2025, 2, 1) + dt.timedelta(days=round_)).isoformat()
    stance = _STANCES[round_ % 2]
    return events(*[make("stance.stated", day, id=f"r{round_}-{a}-{t}", actor=a, topic=t, stance=stance)
                    for a in actors for t in topics])
