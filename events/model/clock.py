"""Injectable time: the store and scheduler ask a clock, so tests can run in simulated time."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current UTC instant."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> dt.datetime:
        """Return the current instant in UTC."""
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that only moves when told to (for tests and replays)."""

    def __init__(self, instant: dt.datetime):
        self.instant = instant

    def now(self) -> dt.datetime:
        """Return the instant the clock was set to."""
        return self.instant

    def advance(self, **delta: float) -> None:
        """Move the clock forward, e.g. ``advance(days=1)``."""
        self.instant += dt.timedelta(**delta)


def format_instant(instant: dt.datetime) -> str:
    """Format an instant as fixed-width RFC 3339 UTC text, so that text order is time order."""
    u = instant.astimezone(dt.UTC)
    # Not strftime: it does not zero-pad years below 1000, which would break text order.
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}.{u.microsecond:06d}Z"


#: Instants outside these years are refused: nothing the log records or is asked about lies there.
EARLIEST_YEAR, LATEST_YEAR = 1000, 9998


def parse_instant(text: str, pointer: str = "known_at") -> dt.datetime:
    """Parse an RFC 3339 instant (``2026-01-07T12:00:00Z``); naive times and far-off years are refused.

    ``pointer`` names where the text came from (a parameter, an option, a line of a file)
    in the error.
    """
    from events.model.errors import FieldError, InvalidEvent

    message = f"'{text}' is not an RFC 3339 instant; use e.g. 2026-01-07T12:00:00Z"
    try:
        value = dt.datetime.fromisoformat(text.replace("z", "Z"))
        if value.tzinfo is None:
            raise ValueError("no offset")
        value = value.astimezone(dt.UTC)
    except (ValueError, TypeError, AttributeError, OverflowError):
        raise InvalidEvent(message, [FieldError(pointer, message)]) from None
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        message = f"'{text}' is not an instant between the years {EARLIEST_YEAR} and {LATEST_YEAR}"
        raise InvalidEvent(message, [FieldError(pointer, message)])
    return value
