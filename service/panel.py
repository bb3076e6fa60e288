"""The panel: one row per (date, actor, topic) with a stance, over a range of dates, streamed as CSV or JSON.

Researchers load it into pandas, R or Stata. The rows are made a few dates at a time and sent
as they are made, so a long panel never sits in memory. Every date is read at one log
position, so the whole panel is the answer of one moment of the log (and the same later,
asked with that ``as_of_position``); CSV carries that position and the question in a
comment before its header.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

import msgspec

from events import EventStore, queries
from events.model.errors import FieldError, InvalidDate, TooLarge
from events.model.views import StanceView
from events.model.vocabulary import STANCE_RANK

Step = Literal["day", "week", "month"]
STEPS: tuple[str, ...] = ("day", "week", "month")
#: Most rows one panel may hold (dates × the (actor, topic) pairs that ever held a stance, an upper bound known
#: before the first row is sent): above it the answer is refused whole (413), never cut short.
MAX_ROWS = 20_000_000
#: Most dates one panel may have (about 110 years of days): each date is one read, rows or not.
MAX_DATES = 40_000
#: Dates read in one snapshot before their rows are sent.
DATES_PER_READ = 8
COLUMNS = ("date", "actor", "topic", "stance", "rank", "status", "pending_conditions", "disputed", "certain", "since")


class PanelRow(msgspec.Struct, frozen=True):
    """One (date, actor, topic) with a stance on that date."""

    date: str
    actor: str
    topic: str
    stance: str
    rank: int  # the stance's place on the ordinal scale (0: hostile ... 7: delivered)
    status: str | None
    pending_conditions: list[str]
    disputed: bool
    certain: bool
    since: str


class PanelDocument(msgspec.Struct, frozen=True):
    """A panel as JSON: the log position it was read at, the question that reproduces it, and its rows."""

    position: int
    query: str
    rows: list[PanelRow]


@dataclass(frozen=True)
class Panel:
    """A panel asked for and checked: its dates, filters and the log position every date is read at."""

    start: dt.date
    end: dt.date
    dates: list[dt.date]
    step: str
    actor: str | None
    topic: str | None
    position: int
    largest: int  # the upper bound of its rows

    def query(self) -> str:
        """The question that gives exactly this panel again (its position included)."""
        params = {"from": self.start.isoformat(), "to": self.end.isoformat(), "step": self.step,
                  "actor": self.actor, "topic": self.topic,
                  "as_of_position": self.position}
        return "/panel?" + urlencode({k: v for k, v in params.items() if v is not None})


def count_dates(start: dt.date, end: dt.date, step: str) -> int:
    """How many dates :func:`dates_between` gives, without making them."""
    if step == "month":
        months = (end.year - start.year) * 12 + end.month - start.month
        return months + (1 if end.day >= start.day or months == 0 else 0) if months >= 0 else 0
    return (end - start).days // (7 if step == "week" else 1) + 1


def dates_between(start: dt.date, end: dt.date, step: str) -> list[dt.date]:
    """``start``, then every step up to ``end``: a day, 7 days, or the same day of the next month (its last day
    when the month is shorter)."""
    out = []
    if step == "month":
        year, month = start.year, start.month
        day = start
        while day <= end:
            out.append(day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            day = dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
        return out
    delta = dt.timedelta(days=7 if step == "week" else 1)
    day = start
    while day <= end:
        out.append(day)
        day += delta
    return out


def plan(store: EventStore, start: dt.date, end: dt.date, step: str, *, actor: str | None = None,
         topic: str | None = None, position: int) -> Panel:
    """Check a panel before any row is sent: raises TooLarge when it could hold more than :data:`MAX_ROWS`."""
    if end < start:
        message = f"'to' ({end}) is before 'from' ({start}); swap them"
        error = InvalidDate(end.isoformat(), message)
        error.errors = [FieldError("to", message)]
        raise error
    count = count_dates(start, end, step)
    if count > MAX_DATES:
        raise TooLarge(f"the panel would have {count:,} dates; at most {MAX_DATES:,} are read at once: ask for a"
                       " shorter range or a longer step", [FieldError("to", f"at most {MAX_DATES} dates")])
    with store.reading() as tx:
        largest = count * len(queries.stance_keys(tx, actor=actor, topic=topic, known_at=position))
    if largest > MAX_ROWS:
        raise TooLarge(f"the panel could hold {largest:,} rows ({count:,} dates × the actor-topic pairs"
                       f" with a stance); at most {MAX_ROWS:,} are sent at once: ask for a shorter range, a longer"
                       f" step, one actor or one topic", [FieldError("to", f"at most {MAX_ROWS} rows")])
    return Panel(start, end, dates_between(start, end, step), step, actor, topic, position, largest)


def _row(day: str, view: StanceView) -> PanelRow:
    pending = [c.id for c in view.conditions if c.status == "pending"]
    return PanelRow(day, view.actor, view.topic, view.stance, STANCE_RANK[view.stance], view.status, pending,
                    view.disputed, view.certain, view.since)


def rows(store: EventStore, panel: Panel) -> Iterator[list[PanelRow]]:
    """The panel's rows, one list per date, in date order (then actor, topic)."""
    for first in range(0, len(panel.dates), DATES_PER_READ):
        with store.reading() as tx:
            found = [(day.isoformat(), queries.stances(tx, day, actor=panel.actor, topic=panel.topic,
                                                       known_at=panel.position))
                     for day in panel.dates[first: first + DATES_PER_READ]]
        for day, views in found:
            yield [_row(day, view) for view in views]


def csv_chunks(store: EventStore, panel: Panel) -> Iterator[bytes]:
    """The panel as CSV: two ``#`` comment lines (position and query), the header, then the rows."""
    yield (f"# commitments panel read at log position {panel.position}\n# query: {panel.query()}\n"
           + ",".join(COLUMNS) + "\n").encode()
    for group in rows(store, panel):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for row in group:
            writer.writerow([row.date, row.actor, row.topic, row.stance, row.rank, row.status or "",
                             ";".join(row.pending_conditions), str(row.disputed).lower(), str(row.certain).lower(),
                             row.since])
        yield out.getvalue().encode()


_json = msgspec.json.Encoder()


def json_chunks(store: EventStore, panel: Panel) -> Iterator[bytes]:
    """The panel as one JSON document (:class:`PanelDocument`), sent a few dates at a time."""
    yield b'{"position":' + str(panel.position).encode() + b',"query":' + _json.encode(panel.query()) + b',"rows":['
    first = True
    for group in rows(store, panel):
        if group:
            yield (b"" if first else b",") + b",".join(_json.encode(row) for row in group)
            first = False
    yield b"]}"
