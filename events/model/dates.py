"""The EDTF subset used for valid time.

Accepted forms (Library of Congress EDTF levels 0-1, a subset):

* ``2025`` (year), ``2025-03`` (month), ``2026-01-06`` (day);
* any of them followed by ``?`` (uncertain), ``~`` (approximate) or ``%`` (both);
* an interval ``START/END`` of two such dates, where either end may be ``..`` (open).

Every date is kept as its text plus its earliest and latest day, so that it can be
ordered (by the earliest day) and compared with a query date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass

from events.model.errors import InvalidDate

EXAMPLES = "2025, 2025-03, 2026-01-06, 2025-12~, 2026-01-06/2026-01-09 or 2026-01/.."
OPEN_START = dt.date(1, 1, 1)
OPEN_END = dt.date(9999, 12, 31)

_SINGLE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?(?P<q>[?~%])?$")
_QUALIFIERS = {None: None, "?": "uncertain", "~": "approximate", "%": "uncertain-approximate"}


@dataclass(frozen=True, slots=True)
class EDTFDate:
    """A parsed date: its text, its earliest and latest day, precision and qualifier."""

    text: str
    earliest: dt.date
    latest: dt.date
    precision: str  # year | month | day | interval
    qualifier: str | None = None

    @property
    def exact(self) -> bool:
        """True for a single day without a qualifier."""
        return self.earliest == self.latest and self.qualifier is None

    def certain_at(self, day: dt.date) -> bool:
        """Whether something dated by this date is certainly in effect on ``day``.

        Inside the span of an imprecise date (or on an approximate day) the answer
        is not certain; after the span it is.
        """
        if day > self.latest:
            return True
        return self.exact


def _parse_single(text: str, *, end: bool) -> tuple[dt.date, dt.date, str, str | None]:
    match = _SINGLE.match(text)
    if not match:
        raise InvalidDate(text, f"'{text}' is not an accepted date; use one of: {EXAMPLES}")
    year, month, day = match["y"], match["m"], match["d"]
    qualifier = _QUALIFIERS[match["q"]]
    y = int(year)
    if y < 1:
        raise InvalidDate(text, f"year 0000 does not exist in '{text}'; use e.g. 2026-01-06")
    if month is None:
        return dt.date(y, 1, 1), dt.date(y, 12, 31), "year", qualifier
    m = int(month)
    if not 1 <= m <= 12:
        raise InvalidDate(text, f"month {month} does not exist in '{text}'; use e.g. 2025-03")
    last = calendar.monthrange(y, m)[1]
    if day is None:
        return dt.date(y, m, 1), dt.date(y, m, last), "month", qualifier
    d = int(day)
    if not 1 <= d <= last:
        raise InvalidDate(text, f"day {day} does not exist in {year}-{month} ('{text}'); use e.g. 2026-01-06")
    the_day = dt.date(y, m, d)
    return the_day, the_day, "day", qualifier


@functools.lru_cache(maxsize=65536)  # logs repeat the same dates; EDTFDate is immutable
def parse(text: str) -> EDTFDate:
    """Parse an EDTF date or interval, raising :class:`InvalidDate` with an accepted example."""
    if not isinstance(text, str) or not text or len(text) > 64:
        raise InvalidDate(str(text)[:64], f"a date is required; use one of: {EXAMPLES}")
    if "/" not in text:
        earliest, latest, precision, qualifier = _parse_single(text, end=False)
        return EDTFDate(text, earliest, latest, precision, qualifier)
    start, _, finish = text.partition("/")
    if "/" in finish or (start == ".." and finish == ".."):
        raise InvalidDate(text, f"'{text}' is not an accepted interval; use e.g. 2026-01-06/2026-01-09")
    qualifiers = set()
    if start == "..":
        earliest = OPEN_START
    else:
        earliest, start_latest, _, q = _parse_single(start, end=False)
        qualifiers.add(q)
    if finish == "..":
        latest = OPEN_END
    else:
        finish_earliest, latest, _, q = _parse_single(finish, end=True)
        qualifiers.add(q)
        if start != ".." and finish_earliest < earliest:
            raise InvalidDate(text, f"the interval '{text}' ends before it starts; use e.g. 2026-01-06/2026-01-09")
    qualifiers.discard(None)
    qualifier = qualifiers.pop() if len(qualifiers) == 1 else ("uncertain-approximate" if qualifiers else None)
    return EDTFDate(text, earliest, latest, "interval", qualifier)


def parse_day(text: str) -> dt.date:
    """Parse a query date, which must be a single exact day such as ``2026-01-07``."""
    parsed = parse(text)
    if parsed.precision != "day" or parsed.qualifier is not None:
        raise InvalidDate(text, f"'{text}' is not a single day; use e.g. 2026-01-07")
    return parsed.earliest


def day_after(text: str) -> dt.date:
    """The first day after everything a date can mean (its latest day + 1): when a deadline has passed."""
    return parse(text).latest + dt.timedelta(days=1)

# The accepted forms as regular expressions, for what documents them (the OpenAPI document's patterns):
# a text matches PATTERN exactly when parse() accepts it, save one rule a pattern cannot state (an
# interval may not end before it starts); DAY_PATTERN likewise for parse_day(). ASCII digits only.
YEAR_FORM = r"(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
#: The leap years among them (divisible by 4, and by 400 at the turn of a century).
LEAP_YEAR_FORM = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_MONTH = r"(?:0[1-9]|1[0-2])"
_MONTH_DAY = (r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
              r"|02-(?:0[1-9]|1[0-9]|2[0-8]))")


def day_form(year: str = YEAR_FORM, leap_year: str = LEAP_YEAR_FORM) -> str:
    """A regular expression of the days that exist (29 February in leap years only) in the years given."""
    return rf"(?:{year}-{_MONTH_DAY}|{leap_year}-02-29)"


_ONE = rf"(?:{day_form()}|{YEAR_FORM}-{_MONTH}|{YEAR_FORM})[?~%]?"
DAY_PATTERN = rf"^{day_form()}$"
PATTERN = rf"^(?:{_ONE}(?:/(?:{_ONE}|\.\.))?|\.\./{_ONE})$"
