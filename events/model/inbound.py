"""Strict decoding of what clients send, and the wording of its faults.

Each event type has a strict twin: a subclass with ``forbid_unknown_fields=True``
whose nested Structs are strict too. msgspec then rejects unknown fields while it
decodes, in C. The twins encode exactly like their bases and pass isinstance
checks, so nothing downstream needs to know which one it holds. What msgspec cannot
express (EDTF dates, NUL characters, the shape of a correction) is checked after
decoding; every fault becomes a :class:`~events.model.errors.FieldError` with a JSON
pointer, so that a whole batch is refused with every fault named at once.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

import msgspec
from msgspec import Meta

from events.model import dates
from events.model.catalog import EVENT_TYPES, Event, EventCorrected, Provision, Quantity, Source, encode
from events.model.errors import FieldError, InvalidDate, InvalidEvent

#: Keys that the store assigns and a client may never send.
STORE_ASSIGNED = ("position", "recorded")


class _StrictSource(Source, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A Source that refuses unknown fields."""


class _StrictQuantity(Quantity, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A Quantity that refuses unknown fields."""


class _StrictProvision(Provision, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A Provision that refuses unknown fields."""

    quantity: _StrictQuantity | None = None


_STRICT_NESTED: dict[str, tuple[Any, ...]] = {
    "sources": (Annotated[tuple[_StrictSource, ...], Meta(min_length=1, max_length=100)],),
    "quantity": (_StrictQuantity | None, None),
    "provisions": (Annotated[tuple[_StrictProvision, ...], Meta(max_length=200)], ()),
}


def _strict_twin(cls: type[Event]) -> type[Event]:
    overrides = [(name, *_STRICT_NESTED[name]) for name in cls.__struct_fields__ if name in _STRICT_NESTED]
    twin: type[Event] = msgspec.defstruct(  # type: ignore[assignment]  # a subclass of cls, by bases
        cls.__name__, overrides, bases=(cls,), kw_only=True, frozen=True, forbid_unknown_fields=True,
        module=__name__,
    )
    return twin


STRICT_TYPES: dict[str, type[Event]] = {tag: _strict_twin(cls) for tag, cls in EVENT_TYPES.items()}
# A union built at run time from the twins: a value for msgspec, not a type a checker can read.
_StrictEvent: Any = Union[tuple(STRICT_TYPES.values())]  # noqa: UP007
_STRICT_BODY: msgspec.json.Decoder[Any] = msgspec.json.Decoder(list[_StrictEvent] | _StrictEvent)
_STRICT_ONE: msgspec.json.Decoder[Event] = msgspec.json.Decoder(_StrictEvent)


def _fault(exc: msgspec.ValidationError, pointer: str, obj: Any) -> FieldError:
    """Turn a msgspec validation message into a FieldError with a clear wording."""
    message = str(exc)
    where = pointer
    if " - at `$" in message:
        message, _, at = message.rpartition(" - at `$")
        where = pointer + at.rstrip("`")
    if message.startswith("Object contains unknown field"):
        name = message.split("`")[1]
        where = f"{where}.{name}"
        if name in STORE_ASSIGNED and where.count(".") == pointer.count(".") + 1:
            message = f"`{name}` is assigned by the store and may not be sent"
        else:
            message = f"unknown field `{name}`"
    elif where == f"{pointer}.type" or (message.startswith("Invalid value") and where == pointer):
        tag = obj.get("type") if isinstance(obj, dict) else None
        where = f"{pointer}.type"
        message = f"unknown event type {tag!r}; known types: {', '.join(sorted(EVENT_TYPES))}"
    elif message.startswith("Object missing required field `type`"):
        where = f"{pointer}.type"
        message = f"the event type is missing; known types: {', '.join(sorted(EVENT_TYPES))}"
    elif message.startswith("Object missing required field"):
        name = message.split("`")[1]
        where = f"{where}.{name}"
        message = f"missing required field `{name}`"
    return FieldError(where, message)


def _nul_at(value: Any, pointer: str) -> str | None:
    """The pointer of the first string in ``value`` that holds a NUL character, or None."""
    if isinstance(value, str):
        return pointer if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, (list, tuple)) else ()
    for key, item in items:
        found = _nul_at(item, f"{pointer}[{key}]" if isinstance(key, int) else f"{pointer}.{key}")
        if found is not None:
            return found
    return None


