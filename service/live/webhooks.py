"""Webhook delivery: POST each change record to a subscriber, signed, in order, at least once.

One call of :func:`deliver` works through one subscriber's backlog: the change records
after its ``delivered_through`` that pass its filters, oldest first. Each is POSTed with
the change JSON as body, ``X-Signature: sha256=<hex HMAC-SHA256 of the body>`` and
``X-Change-Seq``. A 2xx answer moves the progress to that seq (persisted before the
next record is tried); anything else stops the run and sets the next attempt after an
exponential backoff, so a subscriber never receives record N+1 before N was
acknowledged. Receivers must tolerate a repeat: if the service stops between the
receiver's 2xx and the write of the progress, that record is sent again.

Time comes from the injected clock, so tests can run the backoff in simulated time.

Logging: one line per delivery outcome, at INFO for a success and WARNING for a failure,
naming the subscription, the seq, the status or error and the URL redacted
(:func:`events.subscriptions.redact_url`). httpx logs every request of every client at
INFO, with the URL as given; for this module's requests that line is turned into a DEBUG
line with the URL redacted (:class:`QuietRequestLines`), while other httpx clients in the
process keep theirs.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from events import Clock, EventStore, queries, subscriptions
from events.subscriptions import Subscription, redact_url, scrub
from service.live.feed import change_json

USER_AGENT = "commitment-timeline-webhooks/1"
_log = logging.getLogger("service.live.webhooks")
_httpx_log = logging.getLogger("httpx")
#: The callback URL of the delivery this thread is making, while httpx sends it (None otherwise).
_delivering: contextvars.ContextVar[str | None] = contextvars.ContextVar("webhook_delivery", default=None)


class QuietRequestLines(logging.Filter):
    """httpx's per-request INFO line, for a webhook delivery: a DEBUG line with the URL redacted.

    httpx has one logger for every client, so the filter tells the webhook client's requests
    by :data:`_delivering`, which :func:`_post` sets around each request. It lowers the record
    and lets it through only when the httpx logger would show DEBUG lines (a handler without a
    level of its own would otherwise show it anyway).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Lower and redact the record of a delivery; leave any other record alone."""
        url = _delivering.get()
        if url is None:
            return True
        record.msg, record.args = scrub(record.getMessage(), url), None
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return _httpx_log.isEnabledFor(logging.DEBUG)


# Installed once, when the module that makes the requests is imported (not per client: there is one logger).
if not any(isinstance(installed, QuietRequestLines) for installed in _httpx_log.filters):
    _httpx_log.addFilter(QuietRequestLines())


#: The time a delivery run measures its turn with (tests replace it).
_monotonic = time.monotonic


@dataclass(frozen=True)
class Policy:
    """How deliveries behave: timeouts, backoff, log size and batch size."""

    backoff_seconds: float = 1.0
    backoff_cap_seconds: float = 3600.0
    log_keep: int = 1000
    batch: int = 100
    #: A subscriber's turn on a delivery thread: past it, its run stops after the delivery in flight, so that with
    #: more subscribers behind than threads each gets a turn soon (the lane takes the next turn at once).
    turn_seconds: float = 1.0


@dataclass(frozen=True)
class Outcome:
    """What one run did: records delivered, and when to come back if it stopped at a failure."""

    delivered: int
    retry_at: dt.datetime | None = None


def sign(body: bytes, secret: str) -> str:
    """The ``X-Signature`` value: ``sha256=`` and the hex HMAC-SHA256 of the raw body with the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, secret: str, header: str) -> bool:
    """What a receiver does: recompute the signature and compare in constant time."""
    return hmac.compare_digest(sign(body, secret), header)


def backoff(attempt: int, policy: Policy) -> dt.timedelta:
    """The wait after failed attempt number ``attempt`` (1, 2, ...): base * 2^(attempt-1), at most the cap."""
    seconds = policy.backoff_seconds * 2 ** min(attempt - 1, 62)
    return dt.timedelta(seconds=min(seconds, policy.backoff_cap_seconds))


def retry_at(subscription: Subscription) -> dt.datetime | None:
    """When the subscriber's backoff ends; None when it is not waiting one."""
    if subscription.next_attempt is None:
        return None
    return dt.datetime.fromisoformat(subscription.next_attempt.replace("Z", "+00:00"))


def is_due(subscription: Subscription, now: dt.datetime) -> bool:
    """True unless the subscriber is waiting out a backoff."""
    retry = retry_at(subscription)
    return retry is None or retry <= now


def _post(client: httpx.Client, subscription: Subscription, seq: int, body: bytes) -> tuple[int | None, str | None]:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Signature": sign(body, subscription.secret),
        "X-Change-Seq": str(seq),
        "X-Subscription-Id": subscription.id,
    }
    delivering = _delivering.set(subscription.url)
    try:
        response = client.post(subscription.url, content=body, headers=headers)
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        # The text of a library's error may quote the URL: it is stored and shown, so scrub it.
        return None, scrub(f"{type(error).__name__}: {error}", subscription.url)[:500]
    finally:
        _delivering.reset(delivering)
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


def deliver(store: EventStore, client: httpx.Client, subscription: Subscription, clock: Clock,
            policy: Policy = Policy(), stopping: Callable[[], bool] = lambda: False) -> Outcome:
    """Deliver one subscriber's pending change records in order until done, a failure, ``policy.batch`` records,
    ``policy.turn_seconds`` (at least one record is tried), or ``stopping()`` (the service shuts down)."""
    with store.reading() as tx:
        records, resume = queries.changes(tx, after=subscription.delivered_through, limit=policy.batch,
                                          actor=subscription.actor, topic=subscription.topic, kind=subscription.kind)
    attempt = subscription.failures + 1
    started = _monotonic()
    for done, change in enumerate(records):
        if stopping() or (done and _monotonic() - started >= policy.turn_seconds):
            return Outcome(done)  # the rest at the lane's next turn, which comes at once (records are pending)
        body = change_json(change).encode()
        status, error = _post(client, subscription, change.seq, body)
        now = clock.now()
        if error is None:
            if not subscriptions.record_success(store, subscription.id, change.seq, attempt, status or 0, now,
                                                policy.log_keep):
                return Outcome(0)  # deleted meanwhile: stop
            _log.info("delivered change %d to %s (%s): HTTP %s", change.seq, subscription.id,
                      redact_url(subscription.url), status)
            attempt = 1
            continue
        retry_at = now + backoff(attempt, policy)
        _log.warning("delivery of change %d to %s (%s) failed, attempt %d: %s; next attempt at %s", change.seq,
                     subscription.id, redact_url(subscription.url), attempt, error, retry_at.isoformat())
        subscriptions.record_failure(store, subscription.id, change.seq, attempt, status, error, now, retry_at,
                                     policy.log_keep)
        return Outcome(done, retry_at)
    if resume > subscription.delivered_through:
        subscriptions.skip_to(store, subscription.id, resume)  # past the records the filters left out
    return Outcome(len(records))
