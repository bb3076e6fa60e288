"""Query, path and header parameters shared by the controllers, and their parsing into core types.

The annotated types document each parameter in ``/schema``; the ``parse_*`` functions
turn the text into what the core's queries take, raising the core's errors (422) with
the parameter's name as the pointer. Litestar itself rejects wrong types and values
out of range (400). Dates and instants are parsed here, not by litestar, so their
patterns are documented (``schema_extra``) without litestar enforcing them: a bad date is
a 422 ``invalid-date`` problem that says which forms work. Every example answers 200 on
a freshly seeded service (tests/test_http_examples.py tries each).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias

from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.openapi.spec import Example
from litestar.params import HeaderParameter, PathParameter, QueryParameter
from msgspec import Meta

from events import EVENT_TYPES, EventStore, InvalidDate, InvalidEvent, dates, queries
from events.model.catalog import ID_PATTERN
from events.model.clock import instant_pattern, parse_instant
from events.model.errors import FieldError
from events.model.search_syntax import MAX_QUERY_CHARS
from events.model.vocabulary import ConditionStatus as ConditionStatusName
from service.formats import Format
from service.http.reads import Reader
from service.writing.group_commit import GroupCommitter

#: Positions and sequence numbers: at most 18 digits, far below SQLite's 64-bit integer limit.
MAX_POSITION = 10**18 - 1
MAX_PAGE = 1000

_DAY_EXAMPLE = [Example(value="2026-01-07")]
#: A day parameter as the document states it (parse_day takes exactly these; a day that does not exist is 422).
_DAY_SCHEMA = {"format": "date", "pattern": dates.DAY_PATTERN}
#: After any fresh install's seed was recorded (an instant before it answers as the empty log stood, or 404
#: for an actor not yet known): an instant in the future answers as the log stands now.
_INSTANT_EXAMPLE = [Example(value="2100-01-01T00:00:00Z")]
#: What parse_known_at accepts: RFC 3339, with a space for a ``+`` that the query string decoded into one.
_INSTANT_SCHEMA = {"pattern": instant_pattern(space_for_plus=True)}
#: ``42`` or the entity tag ``"42"`` (weak or strong); parse_if_match reads exactly these.
IF_MATCH_PATTERN = r'^(?:[0-9]{1,18}|(?:W/)?"[0-9]{1,18}")$'
#: A search cursor: the answer's position and the offset of the next hit (opaque to clients).
CURSOR_PATTERN = r"^[0-9]{1,18}\.[0-9]{1,9}$"


def _id_filter(description: str) -> QueryParameter:
    return QueryParameter(description=description, pattern=ID_PATTERN, max_length=128)


At = Annotated[str | None, QueryParameter(
    description="The day to answer for (YYYY-MM-DD); defaults to today.", examples=_DAY_EXAMPLE, max_length=64,
    schema_extra=_DAY_SCHEMA)]
KnownAt = Annotated[str | None, QueryParameter(
    description="Answer as the log stood at this RFC 3339 instant (later appends and corrections ignored); "
                "an instant before the log recorded what you ask about answers as if it did not exist yet, and "
                "one in the future as the log stands now.",
    examples=_INSTANT_EXAMPLE, max_length=64, schema_extra=_INSTANT_SCHEMA)]
From = Annotated[str, QueryParameter(
    name="from", description="The first day (YYYY-MM-DD).", examples=[Example(value="2026-01-01")], max_length=64,
    schema_extra=_DAY_SCHEMA)]
FromOptional = Annotated[str | None, QueryParameter(
    name="from", description="Only what reaches this day or later (YYYY-MM-DD).", examples=_DAY_EXAMPLE,
    max_length=64, schema_extra=_DAY_SCHEMA)]
To = Annotated[str | None, QueryParameter(
    description="The last day (YYYY-MM-DD), not before `from`; defaults to today.", examples=_DAY_EXAMPLE,
    max_length=64, schema_extra=_DAY_SCHEMA)]
ToOptional = Annotated[str | None, QueryParameter(
    description="Only what starts on this day or earlier (YYYY-MM-DD), not before `from`.", examples=_DAY_EXAMPLE,
    max_length=64, schema_extra=_DAY_SCHEMA)]
# Litestar writes the bounds of a query parameter as floats, which cannot hold MAX_POSITION exactly.
After = Annotated[int, QueryParameter(
    ge=0, le=MAX_POSITION, description="Resume after this number (0: from the start).",
    schema_extra={"minimum": 0, "maximum": MAX_POSITION})]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description=f"At most this many (1-{MAX_PAGE}).")]
ActorFilter = Annotated[str | None, _id_filter("Only this actor's (an actor id).")]
TopicFilter = Annotated[str | None, _id_filter("Only this topic's (a topic id).")]
#: The most actors one question may name (the page asks for the rows in view: a few dozen).
MAX_ACTORS = 500
ActorList = Annotated[list[Annotated[str, Meta(pattern=ID_PATTERN, max_length=128)]] | None, QueryParameter(
    description=f"Only these actors' (actor ids; repeat the parameter for more, at most {MAX_ACTORS}: "
                "`actor=fr&actor=de`).", max_items=MAX_ACTORS, examples=[Example(value=["fr", "de"])],
    # litestar does not carry the items' pattern into the schema by itself
    schema_extra={"oneOf": [{"type": "array", "maxItems": MAX_ACTORS,
                             "items": {"type": "string", "pattern": ID_PATTERN, "maxLength": 128}},
                            {"type": "null"}]})]
ActorPath = Annotated[str, PathParameter(description="An actor id, e.g. `fr`.", pattern=ID_PATTERN, max_length=128,
                                          examples=[Example(value="fr")])]
TopicPath = Annotated[str, PathParameter(description="A topic id, e.g. `troops-in-ukraine`.", pattern=ID_PATTERN,
                                          max_length=128, examples=[Example(value="troops-in-ukraine")])]
EventPath = Annotated[str, PathParameter(description="An event id.", pattern=ID_PATTERN, max_length=128,
                                          examples=[Example(value="2026-01-06-trilateral-declaration-of-intent")])]
if TYPE_CHECKING:
    # The event type names are the catalogue's tags, read from its classes at run time:
    # no static Literal lists them, so to a type checker they are strings.
    _EventTypeName: TypeAlias = str
else:
    _EventTypeName = Literal[tuple(EVENT_TYPES)]
EventType = Annotated[_EventTypeName | None, QueryParameter(name="type", description="Only events of this type.")]
ConditionStatus = Annotated[ConditionStatusName | None, QueryParameter(
    description="Only conditions with this status on `at`.")]
ChangeKind = Annotated[Literal["new", "revision", "disputed", "settled", "overdue"] | None, QueryParameter(
    description="Only records of this kind: `new` (the present changed), `revision` (the past was revised), "
                "`disputed` (competing reports now stand), `settled` (they no longer do), "
                "`overdue` (a condition passed its deadline).")]
DisputedFilter = Annotated[bool | None, QueryParameter(
    description="`true`: only disputed stances (competing reports stand); `false`: only undisputed ones.")]
TimelineCursor = Annotated[str | None, QueryParameter(
    description="Resume after this cursor: the `next_cursor` of the previous page (absent: from the start).",
    pattern=queries.CURSOR_PATTERN, max_length=64)]
TimelineLimit = Annotated[int, QueryParameter(
    ge=1, le=MAX_PAGE, description=f"At most this many events (1-{MAX_PAGE}); `next_cursor` asks for more.")]
TimelineGroup = Annotated[Literal["year", "month", "day"], QueryParameter(
    description="Count per `year`, `month` or `day`.")]
TimelineFormat = Annotated[Format, QueryParameter(
    name="format", description="`native`, `timelinejs` (TimelineJS3 JSON) or `vis` (vis-timeline groups and items).")]
ToRequired = Annotated[str, QueryParameter(
    name="to", description="The last day (YYYY-MM-DD), not before `from`.", examples=[Example(value="2026-01-31")],
    max_length=64, schema_extra=_DAY_SCHEMA)]
PanelStep = Annotated[Literal["day", "week", "month"], QueryParameter(
    description="A row per `day`, per `week` (every 7th day from `from`) or per `month` (the same day each month).")]
PanelFormat = Annotated[Literal["csv", "json"] | None, QueryParameter(
    name="format", description="`csv` or `json`; without it, CSV when `Accept` asks for `text/csv`, else JSON.")]
SearchText = Annotated[str, QueryParameter(
    name="q", description="What to look for: words (all must match; stemmed, without case or diacritics), "
                          '`"a phrase"`, `prefix*`, `a OR b`, `-excluded`. A query the language cannot read is 400.',
    examples=[Example(value="turkiye troops")], min_length=1, max_length=MAX_QUERY_CHARS)]
AsOfPosition = Annotated[int | None, QueryParameter(
    ge=1, le=MAX_POSITION, description="Answer exactly as the log stood at this position (every answer gives the "
                                       "`position` it was read at); stable after later appends and corrections. "
                                       "Wins over `known_at`; past the log's end is 400.",
    schema_extra={"minimum": 1, "maximum": MAX_POSITION})]
Cursor = Annotated[str | None, QueryParameter(
    description="The `next_cursor` of the previous page (it keeps that answer's position).", max_length=40,
    schema_extra={"pattern": CURSOR_PATTERN})]
# No example: one that Swagger UI filled in would make every try-it-out append a 409.
IfMatch = Annotated[str | None, HeaderParameter(
    name="If-Match", description="Append only if the log still ends at this position (compare-and-append), "
                                 'e.g. `87` or `"87"`; else 409.',
    max_length=32, schema_extra={"pattern": IF_MATCH_PATTERN})]

RecordedBy = Annotated[str | None, QueryParameter(
    name="recorded_by", description="Only events recorded with this key (a key's name, e.g. `alice`).",
    pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$", max_length=64)]
DryRun = Annotated[bool, QueryParameter(
    name="dry_run", description="`true`: store nothing, answer with what the append would do (a preview).")]

#: The store, the group committer and the read handlers' reader (store, clock and answer cache), injected.
Store = NamedDependency[EventStore]
Committer = NamedDependency[GroupCommitter]
Reads = NamedDependency[Reader]

_OFFSET = re.compile(r" (\d{2}:\d{2})$")
_IF_MATCH = re.compile(IF_MATCH_PATTERN)


def _invalid(error: InvalidEvent, name: str) -> InvalidEvent:
    error.errors = [FieldError(name, error.detail)]
    return error


def parse_day(text: str, name: str) -> dt.date:
    """A day parameter (``2026-01-07``) as a date; a bad one is a 422 naming the parameter."""
    try:
        return dates.parse_day(text)
    except InvalidDate as cause:
        shown = text if len(text) <= 40 else text[:40] + "..."
        # The core's reason helps when the day is impossible (30 February); otherwise show the one form a query takes.
        why = cause.detail if "does not exist" in cause.detail else "use YYYY-MM-DD, e.g. 2026-01-07"
        error = InvalidDate(shown, f"{name}={shown!r} is not a day: {why}")
        raise _invalid(error, name) from None


def day_or_today(text: str | None, name: str, today: dt.date) -> dt.date:
    """A day parameter, or ``today`` (by the service's clock) when it is absent."""
    return today if text is None else parse_day(text, name)


def optional_day(text: str | None, name: str) -> dt.date | None:
    """A day parameter that may be absent."""
    return None if text is None else parse_day(text, name)


def parse_known_at(text: str | None) -> dt.datetime | None:
    """The ``known_at`` instant, or None; a ``+`` offset that the query string turned into a space is restored."""
    if text is None:
        return None
    return parse_instant(_OFFSET.sub(r"+\1", text), "known_at")


def parse_cursor(text: str | None) -> tuple[int, int] | None:
    """A search cursor as (position, offset), or None; a malformed one is a 400 naming ``cursor``."""
    if text is None:
        return None
    if re.fullmatch(CURSOR_PATTERN, text) is None:
        message = f"cursor must be the next_cursor of a previous answer; got {text[:40]!r}"
        raise ValidationException(message, extra=[{"key": "cursor", "message": message}])
    position, offset = text.split(".")
    return int(position), int(offset)


def parse_if_match(text: str | None) -> int | None:
    """The ``If-Match`` header as the position the log must end at (``42`` or the entity tag ``"42"``)."""
    if text is None:
        return None
    if _IF_MATCH.fullmatch(text) is None:
        message = f"If-Match must be the log position the append expects, e.g. 42; got {text[:40]!r}"
        raise ValidationException(message, extra=[{"key": "If-Match", "message": message}])
    return int(text.removeprefix("W/").strip('"'))
