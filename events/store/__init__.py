"""Stores: the abstract contract and its backends, chosen by URL."""

from __future__ import annotations

from pathlib import Path

from events.clock import Clock
from events.store.base import EventStore, Tx
from events.store.log import Appended, AppendResult, StoredEvent

__all__ = ["EventStore", "Tx", "StoredEvent", "Appended", "AppendResult", "open_store"]


def open_store(url: str | Path, *, clock: Clock | None = None, durable: bool = True) -> EventStore:
    """Open the store a URL names: ``sqlite:///path/to.db``, ``sqlite://:memory:``, a plain file path,
    or ``postgresql://user@host/db`` (``?schema=name`` keeps the tables in that schema, created if missing;
    ``?pool_size=N`` sets the connection pool's maximum, default 10)."""
    text = str(url)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
        text = text if text.startswith(":memory:") else ("/" + text if not text.startswith(".") else text)
    elif text.startswith("sqlite://"):
        text = text[len("sqlite://") :]
    elif text.startswith(("postgresql://", "postgres://")):
        from events.store.postgres import PostgresStore

        url, schema, pool_size = _split_options(text)
        return PostgresStore(url, clock=clock, durable=durable, schema=schema, pool_size=pool_size)
    elif "://" in text:
        scheme = text.split("://", 1)[0]
        raise ValueError(f"unsupported database URL scheme '{scheme}'; use sqlite:///path/to.db or postgresql://...")
    from events.store.sqlite import SqliteStore

    return SqliteStore(text, clock=clock, durable=durable)


def _split_options(url: str) -> tuple[str, str | None, int]:
    """Take ``schema=`` and ``pool_size=`` out of a PostgreSQL URL (libpq knows neither)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    ours = {key: value for key, value in query if key in ("schema", "pool_size")}
    rest = urlencode([(key, value) for key, value in query if key not in ours])
    schema = ours.get("schema")
    if schema is not None and not schema.replace("_", "").isalnum():
        raise ValueError(f"schema name '{schema}' may hold only letters, digits and _")
    pool = ours.get("pool_size", "10")
    if not pool.isdigit() or not 1 <= int(pool) <= 1000:
        raise ValueError(f"pool_size must be a whole number from 1 to 1000, not '{pool}'")
    return urlunsplit(parts._replace(query=rest)), schema, int(pool)
