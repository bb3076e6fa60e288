"""Stores: the abstract contract and its backends, chosen by URL."""

from __future__ import annotations

from pathlib import Path

from events.clock import Clock
from events.store.base import EventStore, Tx
from events.store.log import Appended, AppendResult, StoredEvent

__all__ = ["EventStore", "Tx", "StoredEvent", "Appended", "AppendResult", "open_store"]


def open_store(url: str | Path, *, clock: Clock | None = None, durable: bool = True) -> EventStore:
    """Open the store a URL names: ``sqlite:///path/to.db``, ``sqlite://:memory:``, a plain file path,
    or ``postgresql://user@host/db`` (``?schema=name`` keeps the tables in that schema, created if missing)."""
    text = str(url)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
        text = text if text.startswith(":memory:") else ("/" + text if not text.startswith(".") else text)
    elif text.startswith("sqlite://"):
        text = text[len("sqlite://") :]
    elif text.startswith(("postgresql://", "postgres://")):
        from events.store.postgres import PostgresStore

        url, schema = _split_schema(text)
        return PostgresStore(url, clock=clock, durable=durable, schema=schema)
    elif "://" in text:
        scheme = text.split("://", 1)[0]
        raise ValueError(f"unsupported database URL scheme '{scheme}'; use sqlite:///path/to.db or postgresql://...")
    from events.store.sqlite import SqliteStore

    return SqliteStore(text, clock=clock, durable=durable)


def _split_schema(url: str) -> tuple[str, str | None]:
    """Take a ``schema=`` query parameter out of a PostgreSQL URL (libpq does not know it)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((value for key, value in query if key == "schema"), None)
    rest = urlencode([(key, value) for key, value in query if key != "schema"])
    if schema is not None and not schema.replace("_", "").isalnum():
        raise ValueError(f"schema name '{schema}' may hold only letters, digits and _")
    return urlunsplit(parts._replace(query=rest)), schema
