"""The Server-Sent Events wire format of the feed (https://html.spec.whatwg.org/#server-sent-events).

Every change record is one message: ``id:`` its sequence number, ``event: stance-change``,
``data:`` exactly :func:`service.live.feed.change_json` (one line: the JSON never holds a
newline). Records a filtered stream leaves out are not sent, but the stream still moves
the client's position past them with an *id-only* message (a comment and an ``id:``
line, no ``data:``): browsers then update ``lastEventId`` without firing an event, so a
reconnect never replays what was filtered out.
"""

from __future__ import annotations

from events.model.views import Change
from service.live.feed import change_json

#: The SSE event type of a change record.
EVENT = "stance-change"
MEDIA_TYPE = "text/event-stream"


def change_message(change: Change) -> bytes:
    """One change record as an SSE message."""
    return f"id: {change.seq}\nevent: {EVENT}\ndata: {change_json(change)}\n\n".encode()


def skipped_to(seq: int) -> bytes:
    """Move the client's last event id to ``seq`` without an event (records up to it were filtered out)."""
    return f": filtered up to {seq}\nid: {seq}\n\n".encode()


def comment(text: str) -> bytes:
    """A comment line: ignored by clients, keeps the connection busy (heartbeats)."""
    return f": {text}\n\n".encode()


def retry(milliseconds: int) -> bytes:
    """The reconnection delay the client should use after losing the connection."""
    return f"retry: {milliseconds}\n\n".encode()
