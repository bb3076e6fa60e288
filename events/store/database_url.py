"""Database URLs: the one parser of the strings that name a store (settings, CLI flags, ``open_store``).

SQLite follows the usual URL convention (SQLAlchemy's): ``sqlite:///relative/path.db`` (three
slashes, then a path relative to the working directory), ``sqlite:////absolute/path.db`` (four),
``sqlite:///:memory:`` or ``sqlite://:memory:``; a plain file path works too. PostgreSQL is
``postgresql://user@host/db`` (also ``postgres://``) with two options of ours that libpq does not
know: ``?schema=name`` (keep the tables in that schema, created if missing) and ``?pool_size=N``
(the connection pool's maximum, default 10).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MEMORY = ":memory:"
DEFAULT_POOL_SIZE = 10
_OURS = ("schema", "pool_size")


@dataclass(frozen=True)
class DatabaseUrl:
    """A parsed database URL: which backend, and what it needs to open the database."""

    backend: Literal["sqlite", "postgresql"]
    #: SQLite: the file path, or ``:memory:``.
    path: str = ""
    #: PostgreSQL: the libpq URL, without the options below.
    dsn: str = ""
    schema: str | None = None
    pool_size: int = DEFAULT_POOL_SIZE

    @property
    def file(self) -> Path | None:
        """The SQLite database file, or None (in memory, or not SQLite)."""
        if self.backend != "sqlite" or self.path.startswith(MEMORY):
            return None
        return Path(self.path)


def parse_database_url(url: str | Path) -> DatabaseUrl:
    """Parse a database URL or plain path; raises ValueError naming what is wrong."""
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        return _postgresql(text)
    if text.startswith("sqlite:///"):
        return DatabaseUrl("sqlite", path=_sqlite_path(text[len("sqlite:///") :], text))
    if text.startswith("sqlite://"):
        rest = text[len("sqlite://") :]
        if rest != MEMORY:
            raise ValueError(f"'{text}' names a host, which SQLite has none of; use sqlite:///relative.db or"
                             " sqlite:////absolute/path.db")
        return DatabaseUrl("sqlite", path=MEMORY)
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise ValueError(f"unsupported database URL scheme '{scheme}'; use sqlite:///path/to.db or postgresql://...")
    return DatabaseUrl("sqlite", path=text)


def _sqlite_path(path: str, url: str) -> str:
    if not path:
        raise ValueError(f"'{url}' names no file; use sqlite:///relative.db or sqlite:////absolute/path.db")
    if "?" in path:
        raise ValueError(f"'{url}' has options, which SQLite URLs here do not take; use sqlite:///relative.db")
    return path


def _postgresql(url: str) -> DatabaseUrl:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    ours = {key: value for key, value in query if key in _OURS}
    rest = urlencode([(key, value) for key, value in query if key not in _OURS])
    schema = ours.get("schema")
    if schema is not None and not schema.replace("_", "").isalnum():
        raise ValueError(f"schema name '{schema}' may hold only letters, digits and _")
    pool = ours.get("pool_size", str(DEFAULT_POOL_SIZE))
    if not pool.isdigit() or not 1 <= int(pool) <= 1000:
        raise ValueError(f"pool_size must be a whole number from 1 to 1000, not '{pool}'")
    return DatabaseUrl("postgresql", dsn=urlunsplit(parts._replace(query=rest)), schema=schema, pool_size=int(pool))
