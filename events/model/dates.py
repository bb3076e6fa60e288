"""EDTF dates (Library of Congress, 2019) for valid time: all of level 0 and the level 1 features news needs.

Accepted (docs/dates.md has the full table, with bounds):

* level 0: ``2025``, ``2025-03``, ``2026-01-06``; date-times ``2026-01-06T09:30:00`` with ``Z`` or an offset
  (``+01:00``, ``-04``), kept to the second in UTC; intervals ``START/END`` of dates;
* level 1: qualifiers ``?`` (uncertain), ``~`` (approximate), ``%`` (both) after a date; seasons ``2025-21``
  (spring) to ``2025-24`` (winter); unspecified digits ``201X``, ``20XX``, ``2004-XX``, ``1985-04-XX``,
  ``1985-XX-XX``; interval ends that are open (``..``: still going, or from before the record) or unknown
  (empty: we do not know when).

Every date is kept as its text plus its earliest and latest day (UTC), so that it can be ordered (by the
earliest day, then ``second``, the time of day a date-time gives) and compared with a query day. Everything
else is refused with an :class:`InvalidDate` that names the EDTF construct the text looks like.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Literal, get_args

from events.model.errors import InvalidDate

EXAMPLES = "2025, 2025-03, 2026-01-06, 2025-21 (spring), 201X, 2025-12~, 2026-01-06T09:30:00Z, " \
           "2026-01-06/2026-01-09, 2026-01/.. or 2026-01-06/"
OPEN_START = dt.date(1, 1, 1)
OPEN_END = dt.date(9999, 12, 31)
MAX_LENGTH = 64

#: Every precision a date can have, from the narrowest span to the widest (docs/dates.md#precision).
Precision = Literal["instant", "day", "month", "season", "year", "decade", "century", "interval", "unknown-start",
                    "unknown-end"]
PRECISIONS: tuple[Precision, ...] = get_args(Precision)
#: Season code -> (name, first month, months long). Northern-hemisphere meteorological seasons; winter ``Y-24``
#: runs from December of Y to February of Y+1.
SEASONS = {21: ("spring", 3), 22: ("summer", 6), 23: ("autumn", 9), 24: ("winter", 12)}

_QUALIFIERS = {None: None, "": None, "?": "uncertain", "~": "approximate", "%": "uncertain-approximate"}
_DATE = re.compile(r"(?P<y>\d{4}|\d{3}X|\d{2}XX)(?:-(?P<m>\d{2}|XX)(?:-(?P<d>\d{2}|XX))?)?(?P<q>[?~%])?")
_DATETIME = re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})T(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})"
                       r"(?P<z>Z|[+-]\d{2}(?::\d{2})?)?")
_LOOKS_LIKE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]")
_UNSPECIFIED_ANYWHERE = re.compile(r"[\dX]{4}(?:-[\dX]{2}){0,2}[?~%]?")
_PARTIAL_QUALIFIER = re.compile(r"[?~%]?[\dX]{4}[?~%]?(?:-[?~%]?[\dX]{2}[?~%]?){0,2}")
_LEVEL_2 = "only levels 0 and 1 are supported (docs/dates.md)"


@dataclass(frozen=True, slots=True)
class EDTFDate:
    """A parsed date: its text, earliest and latest day, precision, qualifier, and the second its first day starts.

    ``second`` is the time of day (seconds after midnight UTC) of a date-time, and 0 for every other date:
    a date without a time starts with its earliest day.
    """

    text: str
    earliest: dt.date
    latest: dt.date
    precision: Precision
    qualifier: str | None = None
    second: int = 0

    @property
    def exact(self) -> bool:
        """True for a single day (or an instant in it) without a qualifier."""
        return self.earliest == self.latest and self.qualifier is None

    def certain_at(self, day: dt.date) -> bool:
        """Whether something dated by this date is certainly in effect on ``day``.

        Inside the span of an imprecise date (or on an approximate day) the answer
        is not certain; after the span it is.
        """
        if day > self.latest:
            return True
        return self.exact

    @property
    def starts(self) -> tuple[dt.date, int]:
        """The sort key of the date's start: its earliest day, then the second of that day."""
        return self.earliest, self.second


def _refuse(text: str, message: str) -> InvalidDate:
    return InvalidDate(text, message)


def _level_2(text: str, what: str) -> InvalidDate:
    return _refuse(text, f"'{text}' is an EDTF level 2 date ({what}); {_LEVEL_2}")


