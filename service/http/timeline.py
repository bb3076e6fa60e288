"""``/timeline``: the dated events, as native JSON, TimelineJS3 or vis-timeline data."""

from __future__ import annotations

from litestar import Controller, get

from service import answers
from service.formats import NativeTimeline, TimelineJS, VisTimeline
from service.http.errors import READ_PROBLEMS, problem_responses
from service.http.params import (
    ActorFilter,
    AsOfPosition,
    FromOptional,
    KnownAt,
    Reads,
    TimelineFormat,
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
                     as_of_position: AsOfPosition = None) -> JSONAnswer[NativeTimeline | TimelineJS | VisTimeline]:
        """Events overlapping [`from`, `to`] in date order; `format` picks the JSON shape (see its `format` key)."""
        return await reads.respond(
            answers.timeline, format_, today=reads.today(), start=optional_day(from_, "from"),
            end=optional_day(to, "to"), actor=actor, topic=topic, known_at=parse_known_at(known_at),
            as_of_position=as_of_position,
        )
