"""The EDTF subset: what is accepted, the bounds it gives, and what is refused with an example."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events import dates
from events.model.errors import InvalidDate

D = dt.date


@pytest.mark.parametrize(
    ("text", "earliest", "latest", "precision", "qualifier"),
    [
        ("2025", D(2025, 1, 1), D(2025, 12, 31), "year", None),
        ("2025-03", D(2025, 3, 1), D(2025, 3, 31), "month", None),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29), "month", None),
        ("2026-01-06", D(2026, 1, 6), D(2026, 1, 6), "day", None),
        ("2025-12~", D(2025, 12, 1), D(2025, 12, 31), "month", "approximate"),
        ("2026-01-09?", D(2026, 1, 9), D(2026, 1, 9), "day", "uncertain"),
        ("2025%", D(2025, 1, 1), D(2025, 12, 31), "year", "uncertain-approximate"),
        ("2026-01-06/2026-01-09", D(2026, 1, 6), D(2026, 1, 9), "interval", None),
        ("2026-01/..", D(2026, 1, 1), dates.OPEN_END, "interval", None),
        ("../2025-03", dates.OPEN_START, D(2025, 3, 31), "interval", None),
        ("2025-12-20~/2026-01", D(2025, 12, 20), D(2026, 1, 31), "interval", "approximate"),
    ],
)
def test_accepted_forms_give_their_bounds(text, earliest, latest, precision, qualifier):
    parsed = dates.parse(text)
    assert (parsed.earliest, parsed.latest, parsed.precision, parsed.qualifier) == (earliest, latest, precision,
                                                                                   qualifier)
    assert parsed.text == text


@pytest.mark.parametrize(
    "text",
    ["2026-02-30", "2026-13", "20260106", "2026-1-6", "yesterday", "", "2026-01-09/2026-01-06", "../..",
     "2026-01-06/2026-01-07/2026-01-08", "0000", "2026-00", "2026-01-00", " 2026", "2026-01-06T12:00"],
)
def test_refused_forms_show_an_accepted_example(text):
    with pytest.raises(InvalidDate) as caught:
        dates.parse(text)
    assert "e.g." in caught.value.detail or "use one of" in caught.value.detail


def test_an_imprecise_date_is_uncertain_inside_its_span_and_certain_after():
    march = dates.parse("2025-03")
    assert not march.certain_at(D(2025, 3, 15))
    assert march.certain_at(D(2025, 4, 1))
    assert dates.parse("2026-01-06").certain_at(D(2026, 1, 6))
    assert not dates.parse("2026-01-06~").certain_at(D(2026, 1, 6))


def test_query_dates_must_be_single_days():
    assert dates.parse_day("2026-01-07") == D(2026, 1, 7)
    for text in ("2026-01", "2026-01-07~", "2026-01-06/2026-01-07"):
        with pytest.raises(InvalidDate):
            dates.parse_day(text)


@given(st.dates(min_value=D(1, 1, 1), max_value=D(9999, 12, 31)))
def test_every_real_day_round_trips(day):
    text = day.isoformat()
    assert dates.parse(text).earliest == day == dates.parse(text).latest
