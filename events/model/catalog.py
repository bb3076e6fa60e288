"""The event catalogue: every event type as a frozen msgspec Struct in one tagged union, with its behaviour.

Stored events are decoded leniently here (fields added in later versions get their
defaults, unknown fields are ignored); inbound events are decoded strictly by
``events/model/inbound.py`` (an unknown field is an error). A breaking change to a type
bumps its entry in ``SCHEMA_VERSIONS`` and registers an upcaster in ``UPCASTERS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, ClassVar, Union, get_args

import msgspec
from msgspec import Meta

from events.model.vocabulary import ActorKind, ConditionKind, ConditionStatus, Stance

#: What an id may be: of an event, an actor, a topic, a condition, ... (1-128 letters, digits or ._:-).
ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
EventId = Annotated[str, Meta(pattern=ID_PATTERN, description="1-128 letters, digits or ._:-")]
Ref = Annotated[str, Meta(pattern=ID_PATTERN, description="the id of an actor, topic, condition, ...")]
Text = Annotated[str, Meta(min_length=1, max_length=4000)]
ShortText = Annotated[str, Meta(max_length=500)]
#: The characters Python counts as white space (``str.isspace``), written out: a pattern with ``\s`` means fewer
#: of them to a JavaScript or JSON Schema reader than to msgspec, and the OpenAPI document must mean what we do.
SPACE = r"\t\n\x0b\x0c\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
URL_PATTERN = rf"^https?://[^{SPACE}]+$"
Url = Annotated[str, Meta(pattern=URL_PATTERN, max_length=2048)]
Refs = Annotated[tuple[Ref, ...], Meta(max_length=1000)]
#: An EDTF date (levels 0 and 1; ``events/model/dates.py``), checked by ``dates.parse`` after decoding, so that a fault
#: says which forms work; the OpenAPI document gives ``dates.PATTERN`` for every field of this type.
Date = Annotated[str, Meta(
    description="an EDTF date (levels 0 and 1; docs/dates.md): a day, month or year (2026-01-06, 2025-03, 2025), "
                "a date-time to the second (2026-01-06T09:30:00Z, +01:00), a season (2025-21 spring ... 2025-24 "
                "winter), unspecified digits (201X, 20XX, 2004-XX, 1985-04-XX), a qualifier (? uncertain, "
                "~ approximate, % both: 2025-12~), or an interval START/END whose ends may be open (..) or unknown "
                "(empty): 2026-01-06/2026-01-09, 2026-01/.., 2025-06/",
    examples=["2026-01-06", "2025-12~", "2025-21", "201X", "2026-01-06T09:30:00Z", "2025-03/2026-01-05", "2025-06/"],
)]
Tags = Annotated[tuple[Annotated[str, Meta(min_length=1, max_length=100)], ...], Meta(max_length=50)]

#: A fact an event asserts: the key it is about, and the values it gives that key from the event's date on.
StanceFact = tuple[tuple[str, str], tuple[str, tuple[str, ...], "Quantity | None", str | None]]
ConditionFact = tuple[tuple[str], tuple[str]]
MembershipFact = tuple[tuple[str, str], tuple[str]]
#: An editor's ruling on two reports of one (actor, topic): (kind, actor, topic, first event id, second event id).
Ruling = tuple[str, str, str, str, str]


class Source(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Where a fact comes from: the outlet, and optionally a link, its date, a short quote, a file."""

    outlet: Annotated[str, Meta(min_length=1, max_length=300)]
    url: Url | None = None
    published: Date | None = None
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
    """The envelope every event carries, and what each type contributes beyond it (its methods).

    Behaviour by type lives here, as methods that the types override: which ids an event
    names and defines, its dates, its headline, and the facts it asserts. Projections call
    the methods and never ask an event's type.
    """

    #: Whether the timeline shows events of this type.
    on_timeline: ClassVar[bool] = True

    id: EventId | None = None
    occurred: Date
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

    def headline(self) -> str:
        """A short title for the event, built from its fields (the timeline shows it)."""
        return self.summary[:120]

    def stance_facts(self) -> list[StanceFact]:
        """The stances the event asserts: ((actor, topic), (stance, conditions, quantity, period)) each."""
        return []

    def condition_facts(self) -> list[ConditionFact]:
        """The condition statuses the event asserts: ((condition,), (status,)) each; a declared one starts
        pending."""
        return []

    def membership_facts(self) -> list[MembershipFact]:
        """The memberships the event asserts: ((group, member), ("joined" or "left",)) each."""
        return []

    def rulings(self) -> list[Ruling]:
        """Editors' rulings on competing stance reports: (kind, actor, topic, first event, second event) each,
        kind ``settled`` (the first stands over the second) or ``change`` (the second changed the first)."""
        return []

    def registry_entry(self) -> tuple[str, dict[str, Any]]:
        """The display name and data that an id-defining event gives the registry (its own fields)."""
        data = msgspec.to_builtins(self)
        for envelope in ("id", "type", "occurred", "sources", "summary", "tags"):
            data.pop(envelope, None)
        name = data.get("name") or data.get("title") or data.get("description") or data.get("statement") or ""
        return str(name), data

    @property
    def checked_id(self) -> str:
        """The event's id, which every event has once checked for the log (the store assigns one to an event
        sent without): for code past the check, where ``id`` is never None."""
        if self.id is None:
            raise ValueError(f"a {self.type} event without an id has not been checked for the log")
        return self.id

    @property
    def type(self) -> str:
        """The stable tag of this event type."""
        return str(type(self).__struct_config__.tag)


