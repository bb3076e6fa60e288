"""The service's settings: one frozen object read from the environment, then overridden by CLI flags.

Every knob the service has lives here, so that ``create_app`` and the CLI take one
value and tests can build a :class:`Settings` directly without touching the environment.

Each setting is declared once, as a field of :class:`Settings` made by :func:`setting`: its
name, type and default, its environment variable, the check its value must pass, the example
an error message suggests, and its help text. :func:`variables` lists them (for docs and tests).
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from events import Clock, FixedClock, InvalidEvent, SystemClock
from events.model.clock import parse_instant
from events.store.database_url import parse_database_url

DEFAULT_DATABASE = "./data/commitments.db"
TOKEN_FILE_NAME = "commitments.token"
ONE_MIB = 1024 * 1024
#: A setting's variable is this prefix and its name in capitals, unless its declaration names another.
PREFIX = "COMMITMENTS_"


class SettingsError(ValueError):
    """A setting has a value the service cannot use (the message names the variable and an example)."""


_DECLARED = "setting"


@dataclass(frozen=True)
class _Declared:
    """What :func:`setting` is told; the field adds the name and the type."""

    help: str
    example: str | None
    note: str | None
    env: str | None
    check: Callable[[Any], bool] | None
    invalid: str | None


def setting(default: Any, *, help: str, example: str | None = None, note: str | None = None,
            env: str | None = None, check: Callable[[Any], bool] | None = None,
            invalid: str | None = None) -> Any:
    """Declare one field of :class:`Settings`, with everything else the service knows about it.

    ``help`` says what it does. ``env`` is its variable when not ``COMMITMENTS_`` + the name in
    capitals. ``check`` is what every value must satisfy, else :class:`SettingsError` with
    ``invalid`` (by default: the setting must be positive, with ``example``). ``example`` is the
    value error messages suggest (by default the default, so it follows the default when that
    changes); ``note`` adds a word on it to the message of a variable that does not parse. How a
    variable's text is read follows the field's type: int, float, text, or a flag (1 or 0).
    """
    return dataclasses.field(default=default, metadata={_DECLARED: _Declared(help, example, note, env, check,
                                                                             invalid)})


def _positive(value: Any) -> bool:
    return value > 0


def _not_negative(value: Any) -> bool:
    return value >= 0


@dataclass(frozen=True)
class Settings:
    """Where the data lives, how the server listens, who may write, and how much a client may send.

    Every field is declared with :func:`setting`, which keeps its variable, check, example and help beside it.
    """

    database: str = setting(DEFAULT_DATABASE, env="COMMITMENTS_DATABASE_URL",
                            help="A database URL (``sqlite:///relative.db``, ``sqlite:////absolute.db``,"
                                 " ``postgresql://...``) or a plain file path; ``:memory:`` for throw-away runs.")
    host: str = setting("127.0.0.1", help="The interface the server listens on.")
    port: int = setting(8000, check=lambda port: 0 <= port <= 65535, help="The port the server listens on.")
    token: str | None = setting(
        None, check=lambda token: token is None or len(token) >= 16,
        invalid="the token must be at least 16 characters long; leave it unset to generate one",
        example="the output of: python -c 'import secrets; print(secrets.token_urlsafe())'",
        help="The bearer token writes need (at least 16 characters); unset: read it from (or create) the token"
             " file.")
    token_file: str | None = setting(None, example="./data/commitments.token",
                                     help="Where a generated token is kept; unset: ``commitments.token`` beside the"
                                          " database.")
    read_requires_token: bool = setting(False, env="COMMITMENTS_PRIVATE_READS",
                                        help="When true, reads need a key too, of any role (``--private``).")
    review: str = setting("optional", check=lambda review: review in ("optional", "required"),
                          invalid="COMMITMENTS_REVIEW must be 'optional' or 'required'", example="required",
                          help="``required``: an editor's writes go through proposals (POST /events answers an"
                               " editor 403); ``optional``: editors may also append directly.")
    max_body_bytes: int = setting(ONE_MIB, check=_positive,
                                  help="Largest accepted request body, in bytes (larger: 413).")
    max_batch_events: int = setting(10_000, check=_positive, help="Most events accepted in one append (more: 413).")
    # A rate may have a fraction: the example shows one.
    write_rate: float = setting(2.0, check=_positive, example="2.0",
                                help="Sustained writes per second allowed per key (token-bucket refill"
                                     " rate).")
    write_burst: int = setting(30, check=lambda burst: burst >= 1,
                               help="Writes a key may make in a burst before the rate applies (token-bucket"
                                    " size).")
    auth_failure_burst: int = setting(10, check=lambda burst: burst >= 1,
                                      help="Requests with a wrong token a client address may make before it must"
                                           " wait (then 429, whatever it sends).")
    auth_failure_rate: float = setting(0.1, check=_positive, example="0.1",
                                       help="Wrong-token requests per second a client address regains (0.1: one"
                                            " every 10 s).")
    clock: str | None = setting(None, example="2026-01-07T12:00:00Z",
                                help="Unset for the system clock, or an RFC 3339 instant to freeze the clock at"
                                     " (demos, tests).")
    seed_if_empty: bool = setting(False, help="Load the seed timeline on start when the log is empty.")
    durable: bool = setting(True, help="Wait for the disk on every append (``synchronous=FULL``); switch off only"
                                       " for throw-away data.")
    answer_cache_bytes: int = setting(32 * ONE_MIB, check=_not_negative, note="0: keep no answers",
                                      help="Bytes of encoded answers kept for repeated questions while the log"
                                           " stands still (0: none kept).")
    writer_process: bool = setting(True, help="Run the server's appends in a process of their own, beside the HTTP"
                                              " event loop (a second core).")

    # --- the live feed (GET /feed), webhooks and scheduled work (docs/feed.md) ---
    feed_poll_seconds: float = setting(0.1, check=_positive,
                                       help="How often the one feed watcher asks the database for new change"
                                            " records (PostgreSQL also LISTENs).")
    feed_heartbeat_seconds: float = setting(15.0, check=_positive,
                                            help="An idle feed connection gets a comment at least this often, so"
                                                 " proxies keep it open.")
    feed_retry_ms: int = setting(3000, check=_positive,
                                 help="The reconnection delay the feed suggests to clients (the SSE ``retry:``"
                                      " field), in milliseconds.")
    feed_page_size: int = setting(200, check=_positive,
                                  help="Change records a feed subscriber reads from the database at a time (its"
                                       " whole buffer).")
    feed_write_timeout_seconds: float = setting(30.0, check=_positive,
                                                help="A feed client that takes no data for this long is"
                                                     " disconnected (it resumes with Last-Event-ID).")
    webhook_timeout_seconds: float = setting(5.0, check=_positive,
                                             help="How long one webhook delivery may take (connect, send and"
                                                  " answer).")
    webhook_backoff_seconds: float = setting(1.0, check=_positive,
                                             help="The first retry of a failed delivery waits this long; each"
                                                  " further failure doubles the wait.")
    webhook_backoff_cap_seconds: float = setting(3600.0, check=_positive,
                                                 help="The longest wait between retries of a failed delivery.")
    webhook_log_keep: int = setting(1000, check=_positive,
                                    help="Delivery attempts kept in each subscriber's delivery log.")
    webhook_concurrency: int = setting(8, check=_positive, help="Subscribers delivered to at the same time.")
    schedule_refresh_seconds: float = setting(300.0, check=_positive,
                                              help="How often the scheduler re-derives its day jobs from the log (it"
                                                   " also does after appends).")
    backup_dir: str | None = setting(None, example="./data/backups",
                                     help="Where database backups go; unset: ``backups`` beside the database file.")
    backup_interval_hours: float = setting(24.0, check=_not_negative, note="0: no backups",
                                           help="Hours between backups (``VACUUM INTO`` a dated file); 0 switches"
                                                " them off. SQLite only.")
    backup_keep: int = setting(7, check=_positive, help="Backups kept (older ones are deleted).")

    def __post_init__(self) -> None:
        for declared in _DECLARATIONS:
            if declared.check is not None and not declared.check(getattr(self, declared.name)):
                raise SettingsError(str(declared.invalid))

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
        """Read the ``COMMITMENTS_*`` variables (see :func:`variables`), then apply non-None ``overrides``.

        An unset or empty variable keeps the default.
        """
        env = os.environ if env is None else env
        for old, new in _RENAMED.items():
            if env.get(old):  # silently ignored, an old variable could open what it was set to close
                raise SettingsError(f"{old} is now called {new}; rename it")
        values: dict[str, Any] = {}
        for declared in _DECLARATIONS:
            text = env.get(declared.variable)
            if text is None or text == "":
                continue
            try:
                values[declared.name] = declared.parse(text)
            except ValueError:
                raise SettingsError(f"{declared.variable}={text!r} is not valid; {declared.hint}") from None
        return cls(**values).replace(**overrides)


#: Variables of earlier releases, and the names they have now.
_RENAMED = {"COMMITMENTS_READ_REQUIRES_TOKEN": "COMMITMENTS_PRIVATE_READS"}


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


class Variable(typing.NamedTuple):
    """One environment variable of the service, as :func:`variables` lists it."""

    variable: str
    name: str
    help: str
    default: Any


@dataclass(frozen=True)
class Declaration:
    """One setting as :func:`setting` declared it, completed with its name and type."""

    name: str
    variable: str
    default: Any
    help: str
    #: Reads the variable's text (raises ValueError on text it cannot read).
    parse: Callable[[str], Any]
    #: What every value must satisfy (None: whatever the type allows), and the error when one does not.
    check: Callable[[Any], bool] | None
    invalid: str | None
    #: The advice of the error for a variable that does not parse, e.g. ``use e.g. 8000``.
    hint: str


def declarations() -> tuple[Declaration, ...]:
    """Every setting, in the order of the fields of :class:`Settings`."""
    return _DECLARATIONS


def declaration(name: str) -> Declaration:
    """The declaration of the setting ``name`` (KeyError for a name that is no setting)."""
    return _BY_NAME[name]


def variables() -> list[Variable]:
    """Every ``COMMITMENTS_*`` variable: its name, the setting it sets, its help and its default."""
    return [Variable(d.variable, d.name, d.help, d.default) for d in _DECLARATIONS]


def _declare(cls: type) -> tuple[Declaration, ...]:
    types_ = typing.get_type_hints(cls)
    found = []
    for field in dataclasses.fields(cls):
        told: _Declared = field.metadata[_DECLARED]
        kind = _without_none(types_[field.name])
        example = told.example if told.example is not None else _text(field.default)
        if kind is bool:
            hint = "use 1 or 0"
        elif example is None:  # a mistake in the declaration: fail on import, not on a user's bad value
            raise TypeError(f"setting {field.name} needs an example: its default is {field.default!r}")
        else:
            hint = f"use e.g. {example}" + (f" ({told.note})" if told.note else "")
        invalid = None
        if told.check is not None:
            invalid = told.invalid or f"setting {field.name} must be positive; use e.g. {example}"
        found.append(Declaration(name=field.name, variable=told.env or PREFIX + field.name.upper(),
                                 default=field.default, help=told.help, parse=_PARSERS[kind], check=told.check,
                                 invalid=invalid, hint=hint))
    return tuple(found)


def _without_none(kind: Any) -> Any:
    """``str`` for ``str | None``: an optional setting's variable holds the value itself."""
    if isinstance(kind, types.UnionType):
        (kind,) = [member for member in typing.get_args(kind) if member is not type(None)]
    return kind


def _text(default: Any) -> str | None:
    """A default as one would write it in a variable (15, not 15.0)."""
    if default is None:
        return None
    return f"{default:g}" if isinstance(default, float) else str(default)


def _flag(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(text)


_PARSERS: dict[Any, Callable[[str], Any]] = {str: str, int: int, float: float, bool: _flag}
_DECLARATIONS = _declare(Settings)
_BY_NAME = {d.name: d for d in _DECLARATIONS}