def _check(event: Event, pointer: str, out: list[FieldError]) -> None:
    """Checks msgspec cannot express: no NUL in text, EDTF dates, and the shape of a correction."""
    # PostgreSQL text cannot hold NUL (SQLite can): refuse it on input so both backends store the same
    # events. The encoded form escapes it as \u0000, so the walk runs only when that text occurs.
    if b"\\u0000" in encode(event):
        where = _nul_at(msgspec.to_builtins(event), pointer)
        if where is not None:
            out.append(FieldError(where, "text may not contain NUL (\\u0000) characters"))
    checks = [("occurred", event.occurred), *event.dated_fields()]
    checks += [(f"sources[{i}].published", s.published) for i, s in enumerate(event.sources) if s.published]
    for name, text in checks:
        try:
            dates.parse(text)
        except InvalidDate as exc:
            out.append(FieldError(f"{pointer}.{name}", exc.detail))
    if isinstance(event, EventCorrected):
        if event.retracted == (event.replacement is not None):
            out.append(FieldError(pointer, "a correction needs either `replacement` fields or `retracted: true`"))
        elif event.replacement is not None and {"id", "type"} & set(event.replacement):
            out.append(FieldError(f"{pointer}.replacement", "a correction cannot change an event's id or type"))


def event_from_object(obj: Any, pointer: str = "$") -> tuple[Event | None, list[FieldError]]:
    """Validate one decoded JSON/YAML object strictly and turn it into an event.

    Returns the event (or None) and the list of faults found; nothing is raised so
    that a whole batch can be checked and every fault reported at once.
    """
    if not isinstance(obj, dict):
        return None, [FieldError(pointer, f"an event must be a JSON object, got {type(obj).__name__}")]
    try:
        event = msgspec.convert(obj, _StrictEvent)
    except msgspec.ValidationError as exc:
        return None, [_fault(exc, pointer, obj)]
    errors: list[FieldError] = []
    _check(event, pointer, errors)
    return (None if errors else event), errors


def events_from_objects(objs: list[Any]) -> list[Event]:
    """Validate a list of decoded objects, raising :class:`InvalidEvent` naming every fault."""
    events, errors = [], []
    for i, obj in enumerate(objs):
        event, faults = event_from_object(obj, f"$[{i}]")
        errors.extend(faults)
        if event is not None:
            events.append(event)
    if errors:
        raise InvalidEvent(_summarise(errors), errors)
    return events


def try_decode_event(data: bytes) -> Event | None:
    """The event that ``data`` holds if it is one valid event object in JSON, else None.

    One typed decoding pass, for bulk input whose lines are nearly always valid; on None,
    decode the line again with :func:`event_from_object` to name its faults.
    """
    try:
        event = _STRICT_ONE.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    errors: list[FieldError] = []
    _check(event, "$", errors)
    return None if errors else event


def decode_inbound(body: bytes) -> list[Event]:
    """Decode a JSON body holding one event object or an array of them, strictly.

    The common case (a valid body) decodes in one pass; only a faulty body is decoded
    again item by item, so that every fault can be named.
    """
    try:
        decoded = _STRICT_BODY.decode(body)
    except msgspec.ValidationError:
        decoded = None
    except msgspec.DecodeError as exc:
        raise InvalidEvent(f"the body is not valid JSON: {exc}", [FieldError("$", str(exc))]) from None
    if decoded is not None:
        events = decoded if isinstance(decoded, list) else [decoded]
        errors: list[FieldError] = []
        for i, event in enumerate(events):
            _check(event, f"$[{i}]" if isinstance(decoded, list) else "$", errors)
        if errors:
            raise InvalidEvent(_summarise(errors), errors)
        return events
    data = msgspec.json.decode(body)
    if isinstance(data, dict):
        event, errors = event_from_object(data)
        if event is None:
            raise InvalidEvent(_summarise(errors), errors)
        return [event]
    if isinstance(data, list):
        return events_from_objects(data)
    raise InvalidEvent("the body must be an event object or an array of them", [FieldError("$", "not an object")])


def corrected(original: Event, correction: EventCorrected) -> Event:
    """Return the original event with the correction's replacement fields applied."""
    merged = msgspec.to_builtins(original)
    merged.update(correction.replacement or {})
    event, errors = event_from_object(merged, "$.replacement")
    if event is None:
        raise InvalidEvent(_summarise(errors), errors)
    return event


def _summarise(errors: list[FieldError]) -> str:
    head = "; ".join(f"{e.pointer}: {e.message}" for e in errors[:3])
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return head + more
