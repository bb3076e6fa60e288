"""The event store and its databases, chosen by URL."""

from __future__ import annotations

from pathlib import Path

from events.model.clock import Clock
from events.store.database import BackupFailed, Database
from events.store.database_url import DatabaseUrl, parse_database_url
from events.store.store import EventStore
from events.tables.log import Appended, AppendResult, StoredEvent
from events.tables.tx import Tx

__all__ = ["Appended", "AppendResult", "BackupFailed", "Database", "DatabaseUrl", "EventStore", "StoredEvent", "Tx",
           "open_database", "open_store", "parse_database_url"]


def open_database(url: str | Path, *, durable: bool = True) -> Database:
    """Open the database a URL names (see :mod:`events.store.database_url` for the forms it takes).

    ``durable=False`` trades the last commits on a power loss for speed (tests, bulk loads that can be rerun).
    """
    parsed = parse_database_url(url)
    if parsed.backend == "postgresql":
        from events.store.postgres import PostgresDatabase  # psycopg is needed only for PostgreSQL

        return PostgresDatabase(parsed.dsn, durable=durable, schema=parsed.schema, pool_size=parsed.pool_size)
    from events.store.sqlite import SqliteDatabase

    return SqliteDatabase(parsed.path, durable=durable)


def open_store(url: str | Path, *, clock: Clock | None = None, durable: bool = True) -> EventStore:
    """Open the event store in the database a URL names, creating its tables if missing."""
    database = open_database(url, durable=durable)
    try:
        return EventStore(database, clock)
    except BaseException:
        database.close()
        raise
