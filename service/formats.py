"""Timeline renderers: the core's timeline (and stance intervals) as native, TimelineJS3 or vis-timeline JSON.

Pure functions over query results: nothing here reads the store or the clock, so
each format can be tested on hand-made inputs.

* TimelineJS3 (https://timeline.knightlab.com/docs/json-format.html): a ``title``
  slide, ``events`` with ``start_date`` / ``end_date`` objects whose ``month`` and
  ``day`` are left out at lower precision, ``text`` (HTML), ``group``,
  ``unique_id`` and ``display_date``; ``eras`` derived from the major meetings.
* vis-timeline (https://visjs.github.io/vis-timeline/docs/timeline/): ``groups``
  (one per actor) and ``items``: a ``range`` per stance interval, a ``point`` per
  dated event (a ``range`` for an event dated by an interval).

Text that TimelineJS and vis-timeline render as HTML is escaped here, because it
comes from clients.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from html import escape as _escape
from typing import Literal, get_args

import msgspec

from events import dates
from events.model.catalog import Source
from events.model.views import Interval, TimelineEntry

Format = Literal["native", "timelinejs", "vis"]
FORMATS: tuple[Format, ...] = get_args(Format)

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_GROUPS = {
    "meeting.held": "Meetings",
    "declaration.signed": "Declarations",
    "stance.stated": "Stances",
    "warning.issued": "Warnings",
    "strike.reported": "Strikes",
    "claim.made": "Claims",
    "claim.disputed": "Claims",
    "condition.declared": "Conditions",
    "condition.changed": "Conditions",
    "group.founded": "Membership",
    "group.joined": "Membership",
    "group.left": "Membership",
}
#: The vis-timeline group of events that name no actor (parentheses: no actor id can look like it).
GENERAL_GROUP = "(general)"


class TimelineDocument(msgspec.Struct, frozen=True, tag_field="format"):
    """A rendered timeline; ``format`` says which of the three shapes it has."""


class NativeTimeline(TimelineDocument, frozen=True, tag="native", omit_defaults=True):
    """The timeline as the core has it: events in date order, each with its date text, span and precision;
    ``next_cursor`` (absent on the last page) asks for the events that follow."""

    events: list[TimelineEntry]
    position: int | None = None  # the log position it was read at
    next_cursor: str | None = None


# --- TimelineJS3 -------------------------------------------------------------------


class TimelineJSDate(msgspec.Struct, frozen=True, omit_defaults=True):
    """A TimelineJS date: ``month`` and ``day`` are absent when the date is less precise; a date-time's time of day
    (UTC) is in ``hour``, ``minute`` and ``second``."""

    year: int
    month: int | None = None
    day: int | None = None
    hour: int | None = None
    minute: int | None = None
    second: int | None = None


class TimelineJSText(msgspec.Struct, frozen=True, omit_defaults=True):
    """A TimelineJS text object: a headline and an HTML body."""

    headline: str
    text: str = ""


class TimelineJSSlide(msgspec.Struct, frozen=True):
    """The TimelineJS title slide."""

    text: TimelineJSText


class TimelineJSEvent(msgspec.Struct, frozen=True, omit_defaults=True):
    """One TimelineJS slide: an event of the log."""

    start_date: TimelineJSDate
    text: TimelineJSText
    unique_id: str
    group: str | None = None
    end_date: TimelineJSDate | None = None
    display_date: str | None = None


class TimelineJSEra(msgspec.Struct, frozen=True):
    """A TimelineJS era: a labelled span of the time axis."""

    start_date: TimelineJSDate
    end_date: TimelineJSDate
    text: TimelineJSText


class TimelineJS(TimelineDocument, frozen=True, tag="timelinejs", omit_defaults=True):
    """A TimelineJS3 document (the extra ``format`` and ``next_cursor`` keys are ignored by TimelineJS); a story
    cut short says so on its title slide, and ``next_cursor`` asks for the events that follow."""

    title: TimelineJSSlide
    events: list[TimelineJSEvent]
    eras: list[TimelineJSEra]
    position: int | None = None  # the log position it was read at (TimelineJS ignores it)
    next_cursor: str | None = None


# --- vis-timeline ------------------------------------------------------------------


class VisGroup(msgspec.Struct, frozen=True):
    """A vis-timeline group: one row per actor (``content`` is HTML)."""

    id: str
    content: str


class VisItem(msgspec.Struct, frozen=True, omit_defaults=True):
    """A vis-timeline item: a stance interval (``range``) or an event (``point``); ``content``/``title`` are HTML."""

    id: str
    content: str
    start: str
    type: Literal["range", "point", "box"]
    group: str
    className: str  # noqa: N815 - vis-timeline's own field name
    title: str
    end: str | None = None


class VisTimeline(TimelineDocument, frozen=True, tag="vis", omit_defaults=True):
    """vis-timeline data: pass ``groups`` and ``items`` to ``new vis.Timeline(el, items, groups)``;
    ``next_cursor`` (absent on the last page) asks for the events that follow, and ``stances_left_out`` says that
    the stance ranges were left out (a later page, or a selection of more stances than one answer draws)."""

    groups: list[VisGroup]
    items: list[VisItem]
    position: int | None = None  # the log position it was read at
    next_cursor: str | None = None
    stances_left_out: bool = False


AnyTimeline = NativeTimeline | TimelineJS | VisTimeline
OPEN_START, OPEN_END = dates.OPEN_START, dates.OPEN_END


# --- dates -------------------------------------------------------------------------


def escape(text: str, quote: bool = False) -> str:
    """Escape client text for HTML: ``&``, ``<`` and ``>`` always, quotes only for attribute values."""
    return _escape(text, quote=quote)


def shorten(text: str, limit: int = 80) -> str:
    """Text cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _parts(text: str) -> tuple[dates.EDTFDate | None, dates.EDTFDate | None]:
    """The known start and end of a date (None for an open or unknown one); a single date is its own start and has
    no end."""
    if "/" not in text:
        return dates.parse(text), None
    dates.parse(text)  # the whole interval is checked (``../..`` is no date: InvalidDate)
    start, _, end = text.partition("/")
    return (None if start in ("", "..") else dates.parse(start)), (None if end in ("", "..") else dates.parse(end))


