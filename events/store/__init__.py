"""The event store and its databases, chosen by URL."""

from __future__ import annotations

from pathlib import Path

from events.model.clock import Clock
from events.model.errors import MissingDatabase
from events.store.database import BackupFailed, Database
from events.store.database_url import DatabaseUrl, parse_database_url
from events.store.store import EventStore
from events.tables.log import UNATTRIBUTED, Appended, AppendResult, Attribution, StoredEvent
from events.tables.tx import Tx

__all__ = ["UNATTRIBUTED", "Appended", "AppendResult", "Attribution", "BackupFailed", "Database", "DatabaseUrl",
           "EventStore", "StoredEvent", "Tx",
           "open_database", "open_store", "parse_database_url"]


def open_database(url: str | Path, *, durable: bool = True, create: bool = True) -> Database:
    """Open the database a URL names (see :mod:`events.store.database_url` for the forms it takes).

    ``durable=False`` trades the last commits on a power loss for speed (tests, bulk loads that can be rerun).
    ``create=False`` refuses, with :class:`MissingDatabase`, an SQLite file that does not exist (or a PostgreSQL
    schema that does not), instead of creating an empty one.
    """
    parsed = parse_database_url(url)
    if parsed.backend == "postgresql":
        from events.store.postgres import PostgresDatabase  # psycopg is needed only for PostgreSQL

        return PostgresDatabase(parsed.dsn, durable=durable, schema=parsed.schema, pool_size=parsed.pool_size,
                                create=create)
    from events.store.sqlite import SqliteDatabase

    if not create and parsed.file is not None and not parsed.file.is_file():
        raise MissingDatabase(f"no database at {parsed.file}: check the path (only serve, seed, import and migrate"
                              " --to create a database)")
    return SqliteDatabase(parsed.path, durable=durable)


def open_store(url: str | Path, *, clock: Clock | None = None, durable: bool = True,
               create: bool = True) -> EventStore:
    """Open the event store in the database a URL names, creating it and its tables if missing (unless
    ``create=False``: then a database that does not hold a log is refused with :class:`MissingDatabase`)."""
    database = open_database(url, durable=durable, create=create)
    try:
        return EventStore(database, clock, create=create)
    except BaseException:
        database.close()
        raise
