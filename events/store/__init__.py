"""Stores: the abstract contract and its backends, chosen by URL."""

from __future__ import annotations

from pathlib import Path

from events.clock import Clock
from events.store.base import EventStore, Tx
from events.store.log import Appended, AppendResult, StoredEvent

__all__ = ["EventStore", "Tx", "StoredEvent", "Appended", "AppendResult", "open_store"]


def open_store(url: str | Path, *, clock: Clock | None = None, durable: bool = True) -> EventStore:
    """Open the store a URL names: ``sqlite:///path/to.db``, ``sqlite://:memory:``, a plain file path,
    or ``postgresql://user@host/db`` (the schema can be chosen with ``?options=-csearch_path%3Dname``)."""
    text = str(url)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
        text = text if text.startswith(":memory:") else ("/" + text if not text.startswith(".") else text)
    elif text.startswith("sqlite://"):
        text = text[len("sqlite://") :]
    elif text.startswith(("postgresql://", "postgres://")):
        from events.store.postgres import PostgresStore

        return PostgresStore(text, clock=clock, durable=durable)
    elif "://" in text:
        scheme = text.split("://", 1)[0]
        raise ValueError(f"unsupported database URL scheme '{scheme}'; use sqlite:///path/to.db or postgresql://...")
    from events.store.sqlite import SqliteStore

    return SqliteStore(text, clock=clock, durable=durable)
