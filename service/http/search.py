"""``/search``: full-text search over the events, with facets."""

from __future__ import annotations

from litestar import Controller, get

from service import answers
from service.documents import SearchDocument
from service.http.errors import READ_PROBLEMS, problem_responses
from service.http.params import (
    ActorFilter,
    AsOfPosition,
    Cursor,
    EventType,
    FromOptional,
    KnownAt,
    Limit,
    Reads,
    SearchText,
    ToOptional,
    TopicFilter,
    optional_day,
    parse_cursor,
    parse_known_at,
)
from service.http.reads import JSONAnswer


class SearchController(Controller):
    """Full-text search."""

    path = "/search"
    tags = ["search"]

    @get("/", summary="Search the events", responses=problem_responses(*READ_PROBLEMS))
    async def search(self, reads: Reads, q: SearchText, type_: EventType = None, actor: ActorFilter = None,
                     topic: TopicFilter = None, from_: FromOptional = None, to: ToOptional = None,
                     known_at: KnownAt = None, as_of_position: AsOfPosition = None, limit: Limit = 20,
                     cursor: Cursor = None) -> JSONAnswer[SearchDocument]:
        """Events whose words match `q` (summaries, quotes, sources, and the names and aliases of what they name),
        best first, ties newest first; `facets` count every match by type, actor, topic and month."""
        return await reads.respond(
            answers.search, q, type=type_, actor=actor, topic=topic, start=optional_day(from_, "from"),
            end=optional_day(to, "to"), known_at=parse_known_at(known_at), as_of_position=as_of_position,
            limit=limit, cursor=parse_cursor(cursor),
        )
