"""The timeline renderers, on hand-made query results, checked against the formats' documented field lists.

TimelineJS3 JSON (timeline.knightlab.com/docs/json-format.html):
  timeline: title (slide), events (slides), eras, scale
  slide:    start_date, end_date, text, media, group, display_date, background, autolink, unique_id
  date:     year (required), month, day, hour, minute, second, millisecond, display_date, format
  text:     headline, text
  era:      start_date, end_date (both required), text
vis-timeline (visjs.github.io/vis-timeline/docs/timeline/):
  item:  id, content (required), start (required), end, type (box|point|range|background), group, className,
         title, style, subgroup, editable, selectable, align
  group: id (required), content (required), className, title, style, order, visible, nestedGroups
"""

import datetime as dt

import msgspec

from events import dates
from events.model.catalog import Source
from events.model.views import Interval, TimelineEntry
from service import formats

TIMELINEJS_TIMELINE = {"title", "events", "eras", "scale"}
TIMELINEJS_SLIDE = {"start_date", "end_date", "text", "media", "group", "display_date", "background", "autolink",
                    "unique_id"}
TIMELINEJS_DATE = {"year", "month", "day", "hour", "minute", "second", "millisecond", "display_date", "format"}
TIMELINEJS_TEXT = {"headline", "text"}
TIMELINEJS_ERA = {"start_date", "end_date", "text"}
VIS_ITEM = {"id", "content", "start", "end", "type", "group", "className", "title", "style", "subgroup", "editable",
            "selectable", "align"}
VIS_ITEM_TYPES = {"box", "point", "range", "background"}
VIS_GROUP = {"id", "content", "className", "title", "style", "order", "visible", "nestedGroups"}

#: Our documents carry one key of their own, ``format``, which both libraries ignore.
OWN_KEYS = {"format", "position"}  # the service's own keys: TimelineJS ignores them


def entry(id_, date, type_="stance.stated", actors=("fr",), headline=None, summary="What happened.", tags=(),
          sources=(Source(outlet="Test Wire", url="https://example.org/a"),)):
    parsed = dates.parse(date)
    return TimelineEntry(
        id=id_, type=type_, position=1, date=date, earliest=parsed.earliest.isoformat(),
        latest=parsed.latest.isoformat(), precision=parsed.precision, qualifier=parsed.qualifier,
        headline=headline or id_, summary=summary, actors=list(actors), topics=[], sources=sources, tags=tags,
    )


def interval(valid_from, valid_to, stance="committed", conditions=()):
    return Interval(valid_from=valid_from, valid_to=valid_to, date_text=valid_from, precision="day", stance=stance,
                    conditions=list(conditions), quantity=None, period=None, evidence=[])


ENTRIES = [
    entry("founded", "2025-03", type_="group.founded", actors=("coalition", "fr", "gb")),
    entry("earlier-talks", "2025-03/2026-01-05", type_="meeting.held", actors=("coalition",)),
    entry("pledge", "2025-12~", actors=("gb",)),
    entry("summit", "2026-01-06", type_="meeting.held", actors=("fr", "gb", "de"), headline="Paris summit"),
    entry("claim", "2026-01-08?", type_="claim.made", actors=("ru",)),
    entry("briefing", "2026-01-09", type_="meeting.held", actors=("ua",)),
    entry("declared", "2026-01-10", type_="condition.declared", actors=()),
]


def builtins(document):
    return msgspec.to_builtins(document)


def test_native_keeps_each_dates_text_and_precision():
    body = builtins(formats.native(ENTRIES))
    assert body["format"] == "native"
    assert [(e["date"], e["precision"]) for e in body["events"][:3]] == [
        ("2025-03", "month"), ("2025-03/2026-01-05", "interval"), ("2025-12~", "month")]


def check_date(date):
    assert set(date) <= TIMELINEJS_DATE and isinstance(date["year"], int)
    assert all(isinstance(date[k], int) for k in ("month", "day") if k in date)


