"""Strict decoding of what clients send, and the wording of its faults.

Each event type has a strict twin: a subclass with ``forbid_unknown_fields=True``
whose nested Structs are strict too. msgspec then rejects unknown fields while it
decodes, in C. The twins encode exactly like their bases and pass isinstance
checks, so nothing downstream needs to know which one it holds. What msgspec cannot
express (EDTF dates, NUL characters, the shape of a correction) is checked after
decoding; every fault becomes a :class:`~events.model.errors.FieldError` with a JSON
pointer, so that a whole batch is refused with every fault named at once. A batch refused
here is an :class:`InvalidBatch`: it carries the events that did decode, so that the store
can add what it would refuse in them (unknown references) to the same answer.

The faults are worded for the people who send events (:func:`plain_message`), not in
msgspec's terms: ``must be at least 16 characters long``, not ``Expected `str` of length >= 16``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec
from msgspec import Meta

from events.model import dates
from events.model.catalog import (
    EVENT_TYPES,
    ID_PATTERN,
    URL_PATTERN,
    Event,
    EventCorrected,
    Provision,
    Quantity,
    Source,
    encode,
)
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
#: The catalogue's structs as clients send them, each decoded by its strict twin: unknown fields are refused.
STRICTLY_DECODED: tuple[type[msgspec.Struct], ...] = (*EVENT_TYPES.values(), Source, Quantity, Provision)
# A union built at run time from the twins: a value for msgspec, not a type a checker can read.
_StrictEvent: Any = Union[tuple(STRICT_TYPES.values())]  # noqa: UP007
_STRICT_BODY: msgspec.json.Decoder[Any] = msgspec.json.Decoder(list[_StrictEvent] | _StrictEvent)
_STRICT_ONE: msgspec.json.Decoder[Event] = msgspec.json.Decoder(_StrictEvent)


class InvalidBatch(InvalidEvent):
    """Some events of a batch cannot be decoded: their faults, and the events that did decode.

    ``decoded`` holds (index in the batch, event) for each event that decoded; ``defined``
    the (kind, id) pairs that the faulty events would define, so that an event naming one
    of them is not also reported as naming an unknown id.
    """

    def __init__(self, detail: str, errors: list[FieldError], decoded: list[tuple[int, Event]],
                 defined: set[tuple[str, str]]):
        super().__init__(detail, errors)
        self.decoded = decoded
        self.defined = defined


class _FieldNames:
    """Stands in for an event: every attribute is its own name."""

    def __getattr__(self, name: str) -> str:
        return name


#: Event type -> (kind, field) for each id it defines, e.g. ``actor.registered`` -> ``[("actor", "actor")]``:
#: ``defines()`` run on a stand-in whose attributes are their names.
DEFINING_FIELDS: dict[str, list[tuple[str, str]]] = {
    tag: list(cls.defines(_FieldNames())) for tag, cls in EVENT_TYPES.items()  # type: ignore[arg-type]
}

_TYPE_WORDS = {"str": "text", "int": "a whole number", "float": "a number", "bool": "true or false", "null": "null",
               "array": "a list", "object": "an object", "bytes": "text"}
_COMPARISONS = {">=": "at least", "<=": "at most", ">": "more than", "<": "less than"}
_EXPECTED_TYPE = re.compile(r"Expected `([^`]+)`, got `([^`]+)`")
_EXPECTED_BOUND = re.compile(r"Expected `(?:int|float|number)` (>=|<=|>|<) (\S+)")
_EXPECTED_LENGTH = re.compile(r"Expected `(str|array|object)` of length (>=|<=) (\d+)")
_EXPECTED_PATTERN = re.compile(r"Expected `str` matching regex '(.*)'")
_INVALID_CHOICE = re.compile(r"Invalid (?:enum )?value (.+)")


def _type_words(names: str) -> str:
    words = [_TYPE_WORDS.get(name, name) for name in names.split(" | ") if name != "null"] or ["null"]
    return " or ".join(words)


def plain_message(message: str, choices: Sequence[Any] = ()) -> str:
    """A msgspec validation message in the words of the people who send the data.

    ``choices`` are the accepted values of a field whose value is not one of them.
    """
    if match := _EXPECTED_TYPE.fullmatch(message):
        return f"must be {_type_words(match[1])}, not {_type_words(match[2])}"
    if match := _EXPECTED_BOUND.fullmatch(message):
        return f"must be {_COMPARISONS[match[1]]} {match[2]}"
    if match := _EXPECTED_LENGTH.fullmatch(message):
        kind, comparison, size = match[1], match[2], int(match[3])
        if comparison == ">=" and size == 1:
            return "must not be empty"
        plural = "" if size == 1 else "s"
        if kind == "str":
            return f"must be {_COMPARISONS[comparison]} {size} character{plural} long"
        unit = "item" if kind == "array" else "field"
        return f"{'must' if comparison == '>=' else 'may'} have {_COMPARISONS[comparison]} {size} {unit}{plural}"
    if match := _EXPECTED_PATTERN.fullmatch(message):
        regex = match[1].replace("\\\\", "\\")  # msgspec doubles the pattern's backslashes
        if regex == ID_PATTERN:
            return "must be an id: 1 to 128 letters, digits, dots, underscores, colons or hyphens"
        if regex == URL_PATTERN:
            return "must be a link starting with http:// or https://, without spaces"
        return f"does not have the accepted form (the pattern {regex})"
    if match := _INVALID_CHOICE.fullmatch(message):
        if choices:
            return f"{match[1]} is not one of: {', '.join(str(c) for c in choices)}"
        return f"{match[1]} is not an accepted value"
    if message.startswith("Object missing required field `"):
        return f"missing required field `{message.split('`')[1]}`"
    if message.startswith("Object contains unknown field `"):
        return f"unknown field `{message.split('`')[1]}`"
    return message


def choices_of(annotation: Any) -> tuple[Any, ...]:
    """The values a Literal (or Enum) type accepts, in its own order, through Optional and Annotated."""
    origin = get_origin(annotation)
    if origin is Literal:
        return get_args(annotation)
    if origin is Annotated:
        return choices_of(get_args(annotation)[0])
    if origin in (Union, UnionType):
        return tuple(value for member in get_args(annotation) for value in choices_of(member))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return tuple(member.value for member in annotation)
    return ()


_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def _field_type(cls: type[msgspec.Struct], path: str) -> Any:
    """The annotation of the field that ``path`` (``.provisions[0].stance``) reaches inside ``cls``, or None."""
    annotation: Any = cls
    for name, index in _STEP.findall(path):
        while get_origin(annotation) in (Annotated, Union, UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            annotation = members[0] if get_origin(annotation) is Annotated or len(members) == 1 else None
        if name and isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
            fields = {field.encode_name: field.type for field in msgspec.structs.fields(annotation)}
            annotation = fields.get(name)
        elif index and get_origin(annotation) in (list, tuple):
            annotation = get_args(annotation)[0]
        else:
            return None
    return annotation


def _fault(exc: msgspec.ValidationError, pointer: str, obj: Any) -> FieldError:
    """Turn a msgspec validation message into a FieldError with a clear wording."""
    message = str(exc)
    where = pointer
    if " - at `$" in message:
        message, _, at = message.rpartition(" - at `$")
        where = pointer + at.rstrip("`")
    tag = obj.get("type") if isinstance(obj, dict) else None
    cls = EVENT_TYPES.get(tag) if isinstance(tag, str) else None
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
    else:
        field = _field_type(cls, where[len(pointer):]) if cls is not None else None
        message = plain_message(message, choices_of(field) if field is not None else ())
    return FieldError(where, message)


def nul_at(value: Any, pointer: str) -> str | None:
    """The pointer of the first string in ``value`` that holds a NUL character, or None."""
    if isinstance(value, str):
        return pointer if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, (list, tuple)) else ()
    for key, item in items:
        found = nul_at(item, f"{pointer}[{key}]" if isinstance(key, int) else f"{pointer}.{key}")
        if found is not None:
            return found
    return None


def _check(event: Event, pointer: str, out: list[FieldError]) -> None:
    """Checks msgspec cannot express: no NUL in text, EDTF dates, and the shape of a correction."""
    # PostgreSQL text cannot hold NUL (SQLite can): refuse it on input so both backends store the same
    # events. The encoded form escapes it as \u0000, so the walk runs only when that text occurs.
    if b"\\u0000" in encode(event):
        where = nul_at(msgspec.to_builtins(event), pointer)
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


def _would_define(obj: Any) -> set[tuple[str, str]]:
    """The ids a faulty event object names in the fields its type defines ids with."""
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        return set()
    return {(kind, obj[field]) for kind, field in DEFINING_FIELDS.get(obj["type"], ())
            if isinstance(obj.get(field), str)}


def events_from_objects(objs: list[Any]) -> list[Event]:
    """Validate a list of decoded objects, raising :class:`InvalidBatch` naming every fault."""
    events: list[Event] = []
    decoded: list[tuple[int, Event]] = []
    errors: list[FieldError] = []
    defined: set[tuple[str, str]] = set()
    for i, obj in enumerate(objs):
        event, faults = event_from_object(obj, f"$[{i}]")
        errors.extend(faults)
        if event is not None:
            events.append(event)
            decoded.append((i, event))
        else:
            defined |= _would_define(obj)
    if errors:
        raise InvalidBatch(_summarise(errors), errors, decoded, defined)
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
        if not errors:
            return events
        # A fault msgspec cannot see (a date, a NUL): decode again item by item, which names every fault.
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
