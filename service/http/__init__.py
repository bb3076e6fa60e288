"""The HTTP API: one controller per resource, plus errors, auth and parameter parsing."""

from __future__ import annotations

from service.http.actors import ActorsController
from service.http.changes import ChangesController
from service.http.conditions import ConditionsController
from service.http.events import EventsController
from service.http.feed import FeedController
from service.http.health import HealthController
from service.http.keys import KeysController
from service.http.panel import PanelController
from service.http.proposals import ProposalsController
from service.http.search import SearchController
from service.http.stances import StancesController
from service.http.subscriptions import SubscriptionsController
from service.http.timeline import TimelineController
from service.http.topics import TopicsController
from service.http.web import web_handlers

#: The controllers that serve the log's data (guarded by the token check).
DATA_CONTROLLERS = (
    EventsController, ActorsController, StancesController, ConditionsController, ChangesController, TimelineController,
    TopicsController, FeedController, SubscriptionsController, KeysController, ProposalsController, SearchController,
    PanelController,
)
#: Controllers open to everyone (the page and its assets hold no data: the page reads it from the API).
PUBLIC_CONTROLLERS = (HealthController, *web_handlers())
