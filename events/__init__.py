"""The framework-free core: event types, dates, vocabulary, the store and its projections, and queries.

Nothing in this package imports a web framework; ``service`` builds on it.
"""

from events import keys, proposals, queries, series
from events.model import dates, vocabulary
from events.model.catalog import EVENT_TYPES, AnyEvent, Event, encode
from events.model.clock import Clock, FixedClock, SystemClock
from events.model.errors import (
    CommitmentError,
    Conflict,
    FieldError,
    InvalidDate,
    InvalidEvent,
    MissingDatabase,
    NotFound,
    UnknownReference,
)
from events.model.inbound import decode_inbound, events_from_objects
from events.store import AppendResult, Attribution, EventStore, StoredEvent, open_store
from events.verify import verify

__all__ = [
    "AnyEvent", "AppendResult", "Attribution", "Clock", "CommitmentError", "Conflict", "EVENT_TYPES", "Event",
    "EventStore",
    "FieldError", "FixedClock", "InvalidDate", "InvalidEvent", "MissingDatabase", "NotFound", "StoredEvent",
    "SystemClock", "UnknownReference", "dates", "decode_inbound", "encode", "events_from_objects", "open_store",
    "keys", "proposals", "queries", "series", "verify", "vocabulary",
]
