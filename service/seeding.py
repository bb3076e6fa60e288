"""Loading the seed timeline into a store (``commitments seed`` and ``serve --seed-if-empty``)."""

from __future__ import annotations

from events import AppendResult, Event, EventStore, NotFound


def read_seed_events(path: str | None = None) -> list[Event]:
    """The seed timeline's events (``seeds/coalition.yaml`` unless ``path`` names another file)."""
    try:
        from seeds import read_seed  # imported late: the service runs without the seed data set
    except ImportError:
        raise NotFound("the seed data set (package `seeds`) is not installed; pip install -e . installs it") from None
    return read_seed(path)


def load_seed(store: EventStore, path: str | None = None) -> AppendResult:
    """Append the seed timeline; its events carry fixed ids, so loading it again appends nothing."""
    return store.append(read_seed_events(path))


def seed_if_empty(store: EventStore) -> AppendResult | None:
    """Load the seed timeline when the log is empty; None when there was something already."""
    if store.last_position() != 0:
        return None
    return load_seed(store)
