"""``/health``: is the service up and its database readable (no token needed, even in private mode)."""

from __future__ import annotations

from litestar import Controller, get

from events.model.errors import Unavailable
from service import answers
from service.documents import Health
from service.http.errors import problem_responses
from service.http.params import Store


class HealthController(Controller):
    """Liveness and readiness."""

    path = "/health"
    tags = ["health"]

    @get("/", sync_to_thread=True, summary="Health", responses=problem_responses(503))
    def health(self, store: Store) -> Health:
        """`status: ok` with the log's last position and the change feed's last sequence number; 503 when the
        database cannot be reached (the service itself is up: a monitor can tell the two apart)."""
        try:
            return answers.health(store)
        except Unavailable as error:
            raise Unavailable(f"the database is unreachable: {error.detail}") from error