def test_timelinejs_uses_only_documented_fields():
    body = builtins(formats.timelinejs(ENTRIES))
    assert set(body) <= TIMELINEJS_TIMELINE | OWN_KEYS
    assert set(body["title"]) <= TIMELINEJS_SLIDE and set(body["title"]["text"]) <= TIMELINEJS_TEXT
    for slide in body["events"]:
        assert set(slide) <= TIMELINEJS_SLIDE and {"start_date", "text", "unique_id", "group"} <= set(slide)
        check_date(slide["start_date"])
        if "end_date" in slide:
            check_date(slide["end_date"])
        assert set(slide["text"]) <= TIMELINEJS_TEXT
    assert len({slide["unique_id"] for slide in body["events"]}) == len(body["events"])
    for era in body["eras"]:
        assert set(era) == TIMELINEJS_ERA
        check_date(era["start_date"])
        check_date(era["end_date"])


def test_timelinejs_dates_are_as_precise_as_the_data():
    slides = {s["unique_id"]: s for s in builtins(formats.timelinejs(ENTRIES))["events"]}
    assert slides["founded"]["start_date"] == {"year": 2025, "month": 3}
    assert "end_date" not in slides["founded"] and "display_date" not in slides["founded"]
    assert slides["earlier-talks"]["start_date"] == {"year": 2025, "month": 3}
    assert slides["earlier-talks"]["end_date"] == {"year": 2026, "month": 1, "day": 5}
    assert slides["summit"]["start_date"] == {"year": 2026, "month": 1, "day": 6}
    assert slides["pledge"]["display_date"] == "about December 2025"
    assert slides["claim"]["display_date"] == "possibly 8 January 2026"


def test_a_year_only_date_has_neither_month_nor_day():
    [slide] = builtins(formats.timelinejs([entry("y", "2025")]))["events"]
    assert slide["start_date"] == {"year": 2025}


def test_open_intervals_say_so_in_display_date():
    slides = builtins(formats.timelinejs([entry("a", "2026-01/.."), entry("b", "../2025-03")]))["events"]
    assert slides[0]["start_date"] == {"year": 2026, "month": 1}
    assert slides[0]["display_date"] == "from January 2026 onwards"
    assert slides[1]["start_date"] == {"year": 2025, "month": 3} and slides[1]["display_date"] == "until March 2025"


def test_unknown_ends_say_so_and_show_the_known_end():
    slides = builtins(formats.timelinejs([entry("a", "2025-06/"), entry("b", "/2026-04-12")]))["events"]
    assert slides[0]["start_date"] == {"year": 2025, "month": 6} and "end_date" not in slides[0]
    assert slides[0]["display_date"] == "from June 2025 until an unknown date"
    assert slides[1]["start_date"] == {"year": 2026, "month": 4, "day": 12}
    assert slides[1]["display_date"] == "from an unknown date until 12 April 2026"


def test_seasons_and_unspecified_years_are_spans_in_timelinejs():
    slides = {s["unique_id"]: s for s in builtins(formats.timelinejs(
        [entry("spring", "2025-21"), entry("winter", "2025-24"), entry("decade", "201X"), entry("century", "19XX"),
         entry("some-month", "2004-XX")]))["events"]}
    assert (slides["spring"]["start_date"], slides["spring"]["end_date"]) == (
        {"year": 2025, "month": 3}, {"year": 2025, "month": 5})
    assert slides["spring"]["display_date"] == "spring 2025"
    assert (slides["winter"]["start_date"], slides["winter"]["end_date"]) == (
        {"year": 2025, "month": 12}, {"year": 2026, "month": 2})
    assert (slides["decade"]["start_date"], slides["decade"]["end_date"]) == ({"year": 2010}, {"year": 2019})
    assert slides["decade"]["display_date"] == "some year in the 2010s"
    assert slides["century"]["end_date"] == {"year": 1999}
    assert slides["some-month"]["start_date"] == {"year": 2004} and "end_date" not in slides["some-month"]
    assert slides["some-month"]["display_date"] == "some month in 2004"


