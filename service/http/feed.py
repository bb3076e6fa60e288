"""``/feed``: the stance-change records as Server-Sent Events, live, resumable with ``Last-Event-ID``.

The subscriber's stream itself is :class:`service.live.subscribers.FeedHub`; this module
reads the position and filters from the request and guards the connection with a write
timeout: a client that takes no data for ``feed_write_timeout_seconds`` is disconnected
(it reconnects with ``Last-Event-ID`` and misses nothing), so a stuck client cannot hold
a subscriber forever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from typing import Annotated

from litestar import Controller, Request, get
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter
from litestar.response import Stream
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from service.http.errors import READ_PROBLEMS, problem_responses
from service.http.params import MAX_POSITION, ActorFilter, After, ChangeKind, TopicFilter
from service.live import sse

_log = logging.getLogger("service.live.feed")

LastEventId = Annotated[str | None, HeaderParameter(
    name="Last-Event-ID", max_length=32,
    description="Resume right after this change sequence number (browsers send it when they reconnect); "
                "takes precedence over `after`.", schema_extra={"pattern": r"^ *[0-9]{0,18} *$"})]


#: Where the handler leaves the subscriber's stream for the middleware to close (a key of the request's
#: ``scope["state"]``, which the middleware and the handler share).
_STREAM = "commitments.feed_stream"


class _StuckClient(Exception):
    """The client took no data for the write timeout."""


def write_timeout(app: ASGIApp) -> ASGIApp:
    """Route middleware: give up on a send that the client does not take within the write timeout.

    The stream then ends without its last chunk; the server closes the connection.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        timeout = scope["app"].state.settings.feed_write_timeout_seconds
        stuck = False

        async def timed_send(message: Message) -> None:
            nonlocal stuck
            try:
                # asyncio.timeout, not wait_for: no task per send (a thousand subscribers send on every change).
                async with asyncio.timeout(timeout):
                    await send(message)
            except TimeoutError:
                stuck = True
                raise _StuckClient from None

        try:
            await app(scope, receive, timed_send)
        except Exception:
            if not stuck:
                raise
            _log.info("closed a feed connection that took no data for %s s", timeout)
        finally:
            # Close the subscriber's stream now, whatever ended the response: left to the garbage
            # collector, a stream cut off mid-send can stay registered (and hold its page) for a while.
            stream: AsyncGenerator[bytes, None] | None = scope["state"].get(_STREAM)
            if stream is not None:
                await stream.aclose()

    return middleware


def parse_last_event_id(text: str | None) -> int | None:
    """The ``Last-Event-ID`` header as a sequence number (None when absent or empty)."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    if not value.isascii() or not value.isdigit() or int(value) > MAX_POSITION:
        message = f"Last-Event-ID must be a change sequence number, e.g. 42; got {text[:40]!r}"
        raise ValidationException(message, extra=[{"key": "Last-Event-ID", "message": message}])
    return int(value)


class FeedController(Controller):
    """The live change feed."""

    path = "/feed"
    tags = ["changes"]

    @get(
        "/",
        media_type=sse.MEDIA_TYPE,
        middleware=[write_timeout],
        summary="Live stance-change feed (Server-Sent Events)",
        description=(
            "Each change record is one SSE message: `id:` its sequence number, `event: stance-change`, `data:` the "
            "same JSON object as its entry in `GET /changes`. Reconnect with `Last-Event-ID` (or `?after=N`) to "
            "resume right after N. Records the filters leave out move the stream's position with an id-only "
            "message (`: filtered up to N` + `id: N`), so a resume never replays them. Idle connections get a "
            "`: heartbeat` comment; the first message holds a `retry:` hint."
        ),
        responses={
            200: ResponseSpec(str, media_type=sse.MEDIA_TYPE, generate_examples=False,
                              description="An endless `text/event-stream`"),
            **problem_responses(*READ_PROBLEMS),
        },
    )
    async def feed(self, request: Request, after: After = 0, actor: ActorFilter = None, topic: TopicFilter = None,
                   kind: ChangeKind = None, last_event_id: LastEventId = None) -> Stream:
        """Stream change records after `Last-Event-ID` (or `after`), then live as they are written."""
        resume = parse_last_event_id(last_event_id)
        start = after if resume is None else resume
        hub = request.app.state.background.hub
        stream = request.scope["state"][_STREAM] = hub.stream(start, actor=actor, topic=topic, kind=kind)
        return Stream(
            stream,
            media_type=sse.MEDIA_TYPE,
            # no-cache: every connection is live; X-Accel-Buffering: nginx must pass messages on at once.
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
