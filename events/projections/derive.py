"""What each event type contributes to the fact tables and the registry.

One place that knows, per event type, which stance, condition-status and membership
facts an event asserts; the projector and the rebuild both use it.
"""

from __future__ import annotations

from typing import Any

import msgspec

from events.catalog import (
    ConditionChanged,
    ConditionDeclared,
    DeclarationSigned,
    Event,
    GroupFounded,
    GroupJoined,
    GroupLeft,
    StanceStated,
    WarningIssued,
)

Fact = tuple[tuple[str, ...], tuple[Any, ...]]
_json = msgspec.json.Encoder()


def _conditions(conditions: tuple[str, ...]) -> str:
    return _json.encode(conditions).decode() if conditions else "[]"


def stance_facts(event: Event) -> list[Fact]:
    """(actor, topic) -> (stance, conditions JSON, quantity JSON, period) facts the event asserts."""
    if isinstance(event, StanceStated):
        quantity = _json.encode(event.quantity).decode() if event.quantity else None
        return [((event.actor, event.topic), (event.stance, _conditions(event.conditions), quantity, event.period))]
    if isinstance(event, DeclarationSigned):
        facts = []
        for provision in event.provisions:
            quantity = _json.encode(provision.quantity).decode() if provision.quantity else None
            values = (provision.stance, _conditions(provision.conditions), quantity, None)
            facts.extend(((signatory, provision.topic), values) for signatory in event.signatories)
        return facts
    if isinstance(event, WarningIssued) and event.topic is not None:
        return [((event.actor, event.topic), ("hostile", "[]", None, None))]
    return []


def condition_facts(event: Event) -> list[Fact]:
    """(condition,) -> (status,) facts: a declared condition starts pending."""
    if isinstance(event, ConditionDeclared):
        return [((event.condition,), ("pending",))]
    if isinstance(event, ConditionChanged):
        return [((event.condition,), (event.status,))]
    return []


def membership_facts(event: Event) -> list[Fact]:
    """(group, member) -> (joined | left,) facts."""
    if isinstance(event, GroupFounded):
        return [((event.group, founder), ("joined",)) for founder in event.founders]
    if isinstance(event, GroupJoined):
        return [((event.group, event.member), ("joined",))]
    if isinstance(event, GroupLeft):
        return [((event.group, event.member), ("left",))]
    return []


def registry_entry(event: Event) -> tuple[str, dict[str, Any]]:
    """The display name and data an id-defining event gives the registry."""
    data = msgspec.to_builtins(event)
    for envelope in ("id", "type", "occurred", "sources", "summary", "tags"):
        data.pop(envelope, None)
    name = data.get("name") or data.get("title") or data.get("description") or data.get("statement") or ""
    return name, data