def _explain(text: str) -> InvalidDate:
    """The error for a date (or an interval end) the grammar does not take: the EDTF construct it looks like."""
    if text.startswith(("[", "{")) or text.endswith(("]", "}")):
        return _level_2(text, "a set: one of, or all of, several dates")
    if re.fullmatch(r"[\dXxu]{4}(-[\dXxu]{2}){0,2}[?~%]?", text) and re.search("[xu]", text):
        return _refuse(text, f"'{text}' marks unspecified digits with a lower-case letter (the 2012 draft); "
                             "EDTF writes an upper-case X, e.g. 201X or 2004-XX")
    if re.fullmatch(r"Y-?\d+(E\d+)?(S\d+)?", text) or re.fullmatch(r"-?\d+(E\d+)?S\d+|-?\d+E\d+", text):
        if "E" in text or "S" in text:
            return _level_2(text, "an exponential year or significant digits")
        return _refuse(text, f"'{text}' is an EDTF level 1 date (a year of more than four digits); "
                             "years 0001 to 9999 are supported")
    if re.fullmatch(r"-\d{4}(-\d{2}){0,2}[?~%]?", text):
        return _refuse(text, f"'{text}' is an EDTF level 1 date (a negative year); years 0001 to 9999 are supported")
    if _LOOKS_LIKE_TIME.match(text):
        return _time_fault(text)
    if _UNSPECIFIED_ANYWHERE.fullmatch(text) and "X" in text:
        return _level_2(text, "unspecified digits inside a date; level 1 takes 201X, 20XX, 2004-XX, 1985-04-XX "
                              "and 1985-XX-XX")
    if _PARTIAL_QUALIFIER.fullmatch(text) and re.search(r"[?~%]", text):
        return _level_2(text, "a qualifier on one component; level 1 qualifies a whole date, e.g. 2004-06-11~")
    if re.fullmatch(r"[\dX]{4}(-[\dX]{2}){0,2}[?~%]{2,}", text):
        return _refuse(text, f"'{text}' has more than one qualifier; EDTF writes % for uncertain and approximate "
                             "together, e.g. 2026-01-06%")
    if re.fullmatch(r"\d{8}|\d{6}", text):
        return _refuse(text, f"'{text}' is in ISO 8601 basic form; EDTF writes dates with hyphens, e.g. 2026-01-06")
    if re.fullmatch(r"\d{1,4}(-\d{1,2}){0,2}", text):
        return _refuse(text, f"'{text}' is not an EDTF date: years take four digits, months and days two, "
                             "e.g. 2026-01-06")
    return _refuse(text, f"'{text}' is not an EDTF date; use one of: {EXAMPLES}")


def _time_fault(text: str) -> InvalidDate:
    """Why a text that starts as a date-time is not an EDTF one."""
    if " " in text[:11]:
        return _refuse(text, f"'{text}' separates date and time with a space; EDTF writes a T, "
                             "e.g. 2026-01-06T09:30:00Z")
    if re.search(r"T\d{2}:\d{2}:\d{2}[.,]\d", text):
        return _refuse(text, f"'{text}' gives fractions of a second, which EDTF date-times do not have; "
                             "write it to the second, e.g. 2026-01-06T09:30:00Z")
    if re.fullmatch(r".*T\d{2}(:\d{2})?(Z|[+-]\d{2}(:?\d{2})?)?", text):
        return _refuse(text, f"'{text}' leaves out the seconds; EDTF date-times give the time to the second, "
                             "e.g. 2026-01-06T09:30:00Z")
    if re.search(r"[?~%]$", text):
        return _refuse(text, f"'{text}' qualifies a date-time; EDTF qualifiers apply to dates only "
                             "(e.g. 2026-01-06~)")
    return _refuse(text, f"'{text}' is not an EDTF date-time; write e.g. 2026-01-06T09:30:00Z, "
                         "2026-01-06T09:30:00+01:00 or 2026-01-06T09:30:00-04")


def _year(text: str, digits: str) -> int:
    year = int(digits)
    if year < 1:
        raise _refuse(text, f"'{text}' is in EDTF's year 0000 (1 BC); years 0001 to 9999 are supported")
    return year


