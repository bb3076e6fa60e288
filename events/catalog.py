"""The event catalogue: every event type as a frozen msgspec Struct in one tagged union.

Stored events are decoded leniently (fields added in later versions get their
defaults, unknown fields are ignored); inbound events are decoded strictly (an
unknown field is an error). A breaking change to a type bumps its entry in
``SCHEMA_VERSIONS`` and registers an upcaster in ``UPCASTERS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, Union

import msgspec
from msgspec import Meta

from events import dates
from events.errors import FieldError, InvalidDate, InvalidEvent
from events.vocabulary import ActorKind, ConditionKind, ConditionStatus, Stance

EventId = Annotated[str, Meta(pattern=r"^[A-Za-z0-9._:-]{1,128}$", description="1-128 letters, digits or ._:-")]
Ref = Annotated[str, Meta(pattern=r"^[A-Za-z0-9._:-]{1,128}$", description="the id of an actor, topic, condition, ...")]
Text = Annotated[str, Meta(min_length=1, max_length=4000)]
ShortText = Annotated[str, Meta(max_length=500)]
Url = Annotated[str, Meta(pattern=r"^https?://[^\s]+$", max_length=2048)]
Refs = Annotated[tuple[Ref, ...], Meta(max_length=1000)]
Tags = Annotated[tuple[Annotated[str, Meta(min_length=1, max_length=100)], ...], Meta(max_length=50)]


class Source(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Where a fact comes from: the outlet, and optionally a link, its date, a short quote, a file."""

    outlet: Annotated[str, Meta(min_length=1, max_length=300)]
    url: Url | None = None
    published: str | None = None
    quote: Annotated[str, Meta(max_length=2000)] | None = None
    file: ShortText | None = None


