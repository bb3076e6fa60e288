"""EDTF dates: the specification's own examples (levels 0 and 1) with the bounds the service gives them, the
level 2 examples it refuses and why, and properties of the bounds and of the order over generated dates."""

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events import dates
from events.model.errors import InvalidDate

D = dt.date
START, END = dates.OPEN_START, dates.OPEN_END

#: Every example of the EDTF specification (Library of Congress, 2019) at levels 0 and 1, in its order, with what
#: the service makes of it: (text, earliest, latest, precision, qualifier, second of the earliest day).
SPECIFICATION_ACCEPTED = [
    # Level 0: date
    ("1985-04-12", D(1985, 4, 12), D(1985, 4, 12), "day", None, 0),
    ("1985-04", D(1985, 4, 1), D(1985, 4, 30), "month", None, 0),
    ("1985", D(1985, 1, 1), D(1985, 12, 31), "year", None, 0),
    # Level 0: date and time (local time is taken as UTC; offsets are applied)
    ("1985-04-12T23:20:30", D(1985, 4, 12), D(1985, 4, 12), "instant", None, 23 * 3600 + 20 * 60 + 30),
    ("1985-04-12T23:20:30Z", D(1985, 4, 12), D(1985, 4, 12), "instant", None, 23 * 3600 + 20 * 60 + 30),
    ("1985-04-12T23:20:30-04", D(1985, 4, 13), D(1985, 4, 13), "instant", None, 3 * 3600 + 20 * 60 + 30),
    ("1985-04-12T23:20:30+04:30", D(1985, 4, 12), D(1985, 4, 12), "instant", None, 18 * 3600 + 50 * 60 + 30),
    # Level 0: time interval
    ("1964/2008", D(1964, 1, 1), D(2008, 12, 31), "interval", None, 0),
    ("2004-06/2006-08", D(2004, 6, 1), D(2006, 8, 31), "interval", None, 0),
    ("2004-02-01/2005-02-08", D(2004, 2, 1), D(2005, 2, 8), "interval", None, 0),
    ("2004-02-01/2005-02", D(2004, 2, 1), D(2005, 2, 28), "interval", None, 0),
    ("2004-02-01/2005", D(2004, 2, 1), D(2005, 12, 31), "interval", None, 0),
    ("2005/2006-02", D(2005, 1, 1), D(2006, 2, 28), "interval", None, 0),
    # Level 1: seasons (northern hemisphere; winter runs into the next year)
    ("2001-21", D(2001, 3, 1), D(2001, 5, 31), "season", None, 0),
    ("2001-22", D(2001, 6, 1), D(2001, 8, 31), "season", None, 0),
    ("2001-23", D(2001, 9, 1), D(2001, 11, 30), "season", None, 0),
    ("2001-24", D(2001, 12, 1), D(2002, 2, 28), "season", None, 0),
    ("2003-24", D(2003, 12, 1), D(2004, 2, 29), "season", None, 0),
    # Level 1: qualification of a date (complete)
    ("1984?", D(1984, 1, 1), D(1984, 12, 31), "year", "uncertain", 0),
    ("2004-06~", D(2004, 6, 1), D(2004, 6, 30), "month", "approximate", 0),
    ("2004-06-11%", D(2004, 6, 11), D(2004, 6, 11), "day", "uncertain-approximate", 0),
    # Level 1: unspecified digits from the right
    ("201X", D(2010, 1, 1), D(2019, 12, 31), "decade", None, 0),
    ("20XX", D(2000, 1, 1), D(2099, 12, 31), "century", None, 0),
    ("2004-XX", D(2004, 1, 1), D(2004, 12, 31), "year", None, 0),
    ("1985-04-XX", D(1985, 4, 1), D(1985, 4, 30), "month", None, 0),
    ("1985-XX-XX", D(1985, 1, 1), D(1985, 12, 31), "year", None, 0),
    # Level 1: extended interval, open end / open start
    ("1985-04-12/..", D(1985, 4, 12), END, "interval", None, 0),
    ("1985-04/..", D(1985, 4, 1), END, "interval", None, 0),
    ("1985/..", D(1985, 1, 1), END, "interval", None, 0),
    ("../1985-04-12", START, D(1985, 4, 12), "interval", None, 0),
    ("../1985-04", START, D(1985, 4, 30), "interval", None, 0),
    ("../1985", START, D(1985, 12, 31), "interval", None, 0),
    # Level 1: extended interval, unknown end / unknown start
    ("1985-04-12/", D(1985, 4, 12), END, "unknown-end", None, 0),
    ("1985-04/", D(1985, 4, 1), END, "unknown-end", None, 0),
    ("1985/", D(1985, 1, 1), END, "unknown-end", None, 0),
    ("/1985-04-12", START, D(1985, 4, 12), "unknown-start", None, 0),
    ("/1985-04", START, D(1985, 4, 30), "unknown-start", None, 0),
    ("/1985", START, D(1985, 12, 31), "unknown-start", None, 0),
    # Level 1: extended interval with qualified ends (one qualifier for the whole interval)
    ("1984~/2004-06", D(1984, 1, 1), D(2004, 6, 30), "interval", "approximate", 0),
    ("1984/2004-06~", D(1984, 1, 1), D(2004, 6, 30), "interval", "approximate", 0),
    ("1984~/2004~", D(1984, 1, 1), D(2004, 12, 31), "interval", "approximate", 0),
    ("1984?/2004%", D(1984, 1, 1), D(2004, 12, 31), "interval", "uncertain-approximate", 0),
    ("1984-06?/2004-08?", D(1984, 6, 1), D(2004, 8, 31), "interval", "uncertain", 0),
    ("1984-06-02?/2004-08-08~", D(1984, 6, 2), D(2004, 8, 8), "interval", "uncertain-approximate", 0),
    ("1984-06-02?/", D(1984, 6, 2), END, "unknown-end", "uncertain", 0),
]

