"""Reading request bodies: JSON only, decoded strictly, every fault a problem naming its field.

Litestar decodes request bodies leniently (unknown fields are dropped) and words its
faults in Python's terms; the service must refuse unknown fields and say what is wrong in
the sender's terms. Two DTOs take the raw bytes instead: :class:`InboundEvents` (an
append: :func:`parse_events`, documented as "one event or an array of events" in
``/schema``) and :class:`StrictObject` (one JSON object decoded into a Struct, e.g. a new
subscription). A body that is not JSON is 400; one that is JSON but wrong is 422, naming
each fault by its JSON path (``$[2].occurred``, ``$.secret``), as for events.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, ClassVar, TypeVar, Union

import msgspec
from litestar.dto import AbstractDTO, DTOConfig, DTOFieldDefinition
from litestar.exceptions import ClientException, HTTPException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.openapi.spec import Schema
from litestar.typing import FieldDefinition

from events import AnyEvent, Event, InvalidEvent, decode_inbound
from events.model.errors import FieldError, describe
from events.model.inbound import InvalidBatch, choices_of, nul_at, plain_message
from events.store import EventStore
from service.spreadsheet import read_events as read_csv_events

T = TypeVar("T", bound=msgspec.Struct)

#: What ``POST /events`` takes: one event object, or an array of them.
EventsBody = Union[AnyEvent, list[AnyEvent]]  # noqa: UP007 - AnyEvent is itself a Union


class UnsupportedMediaType(HTTPException):
    """The body is not JSON."""

    status_code = 415


def is_json(content_type: str) -> bool:
    """True for ``application/json`` and ``application/*+json``, with any parameters (``charset=utf-8``)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _json(body: bytes, content_type: str, what: str) -> Any:
    """The body as JSON: 415 when it is not sent as JSON, 400 when it does not parse."""
    if not is_json(content_type):
        shown = content_type[:100] or "none"
        raise UnsupportedMediaType(detail=f"send {what} as JSON with 'Content-Type: application/json' (got {shown})")
    try:
        return msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as error:
        reason = "it nests too deeply" if isinstance(error, RecursionError) else str(error)
        raise ClientException(detail=f"the body is not valid UTF-8 JSON: {reason}") from None


def parse_events(body: bytes, content_type: str, max_events: int, store: EventStore | None = None) -> list[Event]:
    """Check the media type (415), the JSON (400) and the batch size (413), then decode strictly (422).

    With a ``store``, a batch whose decoding fails also names the faults the append would find in
    its other events (unknown references, reused ids): every faulty event at once.
    """
    data = _json(body, content_type, "the events")
    if isinstance(data, list) and len(data) > max_events:
        raise RequestEntityTooLarge(
            detail=f"a batch may hold at most {max_events} events, this one has {len(data)}; split it"
        )
    try:
        return decode_inbound(body)
    except InvalidBatch as refused:
        if store is None:
            raise
        raise store.every_fault(refused) from None


class RefusedBatch(list[Event]):
    """An events body that decoding refused, handed to the handler instead of raising: a dry run reports its faults
    as ``problems`` with 200, an append raises :attr:`error` (422)."""

    def __init__(self, error: InvalidEvent):
        super().__init__()
        self.error = error


class _WholeBody(AbstractDTO[T]):
    """A DTO that decodes a request body whole with msgspec (its subclass says how), bypassing litestar's field by
    field transfer: it has no fields to define, nothing nested and nothing to prepare."""

    @classmethod
    def generate_field_definitions(cls, model_type: type[Any]) -> Generator[DTOFieldDefinition, None, None]:
        """No fields: the body is decoded whole."""
        yield from ()

    @classmethod
    def detect_nested_field(cls, field_definition: FieldDefinition) -> bool:
        """Nothing is nested (see :meth:`generate_field_definitions`)."""
        return False

    @classmethod
    def create_for_field_definition(cls, field_definition: FieldDefinition, handler_id: str,
                                    backend_cls: Any = None) -> None:
        """Nothing to prepare: the subclass's ``decode_bytes`` does the work."""


class InboundEvents(_WholeBody[Event]):
    """Decodes ``POST /events`` bodies with :func:`parse_events`; litestar's own decoding is bypassed."""

    config = DTOConfig()
    #: What the body holds, for the answer to a request without one (service/http/errors.py).
    expects = "one event object or a JSON array of them"
    #: The body /schema shows (and Swagger UI sends when trying the route): on a freshly seeded service it
    #: appends (201), and sent again it is a retry (200). docs/api.md's curl session appends the same statement.
    example: ClassVar[dict[str, Any]] = {
        "id": "example-2026-01-08-de-undecided", "type": "stance.stated", "occurred": "2026-01-08", "actor": "de",
        "topic": "troops-in-ukraine", "stance": "undecided", "summary": "(Example) Berlin says it has not decided.",
        "sources": [{"outlet": "Example Wire", "url": "https://example.org/de"}],
    }


    @classmethod
    def create_openapi_schema(cls, field_definition: FieldDefinition, handler_id: str, schema_creator: Any) -> Any:
        """Document the body as one event or an array of events, with :attr:`example`."""
        schema = schema_creator.for_field_definition(FieldDefinition.from_annotation(EventsBody))
        schema.examples = [cls.example]
        return schema

    def decode_bytes(self, value: bytes) -> list[Event]:
        """Decode the raw body strictly (a faulty batch is also checked against the log: a read, rare); a batch
        with faults comes back as a :class:`RefusedBatch`, for the handler to raise or, in a dry run, report."""
        connection = self.asgi_connection
        state = connection.app.state
        try:
            return parse_events(value, connection.headers.get("content-type", ""), state.settings.max_batch_events,
                                state.services.store)
        except InvalidEvent as refused:
            return RefusedBatch(refused)

    def decode_builtins(self, value: Any) -> list[Event]:
        """Not reached for JSON bodies; refuse form data and the like."""
        raise UnsupportedMediaType(detail="send the events as JSON with 'Content-Type: application/json'")


class ProposalBody(InboundEvents):
    """``POST /proposals`` bodies: what ``POST /events`` takes, or the spreadsheet template as ``text/csv`` (its
    faults named by row and column); a batch with faults comes back as a :class:`RefusedBatch`."""

    expects = "one event object or a JSON array of them, or rows of the CSV template as text/csv"

    def decode_bytes(self, value: bytes) -> list[Event]:
        """CSV by its media type; anything else as ``POST /events`` reads it."""
        media = self.asgi_connection.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != "text/csv":
            return super().decode_bytes(value)
        try:
            return read_csv_events(value)
        except InvalidEvent as refused:
            return RefusedBatch(refused)


def decode_object(body: bytes, content_type: str, model: type[T], invalid: type[InvalidEvent], what: str) -> T:
    """One JSON object decoded strictly into ``model``; its faults raise ``invalid`` (422) with JSON paths."""
    data = _json(body, content_type, what)
    if not isinstance(data, dict):
        message = f"must be a JSON object ({what})"
        raise invalid(f"$: {message}", [FieldError("$", message)])
    if (where := nul_at(data, "$")) is not None:  # PostgreSQL text cannot hold one: refuse it on every backend
        fault = FieldError(where, "text may not contain NUL (\\u0000) characters")
        raise invalid(describe([fault]), [fault])
    try:
        return msgspec.convert(_integral_numbers(data, model), model)
    except msgspec.ValidationError as error:
        text, _, at = str(error).rpartition(" - at `")
        where, message = (at.rstrip("`"), text) if text else ("$", str(error))
        if message.startswith(("Object contains unknown field", "Object missing required field")):
            where = f"{where}.{message.split('`')[1]}"
        choices = choices_of_field(model, where)
        fault = FieldError(where, plain_message(message, choices))
        raise invalid(describe([fault]), [fault]) from None


def _integral_numbers(data: dict[str, Any], model: type[msgspec.Struct]) -> dict[str, Any]:
    """``1.0`` given for a whole-number field read as ``1``: JSON (and JSON Schema) make no difference."""
    whole = {field.encode_name for field in msgspec.structs.fields(model)
             if _is_int(msgspec.inspect.type_info(field.type))}
    return {key: int(value) if key in whole and isinstance(value, float) and value.is_integer() else value
            for key, value in data.items()}


def _is_int(info: msgspec.inspect.Type) -> bool:
    if isinstance(info, msgspec.inspect.Metadata):
        return _is_int(info.type)
    if isinstance(info, msgspec.inspect.UnionType):
        return any(_is_int(member) for member in info.types)
    return isinstance(info, msgspec.inspect.IntType)


def choices_of_field(model: type[msgspec.Struct], pointer: str) -> tuple[Any, ...]:
    """The accepted values of the top-level field ``pointer`` (``$.kind``) names, if it takes a fixed set."""
    name = pointer.removeprefix("$.")
    fields = {field.encode_name: field.type for field in msgspec.structs.fields(model)}
    return choices_of(fields[name]) if name in fields else ()


class StrictObject(_WholeBody[T]):
    """Decodes a JSON object body into the handler's Struct with :func:`decode_object`.

    Subclasses name the ``model``, the error its faults raise (a subclass of
    :class:`~events.InvalidEvent`: 422 with its own problem type) and what the body ``expects``.
    """

    config = DTOConfig()
    model: ClassVar[type[msgspec.Struct]]
    invalid: ClassVar[type[InvalidEvent]] = InvalidEvent
    expects: ClassVar[str] = "a JSON object"
    #: A body that works on a freshly seeded service, for /schema (and for Swagger UI to send).
    example: ClassVar[dict[str, Any]]


    @classmethod
    def create_openapi_schema(cls, field_definition: FieldDefinition, handler_id: str, schema_creator: Any) -> Any:
        """Document the body as the model, with :attr:`example`."""
        return Schema(all_of=[schema_creator.for_field_definition(FieldDefinition.from_annotation(cls.model))],
                      examples=[cls.example])

    def decode_bytes(self, value: bytes) -> Any:
        """Decode the raw body strictly."""
        content_type = self.asgi_connection.headers.get("content-type", "")
        return decode_object(value, content_type, self.model, self.invalid, self.expects)

    def decode_builtins(self, value: Any) -> Any:
        """Not reached for JSON bodies; refuse form data and the like."""
        raise UnsupportedMediaType(detail=f"send {self.expects} as JSON with 'Content-Type: application/json'")
