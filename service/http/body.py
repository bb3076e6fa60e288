"""Reading an append's body: JSON only, not too many events, decoded strictly by the core.

Litestar decodes request bodies leniently (unknown fields are dropped); the log must
refuse them instead. :class:`InboundEvents` is a DTO that hands the raw bytes to
:func:`parse_events` and documents the body as "one event or an array of events" in
``/schema``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Union

import msgspec
from litestar.dto import AbstractDTO, DTOConfig, DTOFieldDefinition
from litestar.exceptions import ClientException, HTTPException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.typing import FieldDefinition

from events import AnyEvent, Event, decode_inbound

#: What ``POST /events`` takes: one event object, or an array of them.
EventsBody = Union[AnyEvent, list[AnyEvent]]  # noqa: UP007 - AnyEvent is itself a Union


class UnsupportedMediaType(HTTPException):
    """The body is not JSON."""

    status_code = 415


def is_json(content_type: str) -> bool:
    """True for ``application/json`` and ``application/*+json``, with any parameters (``charset=utf-8``)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def parse_events(body: bytes, content_type: str, max_events: int) -> list[Event]:
    """Check the media type (415), the JSON (400) and the batch size (413), then decode strictly (422)."""
    if not is_json(content_type):
        shown = content_type[:100] or "none"
        detail = f"send the events as JSON with 'Content-Type: application/json' (got {shown})"
        raise UnsupportedMediaType(detail=detail)
    try:
        data = msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as error:
        reason = "it nests too deeply" if isinstance(error, RecursionError) else str(error)
        raise ClientException(detail=f"the body is not valid UTF-8 JSON: {reason}") from None
    if isinstance(data, list) and len(data) > max_events:
        raise RequestEntityTooLarge(
            detail=f"a batch may hold at most {max_events} events, this one has {len(data)}; split it"
        )
    return decode_inbound(body)


class InboundEvents(AbstractDTO[Event]):
    """Decodes ``POST /events`` bodies with :func:`parse_events`; litestar's own decoding is bypassed."""

    config = DTOConfig()

    @classmethod
    def generate_field_definitions(cls, model_type: type[Any]) -> Generator[DTOFieldDefinition, None, None]:
        """No fields: this DTO never transfers a model field by field."""
        yield from ()

    @classmethod
    def detect_nested_field(cls, field_definition: FieldDefinition) -> bool:
        """Nothing is nested (see :meth:`generate_field_definitions`)."""
        return False

    @classmethod
    def create_for_field_definition(cls, field_definition: FieldDefinition, handler_id: str,
                                    backend_cls: Any = None) -> None:
        """Nothing to prepare: decoding is :func:`parse_events`."""

    @classmethod
    def create_openapi_schema(cls, field_definition: FieldDefinition, handler_id: str, schema_creator: Any) -> Any:
        """Document the body as one event or an array of events."""
        return schema_creator.for_field_definition(FieldDefinition.from_annotation(EventsBody))

    def decode_bytes(self, value: bytes) -> list[Event]:
        """Decode the raw body strictly."""
        connection = self.asgi_connection
        settings = connection.app.state.settings
        return parse_events(value, connection.headers.get("content-type", ""), settings.max_batch_events)

    def decode_builtins(self, value: Any) -> list[Event]:
        """Not reached for JSON bodies; refuse form data and the like."""
        raise UnsupportedMediaType(detail="send the events as JSON with 'Content-Type: application/json'")