#: The specification's examples the service refuses: level 1 years it cannot hold, and level 2.
SPECIFICATION_REFUSED = [
    ("Y170000002", "'Y170000002' is an EDTF level 1 date (a year of more than four digits); "
                   "years 0001 to 9999 are supported"),
    ("Y-170000002", "'Y-170000002' is an EDTF level 1 date (a year of more than four digits); "
                    "years 0001 to 9999 are supported"),
    ("-1985", "'-1985' is an EDTF level 1 date (a negative year); years 0001 to 9999 are supported"),
    ("Y-17E7", "'Y-17E7' is an EDTF level 2 date (an exponential year or significant digits); "
               "only levels 0 and 1 are supported (docs/dates.md)"),
    ("1950S2", "'1950S2' is an EDTF level 2 date (an exponential year or significant digits); "
               "only levels 0 and 1 are supported (docs/dates.md)"),
    ("2001-34", "'2001-34' is an EDTF level 2 date (the sub-year grouping 34: quarters, halves or hemisphere "
                "seasons; level 1 takes the seasons 21-24); only levels 0 and 1 are supported (docs/dates.md)"),
    ("[1667,1668,1670..1672]", "'[1667,1668,1670..1672]' is an EDTF level 2 date (a set: one of, or all of, "
                               "several dates); only levels 0 and 1 are supported (docs/dates.md)"),
    ("{1960,1961-12}", "'{1960,1961-12}' is an EDTF level 2 date (a set: one of, or all of, several dates); "
                       "only levels 0 and 1 are supported (docs/dates.md)"),
    ("2004-06~-11", "'2004-06~-11' is an EDTF level 2 date (a qualifier on one component; level 1 qualifies a "
                    "whole date, e.g. 2004-06-11~); only levels 0 and 1 are supported (docs/dates.md)"),
    ("2004?-06-11", "'2004?-06-11' is an EDTF level 2 date (a qualifier on one component; level 1 qualifies a "
                    "whole date, e.g. 2004-06-11~); only levels 0 and 1 are supported (docs/dates.md)"),
    ("?2004-06-~11", "'?2004-06-~11' is an EDTF level 2 date (a qualifier on one component; level 1 qualifies a "
                     "whole date, e.g. 2004-06-11~); only levels 0 and 1 are supported (docs/dates.md)"),
    ("156X-12-25", "'156X-12-25' is an EDTF level 2 date (unspecified digits in the year of a date with a month; "
                   "level 1 takes 201X and 20XX alone); only levels 0 and 1 are supported (docs/dates.md)"),
    ("1XXX-12", "'1XXX-12' is an EDTF level 2 date (unspecified digits inside a date; level 1 takes 201X, 20XX, "
                "2004-XX, 1985-04-XX and 1985-XX-XX); only levels 0 and 1 are supported (docs/dates.md)"),
    ("1984-1X", "'1984-1X' is an EDTF level 2 date (unspecified digits inside a date; level 1 takes 201X, 20XX, "
                "2004-XX, 1985-04-XX and 1985-XX-XX); only levels 0 and 1 are supported (docs/dates.md)"),
    ("2004-06-~01/2004-06-~20", "'2004-06-~01' is an EDTF level 2 date (a qualifier on one component; level 1 "
                                "qualifies a whole date, e.g. 2004-06-11~); only levels 0 and 1 are supported "
                                "(docs/dates.md)"),
    ("2004-06-XX/2004-07-03", "'2004-06-XX/2004-07-03' is an EDTF level 2 date (unspecified digits in an "
                              "interval); only levels 0 and 1 are supported (docs/dates.md)"),
]