class ActorRegistered(Event, frozen=True, tag="actor.registered"):
    """A state, organisation or coalition enters the log under a stable id."""

    #: Bookkeeping: it defines vocabulary or mends the log rather than tells the story.
    on_timeline: ClassVar[bool] = False

    actor: Ref
    name: Text
    kind: ActorKind
    aliases: Tags = ()

    def defines(self) -> Iterator[tuple[str, str]]:
        yield "actor", self.actor


class TopicDefined(Event, frozen=True, tag="topic.defined"):
    """A topic on which actors take stances (e.g. ``troops-in-ukraine``)."""

    #: Bookkeeping: it defines vocabulary or mends the log rather than tells the story.
    on_timeline: ClassVar[bool] = False

    topic: Ref
    name: Text
    description: Annotated[str, Meta(max_length=4000)] = ""

    def defines(self) -> Iterator[tuple[str, str]]:
        yield "topic", self.topic


class GroupFounded(Event, frozen=True, tag="group.founded"):
    """A coalition or organisation is founded; its founders are its first members."""

    group: Ref
    founders: Annotated[tuple[Ref, ...], Meta(min_length=1, max_length=1000)]
    purpose: Annotated[str, Meta(max_length=4000)] = ""

    def references(self) -> Iterator[tuple[str, str, str]]:
        yield "actor", self.group, "group"
        for i, member in enumerate(self.founders):
            yield "actor", member, f"founders[{i}]"

    def headline(self) -> str:
        return f"{self.group} founded by " + ", ".join(self.founders)

    def membership_facts(self) -> list[MembershipFact]:
        return [((self.group, founder), ("joined",)) for founder in self.founders]


class GroupJoined(Event, frozen=True, tag="group.joined"):
    """An actor joins a group."""

    group: Ref
    member: Ref

    def references(self) -> Iterator[tuple[str, str, str]]:
        yield "actor", self.group, "group"
        yield "actor", self.member, "member"

    def headline(self) -> str:
        return f"{self.member} joins {self.group}"

    def membership_facts(self) -> list[MembershipFact]:
        return [((self.group, self.member), ("joined",))]


class GroupLeft(Event, frozen=True, tag="group.left"):
    """An actor leaves a group."""

    group: Ref
    member: Ref

    def references(self) -> Iterator[tuple[str, str, str]]:
        yield "actor", self.group, "group"
        yield "actor", self.member, "member"

    def headline(self) -> str:
        return f"{self.member} leaves {self.group}"

    def membership_facts(self) -> list[MembershipFact]:
        return [((self.group, self.member), ("left",))]


class MeetingHeld(Event, frozen=True, tag="meeting.held"):
    """A summit or meeting took place."""

    title: Text
    place: ShortText | None = None
    host: Ref | None = None
    participants: Refs = ()

    def references(self) -> Iterator[tuple[str, str, str]]:
        if self.host is not None:
            yield "actor", self.host, "host"
        for i, actor in enumerate(self.participants):
            yield "actor", actor, f"participants[{i}]"

    def headline(self) -> str:
        return self.title


