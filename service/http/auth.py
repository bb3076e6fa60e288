"""Access: each data route needs a role (reads only in private mode), wrong keys are throttled, and writes are
rate-limited per key.

:func:`access_checks` is a middleware of the data routes, not a pair of litestar guards:
litestar copies the route handler for every guard it calls, which cost more than the
checks themselves on the quickest requests. It runs where guards would: after routing,
before the request's parameters and body are read. A route handler says what it needs
in its ``opt``: a ``role`` (:data:`EDIT`, :data:`REVIEW`, :data:`ADMIN`, ...) and whether
its writes are ``rate_limited``. Reads need no role, or ``reader`` when reads are private.

Roles rise (``events/keys.py``): reader < editor < reviewer < admin. A request without a
key, or with one that is unknown, wrong or revoked, is 401; a known key whose role is below
the route's is 403. The caller (:class:`~service.http.identity.Caller`) is left in the
request's state for the handler (``recorded_by``, the review rule).

Two budgets (``service/http/ratelimit.py``; docs/api.md, "Auth and limits"):

* **Failed authentication**, per client address. Each request that presents an
  ``Authorization`` header without a valid key takes one token from the client's failure
  bucket (``auth_failure_burst``, refilled at ``auth_failure_rate``). While it is empty, every
  request of that client that needs a key is refused with 429 before the key is checked,
  valid keys included, so guessing gets no answer at all. A request without the header
  guesses nothing and is only refused (401).
* **Writes**, per key (the key's name). A rate-limited write takes a token from the key's
  write bucket before it runs; when it is answered 4xx (refused: a bad body, too large,
  invalid events, a conflict) the token is given back, so only work the service accepted counts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException, TooManyRequestsException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from events.keys import allows
from service.http.identity import Caller

#: What route handlers carry in their ``opt``: a key of any role (who is this key?) ...
READER = {"role": "reader"}
#: ... appends and proposals (editors and up, rate-limited) ...
EDIT = {"role": "editor", "rate_limited": True}
#: ... reading proposals (editors and up) ...
EDITOR = {"role": "editor"}
#: ... accepting and rejecting proposals (reviewers and admins, rate-limited) ...
REVIEW = {"role": "reviewer", "rate_limited": True}
#: ... keys and webhooks (admins), and the writes among them (rate-limited).
ADMIN = {"role": "admin"}
ADMIN_WRITE = {"role": "admin", "rate_limited": True}
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="commitments"'}


def client_address(connection: ASGIConnection) -> str:
    """The key both budgets count by: the client's address as the server sees it."""
    return connection.client.host if connection.client else "unknown"


def _presented_token(connection: ASGIConnection) -> str | None:
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


async def identify(connection: ASGIConnection, opt: Mapping[str, Any]) -> Caller | None:
    """The caller, when the route needs a role (a read only when reads are private): 401 without a valid key,
    403 for a key whose role is below the route's. None for a route open to everyone.

    A client that has used up its failed-authentication budget gets 429 instead, whatever it presents.
    """
    state = connection.app.state
    needed = opt.get("role") or ("reader" if state.settings.read_requires_token else None)
    if needed is None:
        return None
    client = client_address(connection)
    wait = state.auth_failures.waiting(client)
    if wait:
        raise TooManyRequestsException(
            detail=f"too many requests with a wrong token (or key) from {client}; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    presented = _presented_token(connection)
    caller = None
    if presented is not None:
        ring = state.keyring
        # SQLite answers the key's lookup in microseconds on the event loop; a database server, in a thread.
        caller = (ring.identify(presented) if ring.store.cheap_local_reads
                  else await asyncio.to_thread(ring.identify, presented))
    if caller is None:
        if "authorization" in connection.headers:  # a guess (right scheme or not), not a forgotten header
            state.auth_failures.retry_after(client)
        detail = "send a key as 'Authorization: Bearer <key>'" if presented is None else (
            "the bearer key is unknown, wrong or revoked")
        raise NotAuthorizedException(detail=detail, headers=_CHALLENGE)
    if not allows(caller.role, needed):
        raise PermissionDeniedException(
            detail=f"the key '{caller.name}' has the role {caller.role}; this route needs {needed} or above")
    state.keyring.note_use(caller)
    return caller


def limit_write_rate(connection: ASGIConnection, opt: Mapping[str, Any], caller: Caller | None) -> str | None:
    """Count a rate-limited write against its key (returned, for :func:`access_checks` to give the token back
    if the write is refused); refuse it with 429 and ``Retry-After`` when the key's bucket is empty."""
    if not opt.get("rate_limited") or caller is None:
        return None
    wait = connection.app.state.rate_limiter.retry_after(caller.name)
    if wait:
        raise TooManyRequestsException(
            detail=f"too many writes with the key '{caller.name}'; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    return caller.name


def access_checks(app: ASGIApp) -> ASGIApp:
    """Middleware: the key and role check, then the rate limit, for the route handler the request was routed to;
    a write answered 4xx gives its rate-limit token back. The caller is left in ``scope["state"]["caller"]``."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        connection: ASGIConnection = ASGIConnection(scope)
        opt = scope["route_handler"].opt
        caller = await identify(connection, opt)
        scope.setdefault("state", {})["caller"] = caller  # type: ignore[typeddict-item]
        client = limit_write_rate(connection, opt, caller)
        if client is None:
            await app(scope, receive, send)
            return
        status = 0

        # The handler's errors are answered inside ``app`` (litestar puts an exception handler between a route's
        # middleware and its handler), so the status of every answer passes through here.
        async def watching(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, watching)
        finally:
            if 400 <= status < 500:
                connection.app.state.rate_limiter.give_back(client)

    return middleware


def caller_of(scope: Scope) -> Caller | None:
    """The caller :func:`access_checks` identified for this request (None on a route open to everyone)."""
    caller: Caller | None = scope.get("state", {}).get("caller")  # type: ignore[union-attr]
    return caller
