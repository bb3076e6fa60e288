"""``/conditions``: what commitments wait on, and its status on a day."""

from __future__ import annotations

from litestar import Controller, get

from service import answers
from service.documents import ConditionList
from service.http.errors import READ_PROBLEMS, problem_responses
from service.http.params import At, ConditionStatus, KnownAt, Store, Today, day_or_today, parse_known_at


class ConditionsController(Controller):
    """Conditions."""

    path = "/conditions"
    tags = ["conditions"]

    @get("/", sync_to_thread=True, summary="Conditions and their dependents",
         responses=problem_responses(*READ_PROBLEMS))
    def list_conditions(self, store: Store, today: Today, at: At = None, known_at: KnownAt = None,
                        status: ConditionStatus = None) -> ConditionList:
        """Conditions declared by `at`, their status that day, and the commitments (`dependents`) that wait on them."""
        return answers.conditions(store, day_or_today(at, "at", today), parse_known_at(known_at), status)
