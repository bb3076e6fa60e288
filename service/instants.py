"""Reading RFC 3339 instants from clients (``known_at``, ``recorded`` in an import, ``COMMITMENTS_CLOCK``)."""

from __future__ import annotations

import datetime as dt

from events import InvalidEvent
from events.clock import parse_instant
from events.errors import FieldError

#: Recorded instants are compared as fixed-width text, which holds for four-digit years only.
EARLIEST_YEAR, LATEST_YEAR = 1000, 9998


def read_instant(text: str, pointer: str = "known_at") -> dt.datetime:
    """The core's :func:`~events.clock.parse_instant`, also refusing years the log cannot order.

    A year below 1000 (or an offset that pushes a time out of the calendar) would otherwise
    compare wrongly with recorded instants, or fail with an overflow.
    """
    try:
        value = parse_instant(text)
    except OverflowError:
        value = None
    except InvalidEvent as error:
        raise InvalidEvent(error.detail, [FieldError(pointer, error.detail)]) from None
    if value is None or not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        message = f"'{text}' is not an instant between the years {EARLIEST_YEAR} and {LATEST_YEAR}"
        raise InvalidEvent(message, [FieldError(pointer, message)])
    return value
