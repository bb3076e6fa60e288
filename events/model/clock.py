"""Injectable time: the store and scheduler ask a clock, so tests can run in simulated time."""

from __future__ import annotations

import datetime as dt
import re
from typing import Protocol

from events.model.dates import day_form


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
_YEAR = r"(?:1[0-9]{3}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"  # 1000-9998
_LEAP_YEAR = r"(?:[1-9][0-9](?:0[48]|[2468][048]|[13579][26])|(?:[13579][26]|[2468][048])00)"
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,9})?)?"


def instant_pattern(*, space_for_plus: bool = False) -> str:
    """The instants :func:`parse_instant` accepts, as a regular expression: an RFC 3339 date-time (seconds
    optional) between the years 1000 and 9998, with ``Z`` or an offset. ``space_for_plus``: an offset may
    also start with a space (a ``+`` that a URL's query string turned into one)."""
    signs = "+ -" if space_for_plus else "+-"
    return rf"^{day_form(_YEAR, _LEAP_YEAR)}[Tt ]{_TIME}(?:[Zz]|[{signs}](?:[01][0-9]|2[0-3]):[0-5][0-9])$"


INSTANT_PATTERN = instant_pattern()
_INSTANT = re.compile(INSTANT_PATTERN)


def parse_instant(text: str, pointer: str = "known_at") -> dt.datetime:
    """Parse an RFC 3339 instant (``2026-01-07T12:00:00Z``); naive times and far-off years are refused.

    ``pointer`` names where the text came from (a parameter, an option, a line of a file)
    in the error, an :class:`~events.model.errors.InvalidDate`.
    """
    from events.model.errors import FieldError, InvalidDate

    def refuse(message: str) -> InvalidDate:
        error = InvalidDate(text, message)
        error.errors = [FieldError(pointer, message)]
        return error

    message = f"'{text}' is not an RFC 3339 instant; use e.g. 2026-01-07T12:00:00Z"
    try:
        value = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except (ValueError, TypeError, AttributeError, OverflowError):
        raise refuse(message) from None
    if value.tzinfo is None:
        raise refuse(message)
    # The year as written: converting to UTC may cross into the year before or after.
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise refuse(f"'{text}' is not an RFC 3339 instant between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    if _INSTANT.fullmatch(text) is None:  # fromisoformat also reads forms RFC 3339 has not (20260107T1200Z)
        raise refuse(message)
    return value.astimezone(dt.UTC)
