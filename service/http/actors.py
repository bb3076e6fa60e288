"""``/actors``: the registered states, organisations and coalitions, and their members."""

from __future__ import annotations

from litestar import Controller, get

from service import answers
from service.documents import ActorDocument, ActorList
from service.http.errors import READ_PROBLEMS, problem_responses
from service.http.params import ActorPath, At, KnownAt, Store, Today, day_or_today, parse_known_at


class ActorsController(Controller):
    """Actors."""

    path = "/actors"
    tags = ["actors"]

    @get("/", sync_to_thread=True, summary="List actors", responses=problem_responses(*READ_PROBLEMS))
    def list_actors(self, store: Store, known_at: KnownAt = None) -> ActorList:
        """Every registered actor: id, name, kind and aliases."""
        return answers.actor_list(store, parse_known_at(known_at))

    @get("/{actor_id:str}", sync_to_thread=True, summary="One actor",
         responses=problem_responses(*READ_PROBLEMS, 404))
    def one(self, store: Store, today: Today, actor_id: ActorPath, at: At = None,
            known_at: KnownAt = None) -> ActorDocument:
        """One actor; a coalition or organisation lists its `members` on `at`."""
        return answers.actor(store, actor_id, day_or_today(at, "at", today), parse_known_at(known_at))
