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


class NativeTimeline(TimelineDocument, frozen=True, tag="native"):
    """The timeline as the core has it: events in date order, each with its date text, span and precision."""

    events: list[TimelineEntry]


# --- TimelineJS3 -------------------------------------------------------------------


class TimelineJSDate(msgspec.Struct, frozen=True, omit_defaults=True):
    """A TimelineJS date: ``month`` and ``day`` are absent when the date is less precise."""

    year: int
    month: int | None = None
    day: int | None = None


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


class TimelineJS(TimelineDocument, frozen=True, tag="timelinejs"):
    """A TimelineJS3 document (the extra ``format`` key is ignored by TimelineJS)."""

    title: TimelineJSSlide
    events: list[TimelineJSEvent]
    eras: list[TimelineJSEra]


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


class VisTimeline(TimelineDocument, frozen=True, tag="vis"):
    """vis-timeline data: pass ``groups`` and ``items`` to ``new vis.Timeline(el, items, groups)``."""

    groups: list[VisGroup]
    items: list[VisItem]


AnyTimeline = NativeTimeline | TimelineJS | VisTimeline


# --- dates -------------------------------------------------------------------------


def escape(text: str, quote: bool = False) -> str:
    """Escape client text for HTML: ``&``, ``<`` and ``>`` always, quotes only for attribute values."""
    return _escape(text, quote=quote)


def shorten(text: str, limit: int = 80) -> str:
    """Text cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _parts(text: str) -> tuple[dates.EDTFDate, dates.EDTFDate | None] | tuple[None, dates.EDTFDate]:
    """The start and end of a date (None for an open one, never both); a single date is its own start and has no end."""
    if "/" not in text:
        return dates.parse(text), None
    start, _, end = text.partition("/")
    if start == "..":
        return None, dates.parse(end)  # ``../..`` is no date: InvalidDate
    return dates.parse(start), (None if end == ".." else dates.parse(end))


def timelinejs_date(date: dates.EDTFDate) -> TimelineJSDate:
    """A single EDTF date as a TimelineJS date, as precise as the date is."""
    day = date.earliest
    if date.precision == "year":
        return TimelineJSDate(day.year)
    if date.precision == "month":
        return TimelineJSDate(day.year, day.month)
    return TimelineJSDate(day.year, day.month, day.day)


def human_date(text: str) -> str:
    """An EDTF date in words: ``c. March 2025``, ``6 January 2026?``, ``December 2025 – 5 January 2026``."""
    parts = _parts(text)
    if parts[0] is None:
        return f"until {_words(parts[1])}"
    start, end = parts
    if end is None:
        return _words(start) if "/" not in text else f"from {_words(start)}"
    return f"{_words(start)} – {_words(end)}"


def _words(date: dates.EDTFDate) -> str:
    day = date.earliest
    if date.precision == "year":
        plain = str(day.year)
    elif date.precision == "month":
        plain = f"{_MONTHS[day.month - 1]} {day.year}"
    else:
        plain = f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    if date.qualifier == "approximate":
        return f"c. {plain}"
    if date.qualifier == "uncertain":
        return f"{plain}?"
    if date.qualifier == "uncertain-approximate":
        return f"c. {plain}?"
    return plain


# --- renderers ---------------------------------------------------------------------


def native(entries: Sequence[TimelineEntry]) -> NativeTimeline:
    """The core's timeline entries, as they are."""
    return NativeTimeline(events=list(entries))


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
    """One timeline entry as a TimelineJS slide (``display_date`` for approximate, uncertain or open dates)."""
    parts = _parts(entry.date)
    # An open start: show the event at its end, the only day we know.
    start, end = (parts[1], None) if parts[0] is None else parts
    open_interval = "/.." in entry.date or entry.date.startswith("../")
    return TimelineJSEvent(
        start_date=timelinejs_date(start),
        end_date=timelinejs_date(end) if end is not None else None,
        text=_slide_text(entry),
        unique_id=entry.id,
        group=_GROUPS.get(entry.type, entry.type),
        display_date=human_date(entry.date) if entry.qualifier or open_interval else None,
    )


def is_major_meeting(entry: TimelineEntry) -> bool:
    """A meeting that marks an era: dated to a day or month, and tagged ``summit`` or attended by two or more actors."""
    if entry.type != "meeting.held" or entry.precision == "interval":
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
               description: str = "Who promised what, on which conditions, and when that changed.") -> TimelineJS:
    """The timeline as a TimelineJS3 document."""
    return TimelineJS(
        title=TimelineJSSlide(TimelineJSText(headline=escape(title), text=f"<p>{escape(description)}</p>")),
        events=[timelinejs_event(entry) for entry in entries],
        eras=eras(entries),
    )


def _stance_item(actor: str, topic: str, interval: Interval, open_end: str) -> VisItem:
    end = interval.valid_to or open_end
    if end <= interval.valid_from:  # an open interval that starts after the window: give it one day
        end = (_day(interval.valid_from) + dt.timedelta(days=1)).isoformat()
    conditions = ", ".join(interval.conditions)
    tooltip = f"{actor}: {interval.stance} on {topic} since {human_date(interval.date_text)}"
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
    ranged = entry.precision == "interval" and entry.latest < dates.OPEN_END.isoformat()
    start = entry.earliest if entry.earliest > dates.OPEN_START.isoformat() else entry.latest
    return VisItem(
        id=entry.id,
        content=escape(shorten(entry.headline)),
        start=start,
        end=entry.latest if ranged else None,
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
    return VisTimeline(groups=groups, items=items)
