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

    def __post_init__(self) -> None:
        checks = [
            (self.port >= 0 and self.port <= 65535, "port", "8000"),
            (self.max_body_bytes > 0, "max_body_bytes", "1048576"),
            (self.max_batch_events > 0, "max_batch_events", "10000"),
            (self.write_rate > 0, "write_rate", "2.0"),
            (self.write_burst >= 1, "write_burst", "30"),
        ]
        for ok, name, example in checks:
            if not ok:
                raise SettingsError(f"setting {name} must be positive; use e.g. {example}")
        if self.token is not None and len(self.token) < 16:
            raise SettingsError("the token must be at least 16 characters long; leave it unset to generate one")

    @property
    def database_path(self) -> Path | None:
        """The database file, or None for an in-memory database."""
        text = self.database
        for prefix in ("sqlite:///", "sqlite://"):
            if text.startswith(prefix):
                text = text[len(prefix) :]
                break
        if text.startswith(":memory:"):
            return None
        if self.database.startswith("sqlite:///") and not text.startswith((".", "/")):
            text = "/" + text  # sqlite:///srv/c.db names /srv/c.db, as open_store reads it
        return Path(text)

    @property
    def token_path(self) -> Path | None:
        """Where the generated token is kept (beside the database), or None for an in-memory database."""
        if self.token_file is not None:
            return Path(self.token_file)
        database = self.database_path
        return None if database is None else database.parent / TOKEN_FILE_NAME

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
}
