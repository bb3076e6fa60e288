"""Checking a batch before it is stored: ids, idempotent retries, references and corrections.

Everything here only reads; it raises before anything is written, naming every fault,
so that a rejected batch leaves no trace.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec

from events.model import ids
from events.model.catalog import Event, EventCorrected, encode
from events.model.errors import (
    CommitmentError,
    Conflict,
    FieldError,
    InvalidEvent,
    UnknownReference,
    describe,
    renumber_pointers,
)
from events.model.inbound import InvalidBatch, corrected
from events.tables import log, registry
from events.tables.tx import Tx
from events.tables.versions import Version, current_version

#: Ids that other events refer to by name; retracting their definition would orphan those events.
_REGISTRATIONS = frozenset({"actor", "topic", "condition"})
_UNKNOWN = re.compile(r"^unknown (actor|topic|condition|claim|event) '(.*)'$")


@dataclass
class Prepared:
    """A checked batch: the events to store (ids assigned), those already stored, and correction targets."""

    new: list[Event] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    already: dict[str, int] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    #: correction id -> (the corrected event's version before, its version after or None if retracted)
    corrections: dict[str, tuple[Version, Version | None]] = field(default_factory=dict)


def prepare(tx: Tx, events: Sequence[Event], next_position: int) -> Prepared:
    """Check a batch against the log; raise InvalidEvent, UnknownReference or Conflict naming every fault."""
    prepared = Prepared()
    seen: dict[str, bytes] = {}
    errors: list[FieldError] = []
    with_ids: list[Event] = []
    for i, event in enumerate(events):
        if event.id is None:
            event = msgspec.structs.replace(event, id=ids.new_id())
        body = encode(event)
        if event.checked_id in seen:
            if seen[event.checked_id] != body:
                raise Conflict(
                    f"id '{event.id}' appears twice in the batch with different content",
                    [FieldError(f"$[{i}].id", "duplicate id with different content")],
                )
            continue
        seen[event.checked_id] = body
        with_ids.append(event)
    stored = log.existing(tx, list(seen))
    for i, event in enumerate(with_ids):
        prepared.order.append(event.checked_id)
        if event.checked_id in stored:
            position, stored_body = stored[event.checked_id]
            if stored_body.encode() != seen[event.checked_id]:
                raise Conflict(
                    f"id '{event.checked_id}' is already stored (position {position}) with different content;"
                    " corrections are new `event.corrected` events",
                    [FieldError(f"$[{i}].id", "already stored with different content")],
                )
            prepared.already[event.checked_id] = position
        else:
            prepared.new.append(event)
            prepared.bodies.append(seen[event.checked_id])
    _check_references(tx, prepared, next_position, errors)
    if errors:
        detail = describe(errors)
        if all(_UNKNOWN.match(e.message) for e in errors):
            raise UnknownReference(detail, errors)
        if all("already defined" in e.message for e in errors):
            raise Conflict(detail, errors)
        raise InvalidEvent(detail, errors)
    return prepared


def every_fault(tx: Tx, refused: InvalidBatch) -> InvalidEvent:
    """A batch refused for the faults of some of its events, with the faults of the others added.

    The events that did decode are checked as :func:`prepare` would (unknown references,
    ids reused, corrections) against the log of ``tx``, so that one answer names every
    faulty event of the batch. An id that a faulty event would define counts as known:
    fixing that event is what the sender has to do.
    """
    errors = list(refused.errors)
    if refused.decoded:
        indices = [index for index, _ in refused.decoded]
        try:
            prepare(tx, [event for _, event in refused.decoded], log.last_position(tx) + 1)
        except CommitmentError as error:
            renumbered = renumber_pointers(error, lambda i: f"$[{indices[i]}]")
            errors += [fault for fault in renumbered.errors if not _defined_by(fault, refused.defined)]
    errors.sort(key=_batch_order)
    return InvalidEvent(describe(errors), errors)


def _defined_by(fault: FieldError, defined: set[tuple[str, str]]) -> bool:
    match = _UNKNOWN.match(fault.message)
    return match is not None and (match[1], match[2]) in defined


def _batch_order(fault: FieldError) -> tuple[int, str]:
    match = re.match(r"^\$\[(\d+)\]", fault.pointer)
    return (int(match[1]) if match else -1, fault.pointer)


def _check_references(tx: Tx, prepared: Prepared, next_position: int, errors: list[FieldError]) -> None:
    wanted: set[tuple[str, str]] = set()
    for event in prepared.new:
        wanted.update((kind, ident) for kind, ident in event.defines())
        wanted.update((kind, ident) for kind, ident, _ in event.references() if kind != "event")
    defined = registry.known(tx, wanted)
    index_of = {event_id: i for i, event_id in enumerate(prepared.order)}
    local: dict[tuple[str, str], str] = {}
    for event in prepared.new:
        for kind, ident in event.defines():
            owner = defined.get((kind, ident)) or local.get((kind, ident))
            if owner is not None:
                errors.append(FieldError(
                    f"$[{index_of[event.checked_id]}]",
                    f"{kind} '{ident}' is already defined by event '{owner}'; correct that event instead",
                ))
            local[(kind, ident)] = event.checked_id
    known = set(defined) | set(local)
    versions: dict[str, Version] = {}
    for offset, event in enumerate(prepared.new):
        index = index_of[event.checked_id]
        _unknown(event, known, index, errors)
        _check_rulings(tx, event, f"$[{index}]", versions, errors)
        if isinstance(event, EventCorrected):
            _check_correction(tx, event, index, next_position + offset, versions, known, prepared, errors)
        else:
            versions[event.checked_id] = Version(event, next_position + offset)


def _check_rulings(tx: Tx, event: Event, pointer: str, versions: dict[str, Version],
                   errors: list[FieldError]) -> None:
    """A ruling on competing stance reports names two different events that each state a stance of its actor on
    its topic (in their current version: earlier in the batch, or in the log)."""
    fields = {ident: where for kind, ident, where in event.references() if kind == "event"}
    for _kind, actor, topic, first, second in event.rulings():
        if first == second:
            errors.append(FieldError(f"{pointer}.{fields[second]}", "a ruling needs two different events"))
            continue
        for ident in (first, second):
            version = versions.get(ident) or current_version(tx, ident)
            if version is None:
                errors.append(FieldError(f"{pointer}.{fields[ident]}", f"unknown event '{ident}'"))
            elif version.retracted or (actor, topic) not in {key for key, _ in version.event.stance_facts()}:
                errors.append(FieldError(f"{pointer}.{fields[ident]}",
                                         f"event '{ident}' states no stance of {actor} on {topic}"))


def _unknown(event: Event, known: set[tuple[str, str]], index: int, errors: list[FieldError]) -> None:
    for kind, ident, where in event.references():
        if kind != "event" and (kind, ident) not in known:
            errors.append(FieldError(f"$[{index}].{where}", f"unknown {kind} '{ident}'"))


def _check_correction(
    tx: Tx,
    correction: EventCorrected,
    index: int,
    position: int,
    versions: dict[str, Version],
    known: set[tuple[str, str]],
    prepared: Prepared,
    errors: list[FieldError],
) -> None:
    pointer = f"$[{index}].corrects"
    target = versions.get(correction.corrects) or current_version(tx, correction.corrects)
    if target is None:
        errors.append(FieldError(pointer, f"unknown event '{correction.corrects}'"))
        return
    if isinstance(target.event, EventCorrected):
        errors.append(FieldError(pointer, "a correction cannot be corrected; correct the original event"))
        return
    if target.retracted:
        errors.append(FieldError(pointer, f"event '{correction.corrects}' is already retracted"))
        return
    if correction.retracted:
        if any(kind in _REGISTRATIONS for kind, _ in target.event.defines()):
            errors.append(FieldError(pointer, "a registration cannot be retracted (other events name it); correct it"))
            return
        prepared.corrections[correction.checked_id] = (target, None)
        versions[correction.corrects] = Version(target.event, target.position, retracted=True)
        return
    try:
        replaced = corrected(target.event, correction)
    except InvalidEvent as exc:
        errors.extend(FieldError(e.pointer.replace("$.replacement", f"$[{index}].replacement", 1), e.message)
                      for e in exc.errors)
        return
    if list(replaced.defines()) != list(target.event.defines()):
        errors.append(FieldError(f"$[{index}].replacement", "a correction cannot change the id an event defines"))
        return
    missing = {(kind, ident) for kind, ident, _ in replaced.references() if kind != "event"} - known
    known.update(registry.known(tx, missing))
    _unknown(replaced, known, index, errors)
    _check_rulings(tx, replaced, f"$[{index}].replacement", versions, errors)
    after = Version(replaced, target.position)
    prepared.corrections[correction.checked_id] = (target, after)
    versions[correction.corrects] = after
