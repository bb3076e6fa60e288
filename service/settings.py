"""The service's settings: one frozen object read from the environment, then overridden by CLI flags.

Every knob the service has lives here, so that ``create_app`` and the CLI take one
value and tests can build a :class:`Settings` directly without touching the environment.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from events import Clock, FixedClock, InvalidEvent, SystemClock
from events.clock import parse_instant
from events.store.database_url import parse_database_url

DEFAULT_DATABASE = "./data/commitments.db"
TOKEN_FILE_NAME = "commitments.token"
ONE_MIB = 1024 * 1024


class SettingsError(ValueError):
    """A setting has a value the service cannot use (the message names the variable and an example)."""


@dataclass(frozen=True)
class Settings:
    """Where the data lives, how the server listens, who may write, and how much a client may send."""

    #: A database URL (``sqlite:///path/to.db``) or a plain file path; ``:memory:`` for throw-away runs.
    database: str = DEFAULT_DATABASE
    host: str = "127.0.0.1"
    port: int = 8000
    #: The bearer token writes need; None means: read it from (or create) the token file.
    token: str | None = None
    #: Where a generated token is kept; None means: ``commitments.token`` beside the database.
    token_file: str | None = None
    #: When true, reads need the bearer token too (``--private``).
    read_requires_token: bool = False
    #: Largest accepted request body, in bytes (larger: 413).
    max_body_bytes: int = ONE_MIB
    #: Most events accepted in one append (more: 413).
    max_batch_events: int = 10_000
    #: Sustained writes per second allowed per client address (token-bucket refill rate).
    write_rate: float = 2.0
    #: Writes a client may make in a burst before the rate applies (token-bucket size).
    write_burst: int = 30
    #: None for the system clock, or an RFC 3339 instant to freeze the clock at (demos, tests).
    clock: str | None = None
    #: Load the seed timeline on start when the log is empty.
    seed_if_empty: bool = False
    #: Wait for the disk on every append (``synchronous=FULL``); switch off only for throw-away data.
    durable: bool = True
    #: Bytes of encoded answers kept for repeated questions while the log stands still (0: none kept).
    answer_cache_bytes: int = 32 * ONE_MIB
    #: Run the server's appends in a process of their own, beside the HTTP event loop (a second core).
    writer_process: bool = True

    # --- the live feed (GET /feed), webhooks and scheduled work (docs/feed.md) ---
    #: How often the one feed watcher asks the database for new change records (PostgreSQL also LISTENs).
    feed_poll_seconds: float = 0.1
    #: An idle feed connection gets a comment at least this often, so proxies keep it open.
    feed_heartbeat_seconds: float = 15.0
    #: The reconnection delay the feed suggests to clients (the SSE ``retry:`` field), in milliseconds.
    feed_retry_ms: int = 3000
    #: Change records a feed subscriber reads from the database at a time (its whole buffer).
    feed_page_size: int = 200
    #: A feed client that takes no data for this long is disconnected (it resumes with Last-Event-ID).
    feed_write_timeout_seconds: float = 30.0
    #: How long one webhook delivery may take (connect, send and answer).
    webhook_timeout_seconds: float = 5.0
    #: The first retry of a failed delivery waits this long; each further failure doubles it ...
    webhook_backoff_seconds: float = 1.0
    #: ... up to this cap.
    webhook_backoff_cap_seconds: float = 3600.0
    #: Delivery attempts kept in each subscriber's delivery log.
    webhook_log_keep: int = 1000
    #: Subscribers delivered to at the same time.
    webhook_concurrency: int = 8
    #: How often the scheduler re-derives its day jobs from the log (it also does after appends).
    schedule_refresh_seconds: float = 300.0
    #: Where database backups go; None means: ``backups`` beside the database file.
    backup_dir: str | None = None
    #: Hours between backups (``VACUUM INTO`` a dated file); 0 switches them off. SQLite only.
    backup_interval_hours: float = 24.0
    #: Backups kept (older ones are deleted).
    backup_keep: int = 7

    def __post_init__(self) -> None:
        checks = [
            (self.port >= 0 and self.port <= 65535, "port", "8000"),
            (self.max_body_bytes > 0, "max_body_bytes", "1048576"),
            (self.max_batch_events > 0, "max_batch_events", "10000"),
            (self.answer_cache_bytes >= 0, "answer_cache_bytes", "33554432"),
            (self.write_rate > 0, "write_rate", "2.0"),
            (self.write_burst >= 1, "write_burst", "30"),
            (self.feed_poll_seconds > 0, "feed_poll_seconds", "0.1"),
            (self.feed_heartbeat_seconds > 0, "feed_heartbeat_seconds", "15"),
            (self.feed_retry_ms > 0, "feed_retry_ms", "3000"),
            (self.feed_page_size > 0, "feed_page_size", "200"),
            (self.feed_write_timeout_seconds > 0, "feed_write_timeout_seconds", "30"),
            (self.webhook_timeout_seconds > 0, "webhook_timeout_seconds", "5"),
            (self.webhook_backoff_seconds > 0, "webhook_backoff_seconds", "1"),
            (self.webhook_backoff_cap_seconds > 0, "webhook_backoff_cap_seconds", "3600"),
            (self.webhook_log_keep > 0, "webhook_log_keep", "1000"),
            (self.webhook_concurrency > 0, "webhook_concurrency", "8"),
            (self.schedule_refresh_seconds > 0, "schedule_refresh_seconds", "300"),
            (self.backup_interval_hours >= 0, "backup_interval_hours", "24"),
            (self.backup_keep > 0, "backup_keep", "7"),
        ]
        for ok, name, example in checks:
            if not ok:
                raise SettingsError(f"setting {name} must be positive; use e.g. {example}")
        if self.token is not None and len(self.token) < 16:
            raise SettingsError("the token must be at least 16 characters long; leave it unset to generate one")

    @property
    def database_path(self) -> Path | None:
        """The database file, or None for an in-memory or PostgreSQL database."""
        return parse_database_url(self.database).file

    @property
    def token_path(self) -> Path | None:
        """Where the generated token is kept: beside the database file; for PostgreSQL, in ``./data`` of each
        host (instances share a token through ``COMMITMENTS_TOKEN``); None for an in-memory database."""
        if self.token_file is not None:
            return Path(self.token_file)
        parsed = parse_database_url(self.database)
        if parsed.backend == "postgresql":
            return Path(DEFAULT_DATABASE).parent / TOKEN_FILE_NAME
        return None if parsed.file is None else parsed.file.parent / TOKEN_FILE_NAME

    @property
    def backup_path(self) -> Path | None:
        """Where backups go: ``backup_dir``, else ``backups`` beside the database file (None in memory)."""
        if self.backup_dir is not None:
            return Path(self.backup_dir)
        database = self.database_path  # PostgreSQL is backed up with pg_dump, not by the service
        return None if database is None else database.parent / "backups"

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed; ``None`` values are ignored (an unset CLI flag keeps the setting)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read ``COMMITMENTS_*`` variables (see ``ENVIRONMENT``), then apply non-None ``overrides``."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for variable, (name, convert) in ENVIRONMENT.items():
            text = env.get(variable)
            if text is None or text == "":
                continue
            try:
                values[name] = convert(text)
            except ValueError:
                raise SettingsError(f"{variable}={text!r} is not valid; {_HINTS[name]}") from None
        return cls(**values).replace(**overrides)


def build_clock(settings: Settings) -> Clock:
    """The system clock, or a clock frozen at ``settings.clock``.

    It lives beside the settings, below everything that needs a clock: the bootstrap builds the
    server's clock with it, and the writer process, a child that gets only the setting's text,
    builds the same clock again (importing the bootstrap from there closed an import circle).
    """
    if settings.clock is None:
        return SystemClock()
    try:
        return FixedClock(parse_instant(settings.clock, "clock"))
    except InvalidEvent:
        message = f"clock {settings.clock!r} is not an RFC 3339 instant; use e.g. 2026-01-07T12:00:00Z"
        raise SettingsError(message) from None


def _flag(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(text)


#: Environment variable -> (setting, conversion).
ENVIRONMENT: dict[str, tuple[str, Any]] = {
    "COMMITMENTS_DATABASE_URL": ("database", str),
    "COMMITMENTS_HOST": ("host", str),
    "COMMITMENTS_PORT": ("port", int),
    "COMMITMENTS_TOKEN": ("token", str),
    "COMMITMENTS_TOKEN_FILE": ("token_file", str),
    "COMMITMENTS_READ_REQUIRES_TOKEN": ("read_requires_token", _flag),
    "COMMITMENTS_MAX_BODY_BYTES": ("max_body_bytes", int),
    "COMMITMENTS_MAX_BATCH_EVENTS": ("max_batch_events", int),
    "COMMITMENTS_WRITE_RATE": ("write_rate", float),
    "COMMITMENTS_WRITE_BURST": ("write_burst", int),
    "COMMITMENTS_CLOCK": ("clock", str),
    "COMMITMENTS_SEED_IF_EMPTY": ("seed_if_empty", _flag),
    "COMMITMENTS_DURABLE": ("durable", _flag),
    "COMMITMENTS_ANSWER_CACHE_BYTES": ("answer_cache_bytes", int),
    "COMMITMENTS_WRITER_PROCESS": ("writer_process", _flag),
    "COMMITMENTS_FEED_POLL_SECONDS": ("feed_poll_seconds", float),
    "COMMITMENTS_FEED_HEARTBEAT_SECONDS": ("feed_heartbeat_seconds", float),
    "COMMITMENTS_FEED_RETRY_MS": ("feed_retry_ms", int),
    "COMMITMENTS_FEED_PAGE_SIZE": ("feed_page_size", int),
    "COMMITMENTS_FEED_WRITE_TIMEOUT_SECONDS": ("feed_write_timeout_seconds", float),
    "COMMITMENTS_WEBHOOK_TIMEOUT_SECONDS": ("webhook_timeout_seconds", float),
    "COMMITMENTS_WEBHOOK_BACKOFF_SECONDS": ("webhook_backoff_seconds", float),
    "COMMITMENTS_WEBHOOK_BACKOFF_CAP_SECONDS": ("webhook_backoff_cap_seconds", float),
    "COMMITMENTS_WEBHOOK_LOG_KEEP": ("webhook_log_keep", int),
    "COMMITMENTS_WEBHOOK_CONCURRENCY": ("webhook_concurrency", int),
    "COMMITMENTS_SCHEDULE_REFRESH_SECONDS": ("schedule_refresh_seconds", float),
    "COMMITMENTS_BACKUP_DIR": ("backup_dir", str),
    "COMMITMENTS_BACKUP_INTERVAL_HOURS": ("backup_interval_hours", float),
    "COMMITMENTS_BACKUP_KEEP": ("backup_keep", int),
}

_HINTS = {
    "database": "use e.g. ./data/commitments.db",
    "host": "use e.g. 127.0.0.1",
    "port": "use e.g. 8000",
    "token": "use e.g. the output of: python -c 'import secrets; print(secrets.token_urlsafe())'",
    "token_file": "use e.g. ./data/commitments.token",
    "read_requires_token": "use 1 or 0",
    "max_body_bytes": "use e.g. 1048576",
    "max_batch_events": "use e.g. 10000",
    "write_rate": "use e.g. 2.0",
    "write_burst": "use e.g. 30",
    "clock": "use e.g. 2026-01-07T12:00:00Z",
    "seed_if_empty": "use 1 or 0",
    "durable": "use 1 or 0",
    "answer_cache_bytes": "use e.g. 33554432 (0: keep no answers)",
    "writer_process": "use 1 or 0",
    "feed_poll_seconds": "use e.g. 0.1",
    "feed_heartbeat_seconds": "use e.g. 15",
    "feed_retry_ms": "use e.g. 3000",
    "feed_page_size": "use e.g. 200",
    "feed_write_timeout_seconds": "use e.g. 30",
    "webhook_timeout_seconds": "use e.g. 5",
    "webhook_backoff_seconds": "use e.g. 1",
    "webhook_backoff_cap_seconds": "use e.g. 3600",
    "webhook_log_keep": "use e.g. 1000",
    "webhook_concurrency": "use e.g. 8",
    "schedule_refresh_seconds": "use e.g. 300",
    "backup_dir": "use e.g. ./data/backups",
    "backup_interval_hours": "use e.g. 24 (0: no backups)",
    "backup_keep": "use e.g. 7",
}
