"""``OPTIONS`` answers whose ``Allow`` header lists every method of the path.

Litestar (2.25) creates a path's ``OPTIONS`` handler when the path's first handler is
registered, and that handler keeps listing the methods known then: ``OPTIONS
/subscriptions`` said ``GET, OPTIONS`` although ``POST`` is there too. This middleware
writes the path's complete list, taken from the application's routes, into the answer.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send


def allowed_methods(app: Litestar) -> dict[str, bytes]:
    """Each HTTP route's path template (``/subscriptions/{subscription_id}``) -> the ``Allow`` value of its methods."""
    return {route.path_format: ", ".join(sorted(route.methods)).encode()
            for route in app.routes if isinstance(route, HTTPRoute)}


def complete_allow_headers(app: ASGIApp) -> ASGIApp:
    """Middleware: an ``OPTIONS`` answer's ``Allow`` lists every method its path has (``app.state.allowed``)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "OPTIONS":
            await app(scope, receive, send)
            return
        allow = scope["litestar_app"].state.allowed.get(scope.get("path_template", ""))

        async def send_complete(message: Message) -> None:
            if allow is not None and message["type"] == "http.response.start":
                headers = [(name, value) for name, value in message.get("headers", []) if name.lower() != b"allow"]
                message = {**message, "headers": [*headers, (b"allow", allow)]}
            await send(message)

        await app(scope, receive, send_complete)

    return middleware