#: What people write that is not EDTF, and what they are told.
OTHER_REFUSED = [
    ("", "a date is required; use one of: " + dates.EXAMPLES),
    ("0000", "'0000' is in EDTF's year 0000 (1 BC); years 0001 to 9999 are supported"),
    ("2026-02-30", "day 30 does not exist in 2026-02 ('2026-02-30'); use e.g. 2026-01-06"),
    ("2026-13", "month 13 does not exist in '2026-13'; use 01-12, or 21-24 for a season (e.g. 2025-03, 2025-21)"),
    ("2026-21-05", "'2026-21-05' gives a day of a season (21); an EDTF season is written YYYY-21 to YYYY-24, "
                   "e.g. 2025-21 for spring 2025"),
    ("9999-24", "'9999-24' (winter 9999) ends in the year 10000; years 0001 to 9999 are supported"),
    ("20260106", "'20260106' is in ISO 8601 basic form; EDTF writes dates with hyphens, e.g. 2026-01-06"),
    ("2026-1-6", "'2026-1-6' is not an EDTF date: years take four digits, months and days two, e.g. 2026-01-06"),
    ("201x", "'201x' marks unspecified digits with a lower-case letter (the 2012 draft); EDTF writes an "
             "upper-case X, e.g. 201X or 2004-XX"),
    ("2026-01-06~?", "'2026-01-06~?' has more than one qualifier; EDTF writes % for uncertain and approximate "
                     "together, e.g. 2026-01-06%"),
    ("2026-01-06T12:00", "'2026-01-06T12:00' leaves out the seconds; EDTF date-times give the time to the second, "
                         "e.g. 2026-01-06T09:30:00Z"),
    ("2026-01-06T12:00:00.250Z", "'2026-01-06T12:00:00.250Z' gives fractions of a second, which EDTF date-times "
                                 "do not have; write it to the second, e.g. 2026-01-06T09:30:00Z"),
    ("2026-01-06 12:00:00", "'2026-01-06 12:00:00' separates date and time with a space; EDTF writes a T, "
                            "e.g. 2026-01-06T09:30:00Z"),
    ("2026-01-06T12:00:00Z~", "'2026-01-06T12:00:00Z~' qualifies a date-time; EDTF qualifiers apply to dates only "
                              "(e.g. 2026-01-06~)"),
    ("2026-01-06T24:00:00", "'2026-01-06T24:00:00' has no such time of day; times run from 00:00:00 to 23:59:59 "
                            "(write midnight at the end of a day as the next day's 00:00:00)"),
    ("2026-01-06T10:00:00Z/2026-01-07", "'2026-01-06T10:00:00Z/2026-01-07' has a time of day in an interval; EDTF "
                                        "intervals run between dates (e.g. 2026-01-06/2026-01-09)"),
    ("2026-01-09/2026-01-06", "the interval '2026-01-09/2026-01-06' ends before it starts; "
                              "use e.g. 2026-01-06/2026-01-09"),
    ("../..", "'../..' is an interval with neither end known; give at least one, e.g. 2026-01-06/.. or /2026-01-09"),
    ("/", "'/' is an interval with neither end known; give at least one, e.g. 2026-01-06/.. or /2026-01-09"),
    ("2026-01-06/2026-01-07/2026-01-08", "'2026-01-06/2026-01-07/2026-01-08' has more than two ends; an EDTF "
                                         "interval is START/END, e.g. 2026-01-06/2026-01-09"),
    ("yesterday", "'yesterday' is not an EDTF date; use one of: " + dates.EXAMPLES),
    (" 2026", "' 2026' is not an EDTF date; use one of: " + dates.EXAMPLES),
]


@pytest.mark.parametrize(("text", "earliest", "latest", "precision", "qualifier", "second"), SPECIFICATION_ACCEPTED)
def test_the_specifications_level_0_and_1_examples_give_their_bounds(text, earliest, latest, precision, qualifier,
                                                                     second):
    parsed = dates.parse(text)
    assert (parsed.earliest, parsed.latest, parsed.precision, parsed.qualifier, parsed.second) == (
        earliest, latest, precision, qualifier, second)
    assert parsed.text == text


@pytest.mark.parametrize(("text", "message"), SPECIFICATION_REFUSED + OTHER_REFUSED)
def test_refused_forms_say_what_they_look_like(text, message):
    with pytest.raises(InvalidDate) as caught:
        dates.parse(text)
    assert caught.value.detail == message


def test_every_precision_is_listed_and_given():
    given_ = {dates.parse(text).precision for text, *_ in SPECIFICATION_ACCEPTED}
    assert given_ == set(dates.PRECISIONS)