def test_a_date_time_keeps_its_time_of_day_in_utc():
    [slide] = builtins(formats.timelinejs([entry("t", "2026-01-06T23:20:30-04:00")]))["events"]
    assert slide["start_date"] == {"year": 2026, "month": 1, "day": 7, "hour": 3, "minute": 20, "second": 30}
    assert slide["display_date"] == "7 January 2026, 03:20:30 UTC"
    [item] = builtins(formats.vis([entry("t", "2026-01-06T23:20:30-04:00")], {}, {}, today=dt.date(2026, 1, 10)))[
        "items"]
    assert (item["type"], item["start"]) == ("point", "2026-01-07T03:20:30Z")


def test_timelinejs_text_links_sources_and_escapes_client_text():
    hostile = entry("x", "2026-01-06", headline="<script>alert(1)</script>", summary="a < b & c",
                    sources=(Source(outlet="Wire <b>", url="https://example.org/?a=1&b=\"2\""), Source(outlet="Radio")))
    [slide] = builtins(formats.timelinejs([hostile]))["events"]
    assert "<script>" not in slide["text"]["headline"] and "&lt;script&gt;" in slide["text"]["headline"]
    assert "a &lt; b &amp; c" in slide["text"]["text"]
    assert '<a href="https://example.org/?a=1&amp;b=&quot;2&quot;"' in slide["text"]["text"]
    assert "Wire &lt;b&gt;</a>" in slide["text"]["text"] and ", Radio" in slide["text"]["text"]


def test_eras_run_between_major_meetings():
    eras = builtins(formats.timelinejs(ENTRIES))["eras"]
    assert [(e["start_date"], e["end_date"], e["text"]["headline"]) for e in eras] == [
        ({"year": 2025, "month": 3, "day": 1}, {"year": 2026, "month": 1, "day": 6}, "Before Paris summit"),
        ({"year": 2026, "month": 1, "day": 6}, {"year": 2026, "month": 1, "day": 10}, "After Paris summit"),
    ]


def test_a_summit_tag_makes_a_meeting_major_and_intervals_never_are():
    small = entry("small-summit", "2025-06", type_="meeting.held", actors=("fr",), tags=("summit",))
    assert formats.is_major_meeting(small)
    assert not formats.is_major_meeting(ENTRIES[1])  # dated by an interval
    assert not formats.is_major_meeting(ENTRIES[5])  # one participant, no tag
    assert formats.eras([ENTRIES[0]]) == []


def test_vis_uses_only_documented_fields():
    intervals = {("fr", "troops"): [interval("2026-01-06", "2026-01-07", "conditional", ["ceasefire"]),
                                    interval("2026-01-07", None)]}
    body = builtins(formats.vis(ENTRIES, intervals, {"fr": "France", "gb": "United Kingdom"},
                                today=dt.date(2026, 1, 10)))
    assert set(body) <= {"groups", "items"} | OWN_KEYS
    for item in body["items"]:
        assert set(item) <= VIS_ITEM and {"id", "content", "start", "type", "group", "className"} <= set(item)
        assert item["type"] in VIS_ITEM_TYPES
        dt.datetime.fromisoformat(item["start"])
        if item["type"] == "range":
            assert dt.date.fromisoformat(item["end"]) > dt.date.fromisoformat(item["start"])
    for group in body["groups"]:
        assert set(group) <= VIS_GROUP and {"id", "content"} <= set(group)
    assert len({i["id"] for i in body["items"]}) == len(body["items"])
    assert {i["group"] for i in body["items"]} <= {g["id"] for g in body["groups"]}


