"""Access: writes need the bearer token (reads too in private mode), and writes are rate-limited per client.

:func:`access_checks` is a middleware of the data routes, not a pair of litestar guards:
litestar copies the route handler for every guard it calls, which cost more than the
checks themselves on the quickest requests. It runs where guards would: after routing,
before the request's parameters and body are read. A route handler says what it needs
in its ``opt``: :data:`WRITE` (the token) or :data:`LIMITED_WRITE` (the token, then the
client's write rate).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.types import ASGIApp, Receive, Scope, Send

#: Route handlers that need the token carry this in their ``opt`` ...
WRITE = {"write": True}
#: ... and those that change the log (or register webhooks) this: the token, then the write rate limit.
LIMITED_WRITE = {"write": True, "rate_limited": True}
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="commitments"'}


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
    """Let a write through only with ``Authorization: Bearer <token>``; a read too when reads are private."""
    state = connection.app.state
    if not opt.get("write") and not state.settings.read_requires_token:
        return
    presented = _presented_token(connection)
    if not token_matches(presented, state.token):
        detail = "send the write token as 'Authorization: Bearer <token>'" if presented is None else (
            "the bearer token is not the service's token")
        raise NotAuthorizedException(detail=detail, headers=_CHALLENGE)


def limit_write_rate(connection: ASGIConnection, opt: Mapping[str, Any]) -> None:
    """Refuse a rate-limited write with 429 and ``Retry-After`` when its client has used up its token bucket."""
    if not opt.get("rate_limited"):
        return
    client = connection.client.host if connection.client else "unknown"
    wait = connection.app.state.rate_limiter.retry_after(client)
    if wait:
        raise TooManyRequestsException(
            detail=f"too many writes from {client}; retry in {wait} s", headers={"Retry-After": str(wait)}
        )


def access_checks(app: ASGIApp) -> ASGIApp:
    """Middleware: the token check, then the rate limit, for the route handler the request was routed to."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        connection: ASGIConnection = ASGIConnection(scope)
        opt = scope["route_handler"].opt
        require_token(connection, opt)
        limit_write_rate(connection, opt)
        await app(scope, receive, send)

    return middleware
