"""``/actors``: the registered states, organisations and coalitions, and their members."""

from __future__ import annotations

from litestar import Controller, get

from service import answers
from service.documents import ActorDocument, ActorList
from service.http.errors import READ_PROBLEMS, problem_responses
from service.http.params import ActorPath, At, KnownAt, Reads, day_or_today, parse_known_at
from service.http.reads import JSONAnswer


class ActorsController(Controller):
    """Actors."""

    path = "/actors"
    tags = ["actors"]

    @get("/", summary="List actors", responses=problem_responses(*READ_PROBLEMS))
    async def list_actors(self, reads: Reads, known_at: KnownAt = None) -> JSONAnswer[ActorList]:
        """Every registered actor: id, name, kind and aliases."""
        return await reads.respond(answers.actor_list, parse_known_at(known_at), quick=True)

    @get("/{actor_id:str}", summary="One actor", responses=problem_responses(*READ_PROBLEMS, 404))
    async def one(self, reads: Reads, actor_id: ActorPath, at: At = None,
                  known_at: KnownAt = None) -> JSONAnswer[ActorDocument]:
        """One actor; a coalition or organisation lists its `members` on `at`."""
        day = day_or_today(at, "at", reads.today())
        return await reads.respond(answers.actor, actor_id, day, parse_known_at(known_at), quick=True)
