"""``/timeline``: the dated events, as native JSON, TimelineJS3 or vis-timeline data, page by page; and their
counts per period (``/timeline/counts``)."""

from __future__ import annotations

from litestar import Controller, get

from service import answers
from service.documents import TimelineCounts
from service.formats import NativeTimeline, TimelineJS, VisTimeline
from service.http.errors import READ_PROBLEMS, problem_responses
from service.http.params import (
    MAX_PAGE,
    ActorFilter,
    AsOfPosition,
    FromOptional,
    KnownAt,
    Reads,
    TimelineCursor,
    TimelineFormat,
    TimelineGroup,
    TimelineLimit,
    ToOptional,
    TopicFilter,
    optional_day,
    parse_known_at,
)
from service.http.reads import JSONAnswer


class TimelineController(Controller):
    """The timeline."""

    path = "/timeline"
    tags = ["timeline"]

    @get("/", summary="The timeline", responses=problem_responses(*READ_PROBLEMS))
    async def render(self, reads: Reads, from_: FromOptional = None, to: ToOptional = None,
                     actor: ActorFilter = None, topic: TopicFilter = None,
                     format_: TimelineFormat = "native", known_at: KnownAt = None,
                     as_of_position: AsOfPosition = None, limit: TimelineLimit = MAX_PAGE,
                     cursor: TimelineCursor = None) -> JSONAnswer[NativeTimeline | TimelineJS | VisTimeline]:
        """Events overlapping [`from`, `to`] in date order, at most `limit`: `next_cursor` (absent on the last page)
        asks for the next page; `format` picks the JSON shape (see its `format` key)."""
        return await reads.respond(
            answers.timeline, format_, today=reads.today(), start=optional_day(from_, "from"),
            end=optional_day(to, "to"), actor=actor, topic=topic, known_at=parse_known_at(known_at),
            as_of_position=as_of_position, after=cursor, limit=limit,
        )

    @get("/counts", summary="Timeline counts per period", responses=problem_responses(*READ_PROBLEMS))
    async def counts(self, reads: Reads, group: TimelineGroup = "month", from_: FromOptional = None,
                     to: ToOptional = None, actor: ActorFilter = None,
                     topic: TopicFilter = None) -> JSONAnswer[TimelineCounts]:
        """How many of the events `/timeline` would list fall in each year, month or day (by the first day each is
        known to reach): density without the events."""
        return await reads.respond(
            answers.timeline_counts, group, start=optional_day(from_, "from"), end=optional_day(to, "to"),
            actor=actor, topic=topic,
        )
