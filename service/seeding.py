"""Loading the seed timeline into a store (``commitments seed`` and ``serve --seed-if-empty``)."""

from __future__ import annotations

from events import AppendResult, EventStore, NotFound


def load_seed(store: EventStore, path: str | None = None) -> AppendResult:
    """Append the seed timeline; its events carry fixed ids, so loading it again appends nothing."""
    try:
        import seeds  # imported late: the service runs without the seed data set
    except ImportError:
        raise NotFound("the seed data set (package `seeds`) is not installed; pip install -e . installs it") from None
    return seeds.load_seed(store, path)


def seed_if_empty(store: EventStore) -> AppendResult | None:
    """Load the seed timeline when the log is empty; None when there was something already."""
    if store.last_position() != 0:
        return None
    return load_seed(store)
