"""Access: writes need the bearer token (reads too in private mode), wrong tokens are throttled, and writes are
rate-limited per client.

:func:`access_checks` is a middleware of the data routes, not a pair of litestar guards:
litestar copies the route handler for every guard it calls, which cost more than the
checks themselves on the quickest requests. It runs where guards would: after routing,
before the request's parameters and body are read. A route handler says what it needs
in its ``opt``: :data:`WRITE` (the token) or :data:`LIMITED_WRITE` (the token, then the
client's write rate).

Two budgets per client address (``service/http/ratelimit.py``; docs/api.md, "Auth and limits"):

* **Failed authentication.** Each request that presents an ``Authorization`` header
  without the service's token takes one token from the client's failure bucket
  (``auth_failure_burst``, refilled at ``auth_failure_rate``). While it is empty, every
  request of that client that needs the token is refused with 429 before the token is
  compared, the right token included, so guessing gets no answer at all. A request
  without the header guesses nothing and is only refused (401).
* **Writes.** A rate-limited write takes a token from the client's write bucket before it
  runs; when it is answered 4xx (refused: a bad body, too large, invalid events, a
  conflict) the token is given back, so only work the service accepted counts.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

#: Route handlers that need the token carry this in their ``opt`` ...
WRITE = {"write": True}
#: ... and those that change the log (or register webhooks) this: the token, then the write rate limit.
LIMITED_WRITE = {"write": True, "rate_limited": True}
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="commitments"'}


def client_address(connection: ASGIConnection) -> str:
    """The key both budgets count by: the client's address as the server sees it."""
    return connection.client.host if connection.client else "unknown"


def _presented_token(connection: ASGIConnection) -> str | None:
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def token_matches(presented: str | None, expected: str) -> bool:
    """Compare in constant time, so the answer's timing tells nothing about the token."""
    if presented is None:
        return False
    return hmac.compare_digest(presented.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


def require_token(connection: ASGIConnection, opt: Mapping[str, Any]) -> None:
    """Let a write through only with ``Authorization: Bearer <token>``; a read too when reads are private.

    A client that has used up its failed-authentication budget gets 429 instead, whatever it presents.
    """
    state = connection.app.state
    if not opt.get("write") and not state.settings.read_requires_token:
        return
    client = client_address(connection)
    wait = state.auth_failures.waiting(client)
    if wait:
        raise TooManyRequestsException(
            detail=f"too many requests with a wrong token from {client}; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    presented = _presented_token(connection)
    if not token_matches(presented, state.token):
        if "authorization" in connection.headers:  # a guess (right scheme or not), not a forgotten header
            state.auth_failures.retry_after(client)
        detail = "send the write token as 'Authorization: Bearer <token>'" if presented is None else (
            "the bearer token is not the service's token")
        raise NotAuthorizedException(detail=detail, headers=_CHALLENGE)


def limit_write_rate(connection: ASGIConnection, opt: Mapping[str, Any]) -> str | None:
    """Count a rate-limited write against its client (returned, for :func:`access_checks` to give the token back
    if the write is refused); refuse it with 429 and ``Retry-After`` when the client's bucket is empty."""
    if not opt.get("rate_limited"):
        return None
    client = client_address(connection)
    wait = connection.app.state.rate_limiter.retry_after(client)
    if wait:
        raise TooManyRequestsException(
            detail=f"too many writes from {client}; retry in {wait} s", headers={"Retry-After": str(wait)}
        )
    return client


def access_checks(app: ASGIApp) -> ASGIApp:
    """Middleware: the token check, then the rate limit, for the route handler the request was routed to; a
    write answered 4xx gives its rate-limit token back."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        connection: ASGIConnection = ASGIConnection(scope)
        opt = scope["route_handler"].opt
        require_token(connection, opt)
        client = limit_write_rate(connection, opt)
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