class DeclarationSigned(Event, frozen=True, tag="declaration.signed"):
    """A declaration is signed; each signatory takes each provision's stance on its topic."""

    declaration: Ref
    title: Text
    signatories: Annotated[tuple[Ref, ...], Meta(min_length=1, max_length=1000)]
    provisions: Annotated[tuple[Provision, ...], Meta(max_length=200)] = ()

    def references(self) -> Iterator[tuple[str, str, str]]:
        for i, actor in enumerate(self.signatories):
            yield "actor", actor, f"signatories[{i}]"
        for i, provision in enumerate(self.provisions):
            yield "topic", provision.topic, f"provisions[{i}].topic"
            for j, condition in enumerate(provision.conditions):
                yield "condition", condition, f"provisions[{i}].conditions[{j}]"

    def defines(self) -> Iterator[tuple[str, str]]:
        yield "declaration", self.declaration

    def headline(self) -> str:
        return self.title

    def stance_facts(self) -> list[StanceFact]:
        return [((signatory, provision.topic), (provision.stance, provision.conditions, provision.quantity, None))
                for provision in self.provisions for signatory in self.signatories]


class StanceStated(Event, frozen=True, tag="stance.stated"):
    """An actor states its stance on a topic, possibly subject to conditions."""

    actor: Ref
    topic: Ref
    stance: Stance
    conditions: Refs = ()
    quantity: Quantity | None = None
    period: Date | None = None
    speaker: ShortText | None = None

    def references(self) -> Iterator[tuple[str, str, str]]:
        yield "actor", self.actor, "actor"
        yield "topic", self.topic, "topic"
        for i, condition in enumerate(self.conditions):
            yield "condition", condition, f"conditions[{i}]"

    def dated_fields(self) -> Iterator[tuple[str, str]]:
        if self.period is not None:
            yield "period", self.period

    def headline(self) -> str:
        return f"{self.actor}: {self.stance} on {self.topic}"

    def stance_facts(self) -> list[StanceFact]:
        return [((self.actor, self.topic), (self.stance, self.conditions, self.quantity, self.period))]


class WarningIssued(Event, frozen=True, tag="warning.issued"):
    """An actor warns others; with a topic, it sets the actor's stance on it to ``hostile``."""

    actor: Ref
    targets: Refs = ()
    topic: Ref | None = None

    def references(self) -> Iterator[tuple[str, str, str]]:
        yield "actor", self.actor, "actor"
        for i, target in enumerate(self.targets):
            yield "actor", target, f"targets[{i}]"
        if self.topic is not None:
            yield "topic", self.topic, "topic"

    def headline(self) -> str:
        return f"{self.actor} warns " + (", ".join(self.targets) or "others")

    def stance_facts(self) -> list[StanceFact]:
        if self.topic is None:
            return []
        return [((self.actor, self.topic), ("hostile", (), None, None))]


class StrikeReported(Event, frozen=True, tag="strike.reported"):
    """A military strike is reported."""

    actor: Ref
    weapon: ShortText | None = None
    target: ShortText | None = None
    place: ShortText | None = None

    def references(self) -> Iterator[tuple[str, str, str]]:
        yield "actor", self.actor, "actor"

    def headline(self) -> str:
        what = self.weapon or "strike"
        return f"{self.actor}: {what} strike" + (f" on {self.place}" if self.place else "")


class ClaimMade(Event, frozen=True, tag="claim.made"):
    """An actor makes a claim (kept as a claim, not as a fact)."""

    claim: Ref
    actor: Ref
    about: Ref | None = None
    statement: Annotated[str, Meta(max_length=4000)] = ""

    def references(self) -> Iterator[tuple[str, str, str]]:
        yield "actor", self.actor, "actor"
        if self.about is not None:
            yield "actor", self.about, "about"

    def defines(self) -> Iterator[tuple[str, str]]:
        yield "claim", self.claim

    def headline(self) -> str:
        return f"{self.actor} claims: {self.statement or self.claim}"


class ClaimDisputed(Event, frozen=True, tag="claim.disputed"):
    """An actor disputes or dismisses a claim."""

    claim: Ref
    actor: Ref
    statement: Annotated[str, Meta(max_length=4000)] = ""

    def references(self) -> Iterator[tuple[str, str, str]]:
        yield "claim", self.claim, "claim"
        yield "actor", self.actor, "actor"

    def headline(self) -> str:
        return f"{self.actor} disputes claim {self.claim}"


