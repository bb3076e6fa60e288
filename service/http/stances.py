"""Stances: one actor's, the matrix of all, how they changed between two days, and one stance's history."""

from __future__ import annotations

from litestar import Controller, get

from service import answers
from service.documents import ActorHistory, ActorStances, DiffDocument, History, StanceCells, StanceMatrix
from service.http.errors import READ_PROBLEMS, problem_responses
from service.http.params import (
    ActorFilter,
    ActorList,
    ActorPath,
    AsOfPosition,
    At,
    DisputedFilter,
    From,
    KnownAt,
    Reads,
    To,
    TopicFilter,
    TopicPath,
    day_or_today,
    parse_day,
    parse_known_at,
)
from service.http.reads import JSONAnswer


class StancesController(Controller):
    """Stances at a date, and their changes."""

    path = "/"
    tags = ["stances"]

    # Each handler answers with the document's JSON, encoded (and cached) by the reader (service/http/reads.py).

    @get("/actors/{actor_id:str}/stances", summary="One actor's stances",
         responses=problem_responses(*READ_PROBLEMS, 404))
    async def of_actor(self, reads: Reads, actor_id: ActorPath, at: At = None,
                       known_at: KnownAt = None, topic: TopicFilter = None,
                       as_of_position: AsOfPosition = None) -> JSONAnswer[ActorStances]:
        """The actor's stance on each topic on `at`, with commitment status, conditions and evidence."""
        day = day_or_today(at, "at", reads.today())
        return await reads.respond(answers.actor_stances, actor_id, day, parse_known_at(known_at), topic,
                                   as_of_position, quick=True)

    @get("/stances", summary="The stance matrix", responses=problem_responses(*READ_PROBLEMS))
    async def matrix(self, reads: Reads, at: At = None, known_at: KnownAt = None,
                     actor: ActorFilter = None, topic: TopicFilter = None,
                     disputed: DisputedFilter = None,
                     as_of_position: AsOfPosition = None) -> JSONAnswer[StanceMatrix]:
        """Every actor's stance on every topic on `at`: one row per (actor, topic); `disputed=true` keeps only the
        cells where competing reports stand."""
        day = day_or_today(at, "at", reads.today())
        return await reads.respond(answers.matrix, day, parse_known_at(known_at), actor, topic, disputed,
                                   as_of_position)

    @get("/stances/cells", summary="The stance matrix without evidence", responses=problem_responses(*READ_PROBLEMS))
    async def cells(self, reads: Reads, at: At = None, known_at: KnownAt = None, actor: ActorList = None,
                    topic: TopicFilter = None, as_of_position: AsOfPosition = None) -> JSONAnswer[StanceCells]:
        """Each (actor, topic)'s stance on `at` as a table of the matrix draws it: stance, commitment status,
        conditions with their status, since when, whether it is disputed and the other versions' stances; no
        evidence (`GET /stances` with the cell's `actor` and `topic` gives it). `actor`, repeated, keeps those
        actors' rows: the rows a reader has in view."""
        day = day_or_today(at, "at", reads.today())
        actors = None if actor is None else tuple(dict.fromkeys(actor))
        return await reads.respond(answers.matrix_cells, day, parse_known_at(known_at), actors, topic,
                                   as_of_position)

    @get("/diff", summary="Stance changes between two days", responses=problem_responses(*READ_PROBLEMS))
    async def diff(self, reads: Reads, from_: From, to: To = None, known_at: KnownAt = None,
                   actor: ActorFilter = None, topic: TopicFilter = None,
                   as_of_position: AsOfPosition = None) -> JSONAnswer[DiffDocument]:
        """Stance and commitment-status changes that take effect after `from` up to and including `to`."""
        start, end = parse_day(from_, "from"), day_or_today(to, "to", reads.today())
        return await reads.respond(answers.diff, start, end, parse_known_at(known_at), actor, topic,
                                   as_of_position)

    @get("/history/{actor_id:str}/{topic_id:str}", summary="One stance's history",
         responses=problem_responses(*READ_PROBLEMS, 404))
    async def history(self, reads: Reads, actor_id: ActorPath, topic_id: TopicPath,
                      known_at: KnownAt = None, as_of_position: AsOfPosition = None) -> JSONAnswer[History]:
        """Every validity interval of the actor's stance on the topic, with its evidence."""
        return await reads.respond(answers.history, actor_id, topic_id, parse_known_at(known_at),
                                   as_of_position, quick=True)

    @get("/history/{actor_id:str}", summary="One actor's history on every topic",
         responses=problem_responses(*READ_PROBLEMS, 404))
    async def actor_history(self, reads: Reads, actor_id: ActorPath,
                            known_at: KnownAt = None) -> JSONAnswer[ActorHistory]:
        """Every validity interval of the actor's stance on each topic it has held one on, with evidence: the
        data of the page's chart of one actor, in one request."""
        return await reads.respond(answers.actor_history, actor_id, parse_known_at(known_at))
