"""Stances: one actor's, the matrix of all, how they changed between two days, and one stance's history."""

from __future__ import annotations

from litestar import Controller, get

from service import answers
from service.documents import ActorStances, DiffDocument, History, StanceMatrix
from service.http.errors import READ_PROBLEMS, problem_responses
from service.http.params import (
    ActorFilter,
    ActorPath,
    At,
    From,
    KnownAt,
    Store,
    To,
    Today,
    TopicFilter,
    TopicPath,
    day_or_today,
    parse_day,
    parse_known_at,
)


class StancesController(Controller):
    """Stances at a date, and their changes."""

    path = "/"
    tags = ["stances"]

    @get("/actors/{actor_id:str}/stances", sync_to_thread=True, summary="One actor's stances",
         responses=problem_responses(*READ_PROBLEMS, 404))
    def of_actor(self, store: Store, today: Today, actor_id: ActorPath, at: At = None,
                 known_at: KnownAt = None, topic: TopicFilter = None) -> ActorStances:
        """The actor's stance on each topic on `at`, with commitment status, conditions and evidence."""
        day = day_or_today(at, "at", today)
        return answers.actor_stances(store, actor_id, day, parse_known_at(known_at), topic)

    @get("/stances", sync_to_thread=True, summary="The stance matrix", responses=problem_responses(*READ_PROBLEMS))
    def matrix(self, store: Store, today: Today, at: At = None, known_at: KnownAt = None,
               actor: ActorFilter = None, topic: TopicFilter = None) -> StanceMatrix:
        """Every actor's stance on every topic on `at`: one row per (actor, topic)."""
        return answers.matrix(store, day_or_today(at, "at", today), parse_known_at(known_at), actor, topic)

    @get("/diff", sync_to_thread=True, summary="Stance changes between two days",
         responses=problem_responses(*READ_PROBLEMS))
    def diff(self, store: Store, today: Today, from_: From, to: To = None, known_at: KnownAt = None,
             actor: ActorFilter = None, topic: TopicFilter = None) -> DiffDocument:
        """Stance and commitment-status changes that take effect after `from` up to and including `to`."""
        start, end = parse_day(from_, "from"), day_or_today(to, "to", today)
        return answers.diff(store, start, end, parse_known_at(known_at), actor, topic)

    @get("/history/{actor_id:str}/{topic_id:str}", sync_to_thread=True, summary="One stance's history",
         responses=problem_responses(*READ_PROBLEMS, 404))
    def history(self, store: Store, actor_id: ActorPath, topic_id: TopicPath,
                known_at: KnownAt = None) -> History:
        """Every validity interval of the actor's stance on the topic, with its evidence."""
        return answers.history(store, actor_id, topic_id, parse_known_at(known_at))
