"""The framework-free core: event types, dates, vocabulary, the store and its projections, and queries.

Nothing in this package imports a web framework; ``service`` builds on it.
"""

from events import dates, queries, vocabulary
from events.catalog import EVENT_TYPES, AnyEvent, Event, decode_inbound, encode, events_from_objects
from events.clock import Clock, FixedClock, SystemClock
from events.errors import CommitmentError, Conflict, FieldError, InvalidDate, InvalidEvent, NotFound, UnknownReference
from events.store import AppendResult, EventStore, StoredEvent, open_store
from events.verify import verify

__all__ = [
    "AnyEvent", "AppendResult", "Clock", "CommitmentError", "Conflict", "EVENT_TYPES", "Event", "EventStore",
    "FieldError", "FixedClock", "InvalidDate", "InvalidEvent", "NotFound", "StoredEvent", "SystemClock",
    "UnknownReference", "dates", "decode_inbound", "encode", "events_from_objects", "open_store", "queries",
    "verify", "vocabulary",
]