def test_an_imprecise_date_is_uncertain_inside_its_span_and_certain_after():
    march = dates.parse("2025-03")
    assert not march.certain_at(D(2025, 3, 15))
    assert march.certain_at(D(2025, 4, 1))
    assert dates.parse("2026-01-06").certain_at(D(2026, 1, 6))
    assert dates.parse("2026-01-06T09:30:00Z").certain_at(D(2026, 1, 6))
    assert not dates.parse("2026-01-06~").certain_at(D(2026, 1, 6))
    assert not dates.parse("2025-21").certain_at(D(2025, 5, 31)) and dates.parse("2025-21").certain_at(D(2025, 6, 1))
    assert not dates.parse("2025-06/").certain_at(D(2100, 1, 1))  # an unknown end never passes


def test_query_dates_must_be_single_days():
    assert dates.parse_day("2026-01-07") == D(2026, 1, 7)
    for text in ("2026-01", "2026-01-07~", "2026-01-06/2026-01-07", "2026-01-07T10:00:00Z", "2026-21", "2026-01-XX"):
        with pytest.raises(InvalidDate, match="is not a single day"):
            dates.parse_day(text)


@given(st.dates(min_value=D(1, 1, 1), max_value=D(9999, 12, 31)))
def test_every_real_day_round_trips(day):
    text = day.isoformat()
    assert dates.parse(text).earliest == day == dates.parse(text).latest


# --- properties over generated dates ------------------------------------------------------------------------------

years = st.integers(1, 9998)
qualifier = st.sampled_from(["", "?", "~", "%"])


@st.composite
def single(draw, *, in_interval=False):
    """Any single date the service accepts (date-times and unspecified digits not in intervals, as EDTF says)."""
    year = draw(years)
    day = draw(st.dates(min_value=D(year, 1, 1), max_value=D(year, 12, 31)))
    forms = ["year", "month", "day", "season"] + ([] if in_interval else ["instant", "decade", "century", "xx"])
    form = draw(st.sampled_from(forms))
    if form == "instant":
        zone = draw(st.sampled_from(["", "Z", "+01:00", "-04", "+05:30", "-11:00"]))
        time = draw(st.times()).replace(microsecond=0)
        if (day == D(1, 1, 1) and zone.startswith("+")) or (day.year == 9998 and day.month == 12):
            zone = "Z"  # stay inside the years 0001-9999 once in UTC
        return f"{day.isoformat()}T{time.isoformat()}{zone}"
    text = {
        "year": f"{year:04d}",
        "month": day.isoformat()[:7],
        "day": day.isoformat(),
        "season": f"{year:04d}-{draw(st.integers(21, 24))}",
        "decade": f"{year:04d}"[:3] + "X",
        "century": f"{year:04d}"[:2] + "XX",
        "xx": draw(st.sampled_from([f"{year:04d}-XX", day.isoformat()[:7] + "-XX", f"{year:04d}-XX-XX"])),
    }[form]
    return text + draw(qualifier)


@st.composite
def edtf(draw):
    """Any date the service accepts: a single date, or an interval with known, open or unknown ends."""
    if draw(st.booleans()):
        return draw(single())
    start = draw(st.one_of(single(in_interval=True), st.sampled_from(["..", ""])))
    end = draw(st.one_of(single(in_interval=True), st.sampled_from(["..", ""])) if start not in ("..", "")
               else single(in_interval=True))
    if start not in ("..", "") and end not in ("..", ""):
        first, last = sorted([start, end], key=lambda text: dates.parse(text).earliest)
        start, end = first, last
    return f"{start}/{end}"


@given(edtf())
def test_every_accepted_date_has_bounds_in_order_and_a_precision(text):
    parsed = dates.parse(text)
    assert START <= parsed.earliest <= parsed.latest <= END
    assert parsed.precision in dates.PRECISIONS
    assert 0 <= parsed.second < 86400 and (parsed.second == 0 or parsed.precision == "instant")


@given(st.lists(edtf(), min_size=3, max_size=3))
def test_the_order_of_dates_is_total_and_the_stored_text_sorts_the_same_way(texts):
    """Facts are ordered by (earliest, second) in Python and by the stored ISO text and second in SQL: the two
    orders agree, and they are total (any two dates compare; the order is transitive)."""
    parsed = [dates.parse(text) for text in texts]
    for a, b in itertools.product(parsed, repeat=2):
        assert (a.starts < b.starts) + (a.starts == b.starts) + (a.starts > b.starts) == 1
        stored_a, stored_b = (a.earliest.isoformat(), a.second), (b.earliest.isoformat(), b.second)
        assert (a.starts < b.starts) == (stored_a < stored_b) and (a.starts == b.starts) == (stored_a == stored_b)
    for a, b, c in itertools.permutations(parsed):
        if a.starts <= b.starts <= c.starts:
            assert a.starts <= c.starts
