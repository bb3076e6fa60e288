"""``/health``: is the service up and its database readable (no token needed, even in private mode)."""

from __future__ import annotations

from litestar import Controller, get

from service import answers
from service.documents import Health
from service.http.params import Store


class HealthController(Controller):
    """Liveness and readiness."""

    path = "/health"
    tags = ["health"]

    @get("/", sync_to_thread=True, summary="Health")
    def health(self, store: Store) -> Health:
        """`status: ok` with the log's last position and the change feed's last sequence number."""
        return answers.health(store)
