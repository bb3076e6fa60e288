"""Stores: the abstract contract and its backends, chosen by URL."""

from __future__ import annotations

from pathlib import Path

from events.clock import Clock
from events.store.base import EventStore, Tx
from events.store.database_url import DatabaseUrl, parse_database_url
from events.store.log import Appended, AppendResult, StoredEvent

__all__ = ["EventStore", "Tx", "StoredEvent", "Appended", "AppendResult", "DatabaseUrl", "open_store",
           "parse_database_url"]


def open_store(url: str | Path, *, clock: Clock | None = None, durable: bool = True) -> EventStore:
    """Open the store a URL names (see :mod:`events.store.database_url` for the forms it takes)."""
    parsed = parse_database_url(url)
    if parsed.backend == "postgresql":
        from events.store.postgres import PostgresStore

        return PostgresStore(parsed.dsn, clock=clock, durable=durable, schema=parsed.schema,
                             pool_size=parsed.pool_size)
    from events.store.sqlite import SqliteStore

    return SqliteStore(parsed.path, clock=clock, durable=durable)
