"""The one place that wires concrete parts together: the store, the clock and the write token.

Everything else receives these as arguments, so tests can hand in a store on a
temporary file and a :class:`~events.FixedClock`.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from events import Clock, EventStore, MissingDatabase, open_store
from service.settings import Settings, SettingsError, build_clock
from service.writing.group_commit import GroupCommitter

if TYPE_CHECKING:
    from service.live.background import Background


@dataclass(frozen=True)
class WriteToken:
    """The bearer token writes need, where it is kept, and whether it was just generated."""

    value: str
    path: Path | None
    generated: bool


def build_store(settings: Settings, clock: Clock, *, create: bool = True) -> EventStore:
    """Open the store the settings name; ``create=False`` refuses a database that does not exist yet."""
    try:
        return open_store(settings.database, clock=clock, durable=settings.durable, create=create)
    except MissingDatabase:
        raise
    except Exception as exc:  # a bad URL, an unreadable file, a file that is not a database: all a bad setting
        raise SettingsError(f"cannot open the database {settings.database!r}: {exc}") from None


def resolve_token(settings: Settings) -> WriteToken:
    """The configured token; else the one kept beside the database; else a new one, saved there with mode 0600.

    An in-memory database has nowhere to keep a token: it gets a fresh one per start.
    """
    if settings.token is not None:
        return WriteToken(settings.token, None, generated=False)
    path = settings.token_path
    if path is None:
        return WriteToken(secrets.token_urlsafe(32), None, generated=True)
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if len(value) < 16:
            raise SettingsError(f"the token file {path} is empty or too short; delete it to generate a new token")
        return WriteToken(value, path, generated=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    # Write a private temporary file, then link it into place: the link fails if another
    # process got there first, and nobody ever reads a half-written token.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(value + "\n")
        os.link(temporary, path)
    except FileExistsError:
        return resolve_token(settings)
    finally:
        temporary.unlink(missing_ok=True)
    return WriteToken(value, path, generated=True)


@dataclass
class Services:
    """The wired parts a running service (or one CLI command) works with."""

    settings: Settings
    store: EventStore
    clock: Clock
    owns_store: bool
    #: The server's appends run in a process of their own (service/writing/writer_process.py).
    writer_process: bool = False
    committer: GroupCommitter = field(init=False)  # set in __post_init__

    def __post_init__(self) -> None:
        # Appends go through the group committer; until the app starts it, it appends directly.
        writer = None
        if self.writer_process:
            from service.writing.writer_process import WriterProcess

            writer = WriterProcess(self.settings.database, durable=self.settings.durable, clock=self.settings.clock)
        self.committer = GroupCommitter(self.store, writer=writer)

    def close(self) -> None:
        """Stop the group committer and close the store if it was opened here (a store handed in is the caller's)."""
        self.committer.stop()
        if self.owns_store:
            self.store.close()


def open_services(settings: Settings, *, store: EventStore | None = None, clock: Clock | None = None,
                  create: bool = True) -> Services:
    """Build the clock and open the store the settings name, unless they are handed in (``create=False``: only a
    database that exists already, see :func:`events.open_store`).

    The server's appends get a process of their own when ``settings.writer_process`` is on and the
    child can open the same store with the same clock: the store and the clock come from the settings,
    and the database is a file or a server (a child cannot see this process's ``:memory:``).
    """
    if store is not None:
        return Services(settings, store, clock or build_clock(settings), owns_store=False)
    own_clock = clock is None
    clock = clock or build_clock(settings)
    opened = build_store(settings, clock, create=create)
    return Services(settings, opened, clock, owns_store=True,
                    writer_process=settings.writer_process and own_clock and opened.shared_across_processes)


def build_background(services: Services) -> Background:
    """The app's background work, wired to the services' store and clock: the change watcher, the feed's
    page reader and subscribers, the webhook dispatcher and the scheduler (see ``service/live/background.py``)."""
    # Imported here: CLI commands that only read need neither APScheduler nor httpx.
    from service.live.background import Background
    from service.live.dispatcher import WebhookDispatcher
    from service.live.pages import PageReader
    from service.live.scheduler import JobScheduler
    from service.live.subscribers import FeedHub
    from service.live.watcher import ChangeWatcher
    from service.live.webhooks import Policy

    s = services.settings
    # Ticks a third of the heartbeat apart: each subscriber's heartbeat falls due on one of them.
    watcher = ChangeWatcher(services.store, s.feed_poll_seconds, tick_seconds=s.feed_heartbeat_seconds / 3)
    reader = PageReader(services.store, watcher, s.feed_page_size)
    hub = FeedHub(watcher, reader, heartbeat_seconds=s.feed_heartbeat_seconds, retry_ms=s.feed_retry_ms)
    policy = Policy(s.webhook_backoff_seconds, s.webhook_backoff_cap_seconds, s.webhook_log_keep)
    dispatcher = WebhookDispatcher(services.store, services.clock, watcher, policy,
                                   timeout_seconds=s.webhook_timeout_seconds, concurrency=s.webhook_concurrency)
    scheduler = JobScheduler(services.store, services.clock, s)
    return Background(watcher, reader, hub, dispatcher, scheduler)