def timelinejs_date(date: dates.EDTFDate, *, last: bool = False) -> TimelineJSDate:
    """A single EDTF date as a TimelineJS date, as precise as the date is: its first (or ``last``) unit."""
    day = date.latest if last else date.earliest
    if date.precision in ("year", "decade", "century"):
        return TimelineJSDate(day.year)
    if date.precision in ("month", "season"):
        return TimelineJSDate(day.year, day.month)
    if date.precision == "instant":
        second = date.second
        return TimelineJSDate(day.year, day.month, day.day, second // 3600, second // 60 % 60, second % 60)
    return TimelineJSDate(day.year, day.month, day.day)


#: Precisions whose single date spans several units that TimelineJS cannot name by leaving fields out.
_SPANS = ("season", "decade", "century")


def human_date(text: str) -> str:
    """An EDTF date in words: ``spring 2025``, ``on or about 6 January 2026``, ``from 2025 until an unknown date``.

    service/web/static/js/dates.js says the same words on the page (tests/test_web_browser.py compares them).
    """
    date = dates.parse(text)
    if "/" not in text:
        return _words(date)
    start_text, _, end_text = text.partition("/")
    start, end = _parts(text)
    if start is None:
        said = _words(end) if end is not None else ""
        return f"until {said}" if start_text == ".." else f"from an unknown date until {said}"
    if end is None:
        return f"from {_words(start)} onwards" if end_text == ".." else f"from {_words(start)} until an unknown date"
    return f"{_words(start)} – {_words(end)}"


def _plain(date: dates.EDTFDate) -> str:
    """The date without its qualifier, in words."""
    text, day = date.text.rstrip("?~%"), date.earliest
    month = _MONTHS[day.month - 1]
    if date.precision == "instant":
        second = date.second
        clock = f"{second // 3600:02d}:{second // 60 % 60:02d}" + (f":{second % 60:02d}" if second % 60 else "")
        return f"{day.day} {month} {day.year}, {clock} UTC"
    if date.precision == "day":
        return f"{day.day} {month} {day.year}"
    if date.precision == "season":
        name, _ = dates.SEASONS[int(text[5:7])]
        return f"{name} {day.year}" if name != "winter" else f"winter {day.year}/{str(day.year + 1)[-2:]}"
    if date.precision == "decade":
        return f"some year in the {int(text[:3] + '0')}s"
    if date.precision == "century":
        return f"some year from {day.year} to {date.latest.year}"
    if text.endswith("-XX-XX"):
        return f"some day in {day.year}"
    if text.endswith("-XX"):
        return f"some day in {month} {day.year}" if date.precision == "month" else f"some month in {day.year}"
    if date.precision == "month":
        return f"{month} {day.year}"
    return str(day.year)


def _words(date: dates.EDTFDate) -> str:
    plain = _plain(date)
    if date.qualifier is None:
        return plain
    about = f"on or about {plain}" if date.precision == "day" else f"about {plain}"
    if date.qualifier == "approximate":
        return about
    if date.qualifier == "uncertain":
        return f"possibly {plain}"
    return f"possibly {about}"


# --- renderers ---------------------------------------------------------------------


def native(entries: Sequence[TimelineEntry], next_cursor: str | None = None) -> NativeTimeline:
    """The core's timeline entries, as they are."""
    return NativeTimeline(events=list(entries), next_cursor=next_cursor)


def sources_html(sources: Iterable[Source]) -> str:
    """Sources as an HTML list of links (a source without a URL is named only)."""
    items = []
    for source in sources:
        name = escape(source.outlet)
        if source.published:
            name += f" ({escape(human_date(source.published))})"
        if source.url:
            name = f'<a href="{escape(source.url, quote=True)}" target="_blank" rel="noopener">{name}</a>'
        items.append(name)
    return "Sources: " + ", ".join(items) if items else ""


def _slide_text(entry: TimelineEntry) -> TimelineJSText:
    body = f"<p>{escape(entry.summary)}</p>"
    sources = sources_html(entry.sources)
    if sources:
        body += f"<p>{sources}</p>"
    return TimelineJSText(headline=escape(entry.headline), text=body)


def timelinejs_event(entry: TimelineEntry) -> TimelineJSEvent:
    """One timeline entry as a TimelineJS slide, spanning what its date spans; ``display_date`` says in words every
    date that the start and end fields alone would not (qualified, open, unknown, seasons, unspecified digits)."""
    start, end = _parts(entry.date)
    open_or_unknown = "/" in entry.date and (start is None or end is None)
    if start is None:  # an open or unknown start: show the event at its end, the only day we know
        start, end = end, None
    assert start is not None  # a date has at least one known end
    if end is None and start.precision in _SPANS:
        end = start
    plain = (entry.qualifier is None and "X" not in entry.date and not open_or_unknown
             and all(part.precision in ("day", "month", "year") for part in (start, end) if part is not None))
    return TimelineJSEvent(
        start_date=timelinejs_date(start),
        end_date=timelinejs_date(end, last=True) if end is not None else None,
        text=_slide_text(entry),
        unique_id=entry.id,
        group=_GROUPS.get(entry.type, entry.type),
        display_date=None if plain else human_date(entry.date),
    )


def is_major_meeting(entry: TimelineEntry) -> bool:
    """A meeting that marks an era: dated to a day or month, and tagged ``summit`` or attended by two or more actors."""
    if entry.type != "meeting.held" or entry.precision not in ("instant", "day", "month"):
        return False
    return "summit" in entry.tags or len(entry.actors) >= 2


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _jsday(day: dt.date) -> TimelineJSDate:
    return TimelineJSDate(day.year, day.month, day.day)


def eras(entries: Sequence[TimelineEntry]) -> list[TimelineJSEra]:
    """Eras between the major meetings: "Before <first>", "Before <next>", ..., "After <last>".

    The eras cover the timeline's span, from its earliest day to its latest known day.
    """
    meetings: dict[str, TimelineEntry] = {}
    for entry in entries:
        if is_major_meeting(entry):
            meetings.setdefault(entry.earliest, entry)
    if not meetings:
        return []
    known_ends = [e.latest for e in entries if e.latest < dates.OPEN_END.isoformat()]
    first = min(e.earliest for e in entries if e.earliest > dates.OPEN_START.isoformat())
    last = max(known_ends + [first])
    out = []
    start = first
    for day, meeting in sorted(meetings.items()):
        if start < day:
            headline = f"Before {escape(meeting.headline)}"
            out.append(TimelineJSEra(_jsday(_day(start)), _jsday(_day(day)), TimelineJSText(headline=headline)))
        start = max(start, day)
    final = sorted(meetings.items())[-1][1]
    if start < last:
        headline = f"After {escape(final.headline)}"
        out.append(TimelineJSEra(_jsday(_day(start)), _jsday(_day(last)), TimelineJSText(headline=headline)))
    return out


def timelinejs(entries: Sequence[TimelineEntry], title: str = "Commitment timeline",
               description: str = "Who promised what, on which conditions, and when that changed.",
               next_cursor: str | None = None) -> TimelineJS:
    """The timeline as a TimelineJS3 document; with a ``next_cursor`` the story is cut, and its title slide says
    so."""
    text = f"<p>{escape(description)}</p>"
    if next_cursor is not None and entries:
        text += (f"<p>This story shows the first {len(entries):,} events of the selection, up to "
                 f"{escape(human_date(entries[-1].date))}; more follow.</p>")
    return TimelineJS(
        title=TimelineJSSlide(TimelineJSText(headline=escape(title), text=text)),
        events=[timelinejs_event(entry) for entry in entries],
        eras=eras(entries),
        next_cursor=next_cursor,
    )


def _stance_item(actor: str, topic: str, interval: Interval, open_end: str) -> VisItem:
    end = interval.valid_to or open_end
    if end <= interval.valid_from:  # an open interval that starts after the window: give it one day
        end = (_day(interval.valid_from) + dt.timedelta(days=1)).isoformat()
    conditions = ", ".join(interval.conditions)
    tooltip = f"{actor}: {interval.stance} on {topic}, dated {human_date(interval.date_text)}"
    if conditions:
        tooltip += f" (conditions: {conditions})"
    return VisItem(
        id=f"stance/{actor}/{topic}/{interval.valid_from}",
        content=escape(f"{topic}: {interval.stance}"),
        start=interval.valid_from,
        end=end,
        type="range",
        group=actor,
        className=f"stance-{interval.stance}",
        title=escape(tooltip),
    )


def _event_item(entry: TimelineEntry) -> VisItem:
    """An event as a vis-timeline item: a range over what a bounded date spans (a month, a season, an interval;
    vis ends are exclusive, so it ends the day after the latest), a point for a day, an instant, or a date with an
    open or unknown end (at the day that is known)."""
    date = dates.parse(entry.date)
    ranged = OPEN_START < date.earliest < date.latest < OPEN_END
    start = entry.earliest if date.earliest > OPEN_START else entry.latest
    if date.precision == "instant":
        second = date.second
        start = f"{entry.earliest}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"
    return VisItem(
        id=entry.id,
        content=escape(shorten(entry.headline)),
        start=start,
        end=(date.latest + dt.timedelta(days=1)).isoformat() if ranged else None,
        type="range" if ranged else "point",
        group=entry.actors[0] if entry.actors else GENERAL_GROUP,
        className="event event-" + entry.type.replace(".", "-"),
        title=escape(f"{human_date(entry.date)}: {entry.summary}"),
    )


def _overlaps(interval: Interval, start: dt.date | None, end: dt.date | None) -> bool:
    if end is not None and interval.valid_from > end.isoformat():
        return False
    return start is None or interval.valid_to is None or interval.valid_to > start.isoformat()


def vis(
    entries: Sequence[TimelineEntry],
    intervals: Mapping[tuple[str, str], Sequence[Interval]],
    actor_names: Mapping[str, str],
    *,
    today: dt.date,
    start: dt.date | None = None,
    end: dt.date | None = None,
    next_cursor: str | None = None,
    stances_left_out: bool = False,
) -> VisTimeline:
    """vis-timeline groups and items: stance intervals overlapping [start, end] as ranges, events as points.

    Open stance intervals end at ``end`` (or ``today``), since vis-timeline ranges need an end.
    """
    open_end = (end or today).isoformat()
    items = [
        _stance_item(actor, topic, interval, open_end)
        for (actor, topic), spans in sorted(intervals.items())
        for interval in spans
        if _overlaps(interval, start, end)
    ]
    items.extend(_event_item(entry) for entry in entries)
    used = {item.group for item in items}
    groups = [VisGroup(id=actor, content=escape(name)) for actor, name in actor_names.items() if actor in used]
    known = {group.id for group in groups}
    for group in sorted(used - known):  # events of unregistered or unnamed actors, and GENERAL_GROUP
        groups.append(VisGroup(id=group, content=escape("Other events" if group == GENERAL_GROUP else group)))
    return VisTimeline(groups=groups, items=items, next_cursor=next_cursor, stances_left_out=stances_left_out)