def _month_last(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _parse_datetime(text: str, match: re.Match[str]) -> EDTFDate:
    year = _year(text, match["y"])
    month, day = int(match["m"]), int(match["d"])
    if not 1 <= month <= 12:
        raise _refuse(text, f"month {match['m']} does not exist in '{text}'; use e.g. 2026-01-06T09:30:00Z")
    if not 1 <= day <= _month_last(year, month):
        raise _refuse(text, f"day {match['d']} does not exist in {match['y']}-{match['m']} ('{text}'); "
                            "use e.g. 2026-01-06T09:30:00Z")
    hour, minute, second = int(match["H"]), int(match["M"]), int(match["S"])
    if hour > 23 or minute > 59 or second > 59:
        raise _refuse(text, f"'{text}' has no such time of day; times run from 00:00:00 to 23:59:59 "
                            "(write midnight at the end of a day as the next day's 00:00:00)")
    offset = dt.timedelta(0)
    zone = match["z"]
    if zone and zone != "Z":
        hours, _, minutes = zone[1:].partition(":")
        if int(hours) > 23 or int(minutes or 0) > 59:
            raise _refuse(text, f"'{text}' has no such UTC offset; offsets run from -23:59 to +23:59")
        offset = dt.timedelta(hours=int(hours), minutes=int(minutes or 0)) * (-1 if zone[0] == "-" else 1)
    # Without an offset EDTF means local time, which the service cannot know: it is taken as UTC (docs/dates.md).
    local = dt.datetime(year, month, day, hour, minute, second)
    try:
        utc = local - offset
    except OverflowError:
        raise _refuse(text, f"'{text}' falls outside the years 0001 to 9999 in UTC") from None
    the_day = utc.date()
    return EDTFDate(text, the_day, the_day, "instant", None, utc.hour * 3600 + utc.minute * 60 + utc.second)


def _parse_date(text: str) -> EDTFDate:
    """A single date (no interval, no time of day), or :class:`InvalidDate` naming what it looks like."""
    match = _DATE.fullmatch(text)
    if match is None:
        raise _explain(text)
    year_text, month_text, day_text = match["y"], match["m"], match["d"]
    qualifier = _QUALIFIERS[match["q"]]
    if "X" in year_text:
        if month_text is not None:
            raise _level_2(text, "unspecified digits in the year of a date with a month; level 1 takes "
                                 "201X and 20XX alone")
        low = int(year_text.replace("X", "0"))
        high = int(year_text.replace("X", "9"))
        if low < 1:
            low = 1  # 000X: the years 0001-0009
        precision: Precision = "decade" if year_text.count("X") == 1 else "century"
        return EDTFDate(text, dt.date(low, 1, 1), dt.date(high, 12, 31), precision, qualifier)
    year = _year(text, year_text)
    if month_text is None:
        return EDTFDate(text, dt.date(year, 1, 1), dt.date(year, 12, 31), "year", qualifier)
    if month_text == "XX":
        if day_text is not None and day_text != "XX":
            raise _level_2(text, "an unspecified month with a known day")
        return EDTFDate(text, dt.date(year, 1, 1), dt.date(year, 12, 31), "year", qualifier)
    month = int(month_text)
    if month in SEASONS:
        if day_text is not None:
            raise _refuse(text, f"'{text}' gives a day of a season ({month_text}); an EDTF season is written "
                                "YYYY-21 to YYYY-24, e.g. 2025-21 for spring 2025")
        _, first = SEASONS[month]
        if month == 24 and year == 9999:
            raise _refuse(text, f"'{text}' (winter 9999) ends in the year 10000; years 0001 to 9999 are supported")
        start = dt.date(year, first, 1)
        end_year, end_month = (year + 1, 2) if month == 24 else (year, first + 2)
        end = dt.date(end_year, end_month, _month_last(end_year, end_month))
        return EDTFDate(text, start, end, "season", qualifier)
    if 25 <= month <= 41:
        raise _level_2(text, f"the sub-year grouping {month_text}: quarters, halves or hemisphere seasons; "
                             "level 1 takes the seasons 21-24")
    if not 1 <= month <= 12:
        raise _refuse(text, f"month {month_text} does not exist in '{text}'; use 01-12, or 21-24 for a season "
                            "(e.g. 2025-03, 2025-21)")
    last = _month_last(year, month)
    if day_text is None:
        return EDTFDate(text, dt.date(year, month, 1), dt.date(year, month, last), "month", qualifier)
    if day_text == "XX":
        return EDTFDate(text, dt.date(year, month, 1), dt.date(year, month, last), "month", qualifier)
    day = int(day_text)
    if not 1 <= day <= last:
        raise _refuse(text, f"day {day_text} does not exist in {year_text}-{month_text} ('{text}'); "
                            "use e.g. 2026-01-06")
    the_day = dt.date(year, month, day)
    return EDTFDate(text, the_day, the_day, "day", qualifier)


def _parse_single(text: str) -> EDTFDate:
    match = _DATETIME.fullmatch(text)
    if match is not None:
        return _parse_datetime(text, match)
    return _parse_date(text)


def _interval_end(text: str, end: str) -> EDTFDate:
    """One end of an interval: a date (not a date-time), which may be a season; unspecified digits are level 2 here."""
    if _LOOKS_LIKE_TIME.match(end):
        try:
            _parse_single(end)
        except InvalidDate:
            pass
        else:
            raise _refuse(text, f"'{text}' has a time of day in an interval; EDTF intervals run between dates "
                                "(e.g. 2026-01-06/2026-01-09)")
    parsed = _parse_date(end)
    if "X" in end:
        raise _level_2(text, "unspecified digits in an interval")
    return parsed


def _interval(text: str) -> EDTFDate:
    start, _, finish = text.partition("/")
    if "/" in finish:
        raise _refuse(text, f"'{text}' has more than two ends; an EDTF interval is START/END, "
                            "e.g. 2026-01-06/2026-01-09")
    if start in ("", "..") and finish in ("", ".."):
        raise _refuse(text, f"'{text}' is an interval with neither end known; give at least one, "
                            "e.g. 2026-01-06/.. or /2026-01-09")
    qualifiers = set()
    precision: Precision = "interval"
    if start == "..":
        earliest = OPEN_START
    elif start == "":
        earliest, precision = OPEN_START, "unknown-start"
    else:
        first = _interval_end(text, start)
        earliest = first.earliest
        qualifiers.add(first.qualifier)
    if finish == "..":
        latest = OPEN_END
    elif finish == "":
        latest, precision = OPEN_END, "unknown-end"
    else:
        last = _interval_end(text, finish)
        latest = last.latest
        qualifiers.add(last.qualifier)
        if start not in ("", "..") and last.earliest < earliest:
            raise _refuse(text, f"the interval '{text}' ends before it starts; use e.g. 2026-01-06/2026-01-09")
    qualifiers.discard(None)
    qualifier = qualifiers.pop() if len(qualifiers) == 1 else ("uncertain-approximate" if qualifiers else None)
    return EDTFDate(text, earliest, latest, precision, qualifier)


@functools.lru_cache(maxsize=65536)  # logs repeat the same dates; EDTFDate is immutable
def parse(text: str) -> EDTFDate:
    """Parse an EDTF date or interval, raising :class:`InvalidDate` that names the EDTF construct it looks like."""
    if not isinstance(text, str) or not text:
        raise _refuse(str(text)[:MAX_LENGTH], f"a date is required; use one of: {EXAMPLES}")
    if len(text) > MAX_LENGTH:
        raise _refuse(text[:MAX_LENGTH], f"a date is at most {MAX_LENGTH} characters long; use one of: {EXAMPLES}")
    if "/" in text:
        return _interval(text)
    return _parse_single(text)


def parse_day(text: str) -> dt.date:
    """Parse a query date, which must be a single exact day such as ``2026-01-07``."""
    parsed = parse(text)
    if parsed.precision != "day" or parsed.qualifier is not None:
        raise InvalidDate(text, f"'{text}' is not a single day; use e.g. 2026-01-07")
    return parsed.earliest


def precision(text: str) -> Precision:
    """The precision of a stored (already checked) date text: what answers report beside a date."""
    return parse(text).precision


def day_after(text: str) -> dt.date:
    """The first day after everything a date can mean (its latest day + 1): when a deadline has passed."""
    return parse(text).latest + dt.timedelta(days=1)


# The accepted forms as regular expressions, for what documents them (the OpenAPI document's patterns):
# a text matches PATTERN exactly when parse() accepts it, save two rules a pattern cannot state (an
# interval may not end before it starts; a date-time with an offset must fall within the years 0001 to
# 9999 in UTC); DAY_PATTERN likewise for parse_day(). ASCII digits only.
YEAR_FORM = r"(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
#: The leap years among them (divisible by 4, and by 400 at the turn of a century).
LEAP_YEAR_FORM = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_MONTH = r"(?:0[1-9]|1[0-2])"
_MONTH_DAY = (r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
              r"|02-(?:0[1-9]|1[0-9]|2[0-8]))")
#: The years but 9999, whose winter (9999-24) would end in the year 10000.
_YEAR_BUT_9999 = r"(?:[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8]|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
_TIME = r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:Z|[+-](?:[01][0-9]|2[0-3])(?::[0-5][0-9])?)?"


def day_form(year: str = YEAR_FORM, leap_year: str = LEAP_YEAR_FORM) -> str:
    """A regular expression of the days that exist (29 February in leap years only) in the years given."""
    return rf"(?:{year}-{_MONTH_DAY}|{leap_year}-02-29)"


#: An interval's end: a day, month, season or year, maybe qualified (no unspecified digits, no time of day).
_END = (rf"(?:{day_form()}|{YEAR_FORM}-{_MONTH}|{YEAR_FORM}-2[1-3]|{_YEAR_BUT_9999}-24|{YEAR_FORM})"
        r"[?~%]?")
#: A single date: an end's forms, unspecified digits (201X, 20XX, 2004-XX, 2004-XX-XX, 1985-04-XX), a date-time.
_SINGLE = (rf"(?:{_END}|(?:[0-9]{{3}}X|[0-9]{{2}}XX|{YEAR_FORM}-XX(?:-XX)?|{YEAR_FORM}-{_MONTH}-XX)[?~%]?"
           rf"|{day_form()}{_TIME})")
DAY_PATTERN = rf"^{day_form()}$"
PATTERN = rf"^(?:{_SINGLE}|{_END}/(?:{_END}|\.\.)?|(?:\.\.)?/{_END})$"
