"""``/subscriptions``: webhook subscribers of the change feed, and their delivery logs.

Every route needs the write token: a subscription makes the server send data to a URL
of the caller's choosing, and callback URLs often carry credentials of their own, so
even listing them is not for everyone. Secrets are shown once, in the answer to the
``POST`` that created them; callback URLs are shown redacted.

Webhooks of a copy of the database start paused (``events/subscriptions.py``); ``POST
/subscriptions/resume`` lets them deliver, ``POST /subscriptions/pause`` stops them.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.openapi.spec import SecurityRequirement
from litestar.params import JSONBody, PathParameter, QueryParameter
from msgspec import Meta

from events import subscriptions
from events.subscriptions import Delivery, InvalidSubscription, SubscriptionView, WebhookPause, WebhooksState
from service.http.auth import ADMIN, ADMIN_WRITE
from service.http.body import StrictObject
from service.http.errors import problem_responses
from service.http.params import ID_PATTERN, MAX_PAGE, MAX_POSITION, Store

_Id = Annotated[str, Meta(pattern=ID_PATTERN, max_length=128)]
SubscriptionPath = Annotated[str, PathParameter(description="A subscription id, e.g. `sub-0123456789abcdef`.",
                                                pattern=ID_PATTERN, max_length=128)]
DeliveryLimit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description=f"At most this many (1-{MAX_PAGE}).")]
#: How /schema says that a route needs the write token (every route here does).
_SECURITY: list[SecurityRequirement] = [{"bearer": []}]


class NewSubscription(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A webhook to register: where to POST each change record, which ones, and the signing secret."""

    url: Annotated[str, Meta(min_length=1, max_length=subscriptions.MAX_URL_LENGTH,
                             description="The callback: an http or https URL that accepts POST",
                             examples=["https://example.org/hooks/commitments"],
                             extra_json_schema={"extra": {"pattern": subscriptions.URL_PATTERN}})]
    secret: Annotated[str, Meta(min_length=16, max_length=256, description=(
        "The HMAC-SHA256 key of the `X-Signature` header; generated (and returned once) when absent"))] | None = None
    actor: Annotated[_Id, Meta(description="Only this actor's records (an actor the log holds)")] | None = None
    topic: Annotated[_Id, Meta(description="Only records on this topic (a topic the log holds)")] | None = None
    kind: Literal["new", "revision", "overdue"] | None = None
    after: Annotated[int, Meta(ge=0, le=MAX_POSITION, description=(
        "Deliver the change records after this sequence number; default: those written from now on"))] | None = None


class SubscriptionBody(StrictObject[NewSubscription]):
    """``POST /subscriptions`` bodies: unknown fields and bad values are 422 ``invalid-subscription``."""

    model = NewSubscription
    invalid = InvalidSubscription
    expects = "a subscription object, e.g. {\"url\": \"https://example.org/hooks/commitments\"}"
    example = {"url": "https://example.org/hooks/commitments", "topic": "troops-in-ukraine", "kind": "new"}


class SubscriptionCreated(msgspec.Struct, frozen=True):
    """A new subscription, with its secret (shown only this once)."""

    subscription: SubscriptionView
    secret: str
    #: Why nothing is delivered for now (this database is a copy, or an admin paused webhooks); None: delivering.
    paused: WebhookPause | None


class SubscriptionList(msgspec.Struct, frozen=True):
    """Every subscription (without secrets), and whether webhooks deliver."""

    subscriptions: list[SubscriptionView]
    #: Why nothing is delivered for now; None: delivering.
    paused: WebhookPause | None


class DeliveryLog(msgspec.Struct, frozen=True):
    """The newest delivery attempts of one subscription, newest first."""

    subscription: str
    deliveries: list[Delivery]


class SubscriptionsController(Controller):
    """Webhook subscriptions."""

    path = "/subscriptions"
    tags = ["subscriptions"]

    @post("/", dto=SubscriptionBody, return_dto=None, opt=ADMIN_WRITE, security=_SECURITY, sync_to_thread=True,
          status_code=201, summary="Register a webhook", responses=problem_responses(400, 401, 403, 415, 422, 429))
    def register(self, request: Request, data: JSONBody[NewSubscription], store: Store) -> SubscriptionCreated:
        """Register a callback URL (http or https only) to receive each change record, signed with the secret.

        The `actor` and `topic` filters must name ids the log holds (else 422, naming the field)."""
        created = subscriptions.create(
            store, url=data.url, now=request.app.state.services.clock.now(), secret=data.secret, actor=data.actor,
            topic=data.topic, kind=data.kind, after=data.after,
        )
        request.app.state.background.dispatcher.poke()  # deliver what is already there without waiting
        return SubscriptionCreated(created.view(), created.secret, subscriptions.paused(store))

    @get("/", opt=ADMIN, security=_SECURITY, sync_to_thread=True, summary="List webhooks",
         responses=problem_responses(400, 401, 403, 429))
    def list_subscriptions(self, store: Store) -> SubscriptionList:
        """Every subscription with its progress (`delivered_through`) and failures, never the secrets; and
        `paused`: why nothing is delivered for now (null while webhooks deliver)."""
        return SubscriptionList([s.view() for s in subscriptions.every(store)], subscriptions.paused(store))

    @post("/resume", opt=ADMIN, security=_SECURITY, sync_to_thread=True, status_code=200,
          summary="Resume webhook deliveries", responses=problem_responses(401, 403, 429))
    def resume(self, request: Request, store: Store) -> WebhooksState:
        """Let every subscription deliver again from where it stopped, and bind the webhooks to this database.

        Webhooks start paused in a copy of the database (a restored backup, a staging copy): resume there only
        if the copy should post to the receivers its subscriptions name."""
        resumed = subscriptions.resume(store, request.app.state.services.clock.now())
        request.app.state.background.dispatcher.poke()
        return resumed

    @post("/pause", opt=ADMIN, security=_SECURITY, sync_to_thread=True, status_code=200,
          summary="Pause webhook deliveries", responses=problem_responses(401, 403, 429))
    def pause(self, request: Request, store: Store) -> WebhooksState:
        """Stop every delivery until a resume; subscriptions keep their progress, so nothing is skipped."""
        return subscriptions.pause(store, request.app.state.services.clock.now())

    @get("/{subscription_id:str}", opt=ADMIN, security=_SECURITY, sync_to_thread=True, summary="One webhook",
         responses=problem_responses(400, 401, 403, 404, 429))
    def one(self, store: Store, subscription_id: SubscriptionPath) -> SubscriptionView:
        """One subscription (without its secret)."""
        return subscriptions.get(store, subscription_id).view()

    @delete("/{subscription_id:str}", opt=ADMIN, security=_SECURITY, sync_to_thread=True, summary="Remove a webhook",
            responses=problem_responses(400, 401, 403, 404, 429))
    def remove(self, store: Store, subscription_id: SubscriptionPath) -> None:
        """Remove a subscription and its delivery log; no more deliveries are made to it."""
        subscriptions.delete(store, subscription_id)

    @get("/{subscription_id:str}/deliveries", opt=ADMIN, security=_SECURITY, sync_to_thread=True,
         summary="A webhook's delivery log", responses=problem_responses(400, 401, 403, 404, 429))
    def deliveries(self, store: Store, subscription_id: SubscriptionPath, limit: DeliveryLimit = 100) -> DeliveryLog:
        """The newest attempts: seq, attempt number, status code or error, when the retry is due, when delivered."""
        return DeliveryLog(subscription_id, subscriptions.deliveries(store, subscription_id, limit))