def test_vis_stance_intervals_are_ranges_classed_by_stance():
    intervals = {("fr", "troops"): [interval("2026-01-06", "2026-01-07", "conditional", ["ceasefire"]),
                                    interval("2026-01-07", None)]}
    body = builtins(formats.vis([], intervals, {"fr": "France"}, today=dt.date(2026, 1, 10)))
    assert body["groups"] == [{"id": "fr", "content": "France"}]
    first, second = body["items"]
    assert (first["type"], first["start"], first["end"], first["className"]) == (
        "range", "2026-01-06", "2026-01-07", "stance-conditional")
    assert "ceasefire" in first["title"] and first["group"] == "fr"
    assert (second["end"], second["className"]) == ("2026-01-10", "stance-committed")  # open: up to today


def test_vis_windows_stance_ranges_and_ends_open_ones_at_the_window():
    intervals = {("fr", "troops"): [interval("2025-01-01", "2025-06-01"), interval("2025-06-01", None)]}
    body = builtins(formats.vis([], intervals, {"fr": "France"}, today=dt.date(2026, 1, 10),
                                start=dt.date(2025, 7, 1), end=dt.date(2025, 12, 31)))
    assert [(i["start"], i["end"]) for i in body["items"]] == [("2025-06-01", "2025-12-31")]


def test_vis_events_on_a_day_are_points_and_events_over_a_span_ranges():
    items = {i["id"]: i for i in builtins(formats.vis([*ENTRIES, entry("spring", "2025-21"), entry("open", "2025/..")],
                                                      {}, {"fr": "France"}, today=dt.date(2026, 1, 10)))["items"]}
    assert items["summit"]["type"] == "point" and items["summit"]["start"] == "2026-01-06"
    assert items["summit"]["className"] == "event event-meeting-held" and items["summit"]["group"] == "fr"
    # vis-timeline ends are exclusive: a span ends the day after its last day
    assert (items["earlier-talks"]["type"], items["earlier-talks"]["end"]) == ("range", "2026-01-06")
    assert (items["founded"]["type"], items["founded"]["start"], items["founded"]["end"]) == (
        "range", "2025-03-01", "2025-04-01")
    assert (items["spring"]["type"], items["spring"]["start"], items["spring"]["end"]) == (
        "range", "2025-03-01", "2025-06-01")
    assert (items["open"]["type"], items["open"]["start"]) == ("point", "2025-01-01")
    assert items["declared"]["group"] == formats.GENERAL_GROUP
    assert "end" not in items["summit"]


#: EDTF text -> the words the CLI, the renderers and the page (service/web/static/js/dates.js) say.
HUMAN_DATES = {
    "2026-01-06": "6 January 2026",
    "2026-01-06~": "on or about 6 January 2026",
    "2026-01-09?": "possibly 9 January 2026",
    "2025-03~": "about March 2025",
    "2025%": "possibly about 2025",
    "2025-21": "spring 2025",
    "2025-22~": "about summer 2025",
    "2025-23": "autumn 2025",
    "2025-24": "winter 2025/26",
    "201X": "some year in the 2010s",
    "20XX": "some year from 2000 to 2099",
    "2004-XX": "some month in 2004",
    "1985-04-XX": "some day in April 1985",
    "1985-XX-XX": "some day in 1985",
    "2004-06-11%": "possibly on or about 11 June 2004",
    "2026-01-06T09:30:00Z": "6 January 2026, 09:30 UTC",
    "1985-04-12T23:20:30-04": "13 April 1985, 03:20:30 UTC",
    "1984-06-02?/": "from possibly 2 June 1984 until an unknown date",
    "2025-21/2025-23~": "spring 2025 – about autumn 2025",
    "1985-04-12T23:20:30+04:30": "12 April 1985, 18:50:30 UTC",
    "2025-12~/2026-01-05": "about December 2025 – 5 January 2026",
    "2026-01/..": "from January 2026 onwards",
    "../2025-03": "until March 2025",
    "2025-06/": "from June 2025 until an unknown date",
    "/2026-04-12": "from an unknown date until 12 April 2026",
}


def test_human_dates():
    assert {text: formats.human_date(text) for text in HUMAN_DATES} == HUMAN_DATES