class Quantity(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """An amount with its unit, e.g. 90 billion EUR or 800,000 troops."""

    amount: float
    unit: Annotated[str, Meta(min_length=1, max_length=100)]


class Provision(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One element of a declaration: the stance its signatories take on a topic."""

    topic: Ref
    stance: Stance
    summary: Text
    conditions: Refs = ()
    quantity: Quantity | None = None


class Event(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, tag_field="type"):
    """The envelope every event carries."""

    id: EventId | None = None
    occurred: str
    sources: Annotated[tuple[Source, ...], Meta(min_length=1, max_length=100)]
    summary: Text
    tags: Tags = ()

    def references(self) -> Iterator[tuple[str, str, str]]:
        """Yield (kind, id, field) for every actor, topic, condition, ... the event names."""
        return iter(())

    def defines(self) -> Iterator[tuple[str, str]]:
        """Yield (kind, id) for every id this event introduces to the log."""
        return iter(())

    def dated_fields(self) -> Iterator[tuple[str, str]]:
        """Yield (field, text) for every EDTF date the event holds besides ``occurred``."""
        return iter(())

    @property
    def type(self) -> str:
        """The stable tag of this event type."""
        return type(self).__struct_config__.tag


class ActorRegistered(Event, tag="actor.registered"):
    """A state, organisation or coalition enters the log under a stable id."""

    actor: Ref
    name: Text
    kind: ActorKind
    aliases: Tags = ()

    def defines(self):
        yield "actor", self.actor


class TopicDefined(Event, tag="topic.defined"):
    """A topic on which actors take stances (e.g. ``troops-in-ukraine``)."""

    topic: Ref
    name: Text
    description: Annotated[str, Meta(max_length=4000)] = ""

    def defines(self):
        yield "topic", self.topic


class GroupFounded(Event, tag="group.founded"):
    """A coalition or organisation is founded; its founders are its first members."""

    group: Ref
    founders: Annotated[tuple[Ref, ...], Meta(min_length=1, max_length=1000)]
    purpose: Annotated[str, Meta(max_length=4000)] = ""

    def references(self):
        yield "actor", self.group, "group"
        for i, member in enumerate(self.founders):
            yield "actor", member, f"founders[{i}]"


class GroupJoined(Event, tag="group.joined"):
    """An actor joins a group."""

    group: Ref
    member: Ref

    def references(self):
        yield "actor", self.group, "group"
        yield "actor", self.member, "member"


class GroupLeft(Event, tag="group.left"):
    """An actor leaves a group."""

    group: Ref
    member: Ref

    def references(self):
        yield "actor", self.group, "group"
        yield "actor", self.member, "member"


class MeetingHeld(Event, tag="meeting.held"):
    """A summit or meeting took place."""

    title: Text
    place: ShortText | None = None
    host: Ref | None = None
    participants: Refs = ()

    def references(self):
        if self.host is not None:
            yield "actor", self.host, "host"
        for i, actor in enumerate(self.participants):
            yield "actor", actor, f"participants[{i}]"


class DeclarationSigned(Event, tag="declaration.signed"):
    """A declaration is signed; each signatory takes each provision's stance on its topic."""

    declaration: Ref
    title: Text
    signatories: Annotated[tuple[Ref, ...], Meta(min_length=1, max_length=1000)]
    provisions: Annotated[tuple[Provision, ...], Meta(max_length=200)] = ()

    def references(self):
        for i, actor in enumerate(self.signatories):
            yield "actor", actor, f"signatories[{i}]"
        for i, provision in enumerate(self.provisions):
            yield "topic", provision.topic, f"provisions[{i}].topic"
            for j, condition in enumerate(provision.conditions):
                yield "condition", condition, f"provisions[{i}].conditions[{j}]"

    def defines(self):
        yield "declaration", self.declaration


class StanceStated(Event, tag="stance.stated"):
    """An actor states its stance on a topic, possibly subject to conditions."""

    actor: Ref
    topic: Ref
    stance: Stance
    conditions: Refs = ()
    quantity: Quantity | None = None
    period: str | None = None
    speaker: ShortText | None = None

    def references(self):
        yield "actor", self.actor, "actor"
        yield "topic", self.topic, "topic"
        for i, condition in enumerate(self.conditions):
            yield "condition", condition, f"conditions[{i}]"

    def dated_fields(self):
        if self.period is not None:
            yield "period", self.period


class WarningIssued(Event, tag="warning.issued"):
    """An actor warns others; with a topic, it sets the actor's stance on it to ``hostile``."""

    actor: Ref
    targets: Refs = ()
    topic: Ref | None = None

    def references(self):
        yield "actor", self.actor, "actor"
        for i, target in enumerate(self.targets):
            yield "actor", target, f"targets[{i}]"
        if self.topic is not None:
            yield "topic", self.topic, "topic"


class StrikeReported(Event, tag="strike.reported"):
    """A military strike is reported."""

    actor: Ref
    weapon: ShortText | None = None
    target: ShortText | None = None
    place: ShortText | None = None

    def references(self):
        yield "actor", self.actor, "actor"


class ClaimMade(Event, tag="claim.made"):
    """An actor makes a claim (kept as a claim, not as a fact)."""

    claim: Ref
    actor: Ref
    about: Ref | None = None
    statement: Annotated[str, Meta(max_length=4000)] = ""

    def references(self):
        yield "actor", self.actor, "actor"
        if self.about is not None:
            yield "actor", self.about, "about"

    def defines(self):
        yield "claim", self.claim


class ClaimDisputed(Event, tag="claim.disputed"):
    """An actor disputes or dismisses a claim."""

    claim: Ref
    actor: Ref
    statement: Annotated[str, Meta(max_length=4000)] = ""

    def references(self):
        yield "claim", self.claim, "claim"
        yield "actor", self.actor, "actor"


class ConditionDeclared(Event, tag="condition.declared"):
    """A condition that commitments may depend on; it starts ``pending``."""

    condition: Ref
    description: Text
    kind: ConditionKind = "other"
    deadline: str | None = None

    def defines(self):
        yield "condition", self.condition

    def dated_fields(self):
        if self.deadline is not None:
            yield "deadline", self.deadline


class ConditionChanged(Event, tag="condition.changed"):
    """A condition's status changes (any status may follow any other)."""

    condition: Ref
    status: ConditionStatus

    def references(self):
        yield "condition", self.condition, "condition"


class EventCorrected(Event, tag="event.corrected"):
    """Corrects an earlier event: either replacement field values, or ``retracted: true``."""

    corrects: EventId
    replacement: dict[str, Any] | None = None
    retracted: bool = False

    def references(self):
        yield "event", self.corrects, "corrects"


AnyEvent = Union[
    ActorRegistered,
    TopicDefined,
    GroupFounded,
    GroupJoined,
    GroupLeft,
    MeetingHeld,
    DeclarationSigned,
    StanceStated,
    WarningIssued,
    StrikeReported,
    ClaimMade,
    ClaimDisputed,
    ConditionDeclared,
    ConditionChanged,
    EventCorrected,
]
EVENT_TYPES: dict[str, type[Event]] = {cls.__struct_config__.tag: cls for cls in AnyEvent.__args__}

#: The current schema version per event type; bump it with an upcaster on a breaking change.
SCHEMA_VERSIONS: dict[str, int] = {tag: 1 for tag in EVENT_TYPES}
#: (type, stored version) -> function turning that version's dict into the next version's dict.
UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {}

#: The one decoder for stored events (lenient: unknown fields ignored, missing new fields defaulted).
STORED_DECODER = msgspec.json.Decoder(AnyEvent)
_ENCODER = msgspec.json.Encoder(order="sorted")  # canonical whichever class (strict twin or base) holds it

#: Keys that the store assigns and a client may never send.
STORE_ASSIGNED = ("position", "recorded")


def encode(event: Event) -> bytes:
    """Encode an event as canonical JSON (the form stored in the log and compared for idempotency)."""
    return _ENCODER.encode(event)


def decode_stored(body: bytes | str, schema_version: int = 1) -> Event:
    """Decode an event read from the log, upcasting older schema versions."""
    if schema_version == 1 and not UPCASTERS:
        return STORED_DECODER.decode(body)
    raw = msgspec.json.decode(body)
    tag = raw.get("type")
    version = schema_version
    while (tag, version) in UPCASTERS:
        raw = UPCASTERS[(tag, version)](raw)
        version += 1
    return msgspec.convert(raw, AnyEvent)


# ---------------------------------------------------------------------------
# Strict decoding of inbound events
#
# Each event type has a strict twin: a subclass with ``forbid_unknown_fields=True``
# whose nested Structs are strict too. msgspec then rejects unknown fields while it
# decodes, in C. The twins encode exactly like their bases and pass isinstance
# checks, so nothing downstream needs to know which one it holds.


class _StrictSource(Source, forbid_unknown_fields=True, kw_only=True):
    """A Source that refuses unknown fields."""


class _StrictQuantity(Quantity, forbid_unknown_fields=True, kw_only=True):
    """A Quantity that refuses unknown fields."""


class _StrictProvision(Provision, forbid_unknown_fields=True, kw_only=True):
    """A Provision that refuses unknown fields."""

    quantity: _StrictQuantity | None = None


_STRICT_NESTED: dict[str, tuple[Any, ...]] = {
    "sources": (Annotated[tuple[_StrictSource, ...], Meta(min_length=1, max_length=100)],),
    "quantity": (_StrictQuantity | None, None),
    "provisions": (Annotated[tuple[_StrictProvision, ...], Meta(max_length=200)], ()),
}


def _strict_twin(cls: type[Event]) -> type[Event]:
    overrides = [(name, *_STRICT_NESTED[name]) for name in cls.__struct_fields__ if name in _STRICT_NESTED]
    return msgspec.defstruct(
        cls.__name__, overrides, bases=(cls,), kw_only=True, frozen=True, forbid_unknown_fields=True,
        module=__name__,
    )


STRICT_TYPES: dict[str, type[Event]] = {tag: _strict_twin(cls) for tag, cls in EVENT_TYPES.items()}
_StrictEvent = Union[tuple(STRICT_TYPES.values())]  # noqa: UP007 - a runtime union of classes
_STRICT_BODY = msgspec.json.Decoder(Union[list[_StrictEvent], _StrictEvent])  # noqa: UP007
_STRICT_ONE = msgspec.json.Decoder(_StrictEvent)


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
    if b"\\u0000" in _ENCODER.encode(event):
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
        if errors:
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
    if errors:
        raise InvalidEvent(_summarise(errors), errors)
    return event


def _summarise(errors: list[FieldError]) -> str:
    head = "; ".join(f"{e.pointer}: {e.message}" for e in errors[:3])
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return head + more