class ConditionDeclared(Event, frozen=True, tag="condition.declared"):
    """A condition that commitments may depend on; it starts ``pending``."""

    condition: Ref
    description: Text
    kind: ConditionKind = "other"
    deadline: Date | None = None

    def defines(self) -> Iterator[tuple[str, str]]:
        yield "condition", self.condition

    def dated_fields(self) -> Iterator[tuple[str, str]]:
        if self.deadline is not None:
            yield "deadline", self.deadline

    def headline(self) -> str:
        return f"Condition declared: {self.description}"

    def condition_facts(self) -> list[ConditionFact]:
        return [((self.condition,), ("pending",))]


class ConditionChanged(Event, frozen=True, tag="condition.changed"):
    """A condition's status changes (any status may follow any other)."""

    condition: Ref
    status: ConditionStatus

    def references(self) -> Iterator[tuple[str, str, str]]:
        yield "condition", self.condition, "condition"

    def headline(self) -> str:
        return f"Condition {self.condition} is now {self.status}"

    def condition_facts(self) -> list[ConditionFact]:
        return [((self.condition,), (self.status,))]


class DisputeSettled(Event, frozen=True, tag="dispute.settled"):
    """Editors settle competing reports of one position: the version of ``stands`` holds, those of ``over`` are
    set aside (kept in the log, no longer shown as alternatives), for the ``reason`` and on the sources given."""

    #: Editorial bookkeeping about other events, not something that happened.
    on_timeline: ClassVar[bool] = False

    actor: Ref
    topic: Ref
    stands: EventId
    over: Annotated[tuple[EventId, ...], Meta(min_length=1, max_length=100)]
    reason: Text

    def references(self) -> Iterator[tuple[str, str, str]]:
        yield "actor", self.actor, "actor"
        yield "topic", self.topic, "topic"
        yield "event", self.stands, "stands"
        for i, other in enumerate(self.over):
            yield "event", other, f"over[{i}]"

    def rulings(self) -> list[Ruling]:
        return [("settled", self.actor, self.topic, self.stands, other) for other in self.over]

    def headline(self) -> str:
        return f"Dispute settled: {self.actor} on {self.topic}"


class ChangeConfirmed(Event, frozen=True, tag="change.confirmed"):
    """Editors confirm that a ``later`` statement changed the position an ``earlier`` one reported, rather than
    competing with it: the two are not shown as a dispute, and the later one holds from its date on."""

    on_timeline: ClassVar[bool] = False

    actor: Ref
    topic: Ref
    earlier: EventId
    later: EventId
    reason: Text

    def references(self) -> Iterator[tuple[str, str, str]]:
        yield "actor", self.actor, "actor"
        yield "topic", self.topic, "topic"
        yield "event", self.earlier, "earlier"
        yield "event", self.later, "later"

    def rulings(self) -> list[Ruling]:
        return [("change", self.actor, self.topic, self.earlier, self.later)]

    def headline(self) -> str:
        return f"Change confirmed: {self.actor} on {self.topic}"


class EventCorrected(Event, frozen=True, tag="event.corrected"):
    """Corrects an earlier event: either replacement field values, or ``retracted: true``."""

    #: Bookkeeping: it defines vocabulary or mends the log rather than tells the story.
    on_timeline: ClassVar[bool] = False

    corrects: EventId
    replacement: dict[str, Any] | None = None
    retracted: bool = False

    def references(self) -> Iterator[tuple[str, str, str]]:
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
    DisputeSettled,
    ChangeConfirmed,
    EventCorrected,
]
EVENT_TYPES: dict[str, type[Event]] = {cls.__struct_config__.tag: cls for cls in get_args(AnyEvent)}

#: The current schema version per event type; bump it with an upcaster on a breaking change.
SCHEMA_VERSIONS: dict[str, int] = {tag: 1 for tag in EVENT_TYPES}
#: (type, stored version) -> function turning that version's dict into the next version's dict.
UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {}

#: The one decoder for stored events (lenient: unknown fields ignored, missing new fields defaulted).
STORED_DECODER: msgspec.json.Decoder[Event] = msgspec.json.Decoder(AnyEvent)
_ENCODER = msgspec.json.Encoder(order="sorted")  # canonical whichever class (strict twin or base) holds it


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
    event: Event = msgspec.convert(raw, AnyEvent)
    return event
