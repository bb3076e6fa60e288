"""The HTTP API: one controller per resource, plus errors, auth and parameter parsing."""

from __future__ import annotations

from service.http.actors import ActorsController
from service.http.changes import ChangesController
from service.http.conditions import ConditionsController
from service.http.events import EventsController
from service.http.health import HealthController
from service.http.stances import StancesController
from service.http.timeline import TimelineController

#: The controllers that serve the log's data (guarded by the token check).
DATA_CONTROLLERS = (
    EventsController, ActorsController, StancesController, ConditionsController, ChangesController, TimelineController,
)
#: Controllers open to everyone.
PUBLIC_CONTROLLERS = (HealthController,)
