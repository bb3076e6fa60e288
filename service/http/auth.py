"""Guards: writes need the bearer token (reads too in private mode), and writes are rate-limited per client."""

from __future__ import annotations

import hmac

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler

#: Route handlers that change the log carry this in their ``opt``.
WRITE = {"write": True}
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


async def require_token(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Let a write through only with ``Authorization: Bearer <token>``; a read too when reads are private.

    Async on purpose: it only compares strings, and a sync guard would cost a thread hop per request.
    """
    state = connection.app.state
    if not handler.opt.get("write") and not state.settings.read_requires_token:
        return
    presented = _presented_token(connection)
    if not token_matches(presented, state.token):
        detail = "send the write token as 'Authorization: Bearer <token>'" if presented is None else (
            "the bearer token is not the service's token")
        raise NotAuthorizedException(detail=detail, headers=_CHALLENGE)


async def limit_write_rate(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Refuse a write with 429 and ``Retry-After`` when its client has used up its token bucket."""
    client = connection.client.host if connection.client else "unknown"
    wait = connection.app.state.rate_limiter.retry_after(client)
    if wait:
        raise TooManyRequestsException(
            detail=f"too many writes from {client}; retry in {wait} s", headers={"Retry-After": str(wait)}
        )
