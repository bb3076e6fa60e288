"""``/conditions``: what commitments wait on, and its status on a day."""

from __future__ import annotations

from litestar import Controller, get

from service import answers
from service.documents import ConditionList
from service.http.errors import READ_PROBLEMS, problem_responses
from service.http.params import (
    AsOfPosition,
    At,
    ConditionStatus,
    KnownAt,
    Reads,
    day_or_today,
    parse_known_at,
)
from service.http.reads import JSONAnswer


class ConditionsController(Controller):
    """Conditions."""

    path = "/conditions"
    tags = ["conditions"]

    @get("/", summary="Conditions and their dependents", responses=problem_responses(*READ_PROBLEMS))
    async def list_conditions(self, reads: Reads, at: At = None, known_at: KnownAt = None,
                              status: ConditionStatus = None,
                              as_of_position: AsOfPosition = None) -> JSONAnswer[ConditionList]:
        """Conditions declared by `at`, their status that day, and the commitments (`dependents`) that wait on them."""
        day = day_or_today(at, "at", reads.today())
        return await reads.respond(answers.conditions, day, parse_known_at(known_at), status, as_of_position)
