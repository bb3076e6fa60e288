"""``/topics``: what the actors think of one topic over time."""

from __future__ import annotations

from litestar import Controller, get

from service import answers
from service.documents import StanceCounts
from service.http.errors import READ_PROBLEMS, problem_responses
from service.http.params import KnownAt, Reads, TopicPath, parse_known_at
from service.http.reads import JSONAnswer


class TopicsController(Controller):
    """Topics."""

    path = "/topics"
    tags = ["stances"]

    @get("/{topic_id:str}/counts", summary="How many actors hold each stance on a topic, over time",
         responses=problem_responses(*READ_PROBLEMS, 404))
    async def counts(self, reads: Reads, topic_id: TopicPath, known_at: KnownAt = None) -> JSONAnswer[StanceCounts]:
        """The number of actors at each stance of the scale, one step per day on which it changes (the data of the
        page's stacked chart of one topic, and of a support tracker's)."""
        return await reads.respond(answers.stance_counts, topic_id, parse_known_at(known_at))
