"""The projector: turns a checked batch into projection rows and change records, in the append's transaction.

Appends and rebuild both go through :func:`project_batch`, so incremental projection
and a rebuild cannot drift apart by construction; the property tests check both
against an independent model of the semantics.
"""

from __future__ import annotations

from typing import Any

import msgspec

from events import dates
from events.batch import Prepared, Version
from events.catalog import Event, EventCorrected, encode
from events.projections import changes, registry, timeline
from events.projections.derive import condition_facts, membership_facts, stance_facts
from events.projections.facts import CONDITIONS, MEMBERSHIPS, STANCES, FactTable
from events.store.log import schema_version

_FACTS: tuple[tuple[FactTable, Any], ...] = (
    (STANCES, stance_facts),
    (CONDITIONS, condition_facts),
    (MEMBERSHIPS, membership_facts),
)


class _Touched:
    """Keys a batch changed, with the earliest day changed and the last event that changed them."""

    def __init__(self) -> None:
        self.keys: dict[FactTable, dict[tuple[str, ...], str]] = {table: {} for table, _ in _FACTS}
        self.causes: dict[tuple[str, ...], str] = {}
        self.condition_causes: dict[str, str] = {}

    def mark(self, table: FactTable, key: tuple[str, ...], day: str, cause: str) -> None:
        known = self.keys[table].get(key)
        if known is None or day < known:
            self.keys[table][key] = day
        if table is STANCES:
            self.causes[key] = cause
        elif table is CONDITIONS:
            self.condition_causes[key[0]] = cause


def _project_facts(tx: Any, event: Event, touched: _Touched, *, fact_position: int, created_pos: int,
                   correction_id: str | None) -> None:
    date = dates.parse(event.occurred)
    day = date.earliest.isoformat()
    cause = correction_id or event.id
    for table, derive in _FACTS:
        for key, values in derive(event):
            table.insert(tx, key, date, values, event_id=event.id, fact_position=fact_position,
                         created_pos=created_pos, correction_id=correction_id)
            touched.mark(table, key, day, cause)
            if table is STANCES and values[1] != "[]":
                _add_dependents(tx, key, values[1])


def _add_dependents(tx: Any, key: tuple[str, ...], conditions_json: str) -> None:
    for condition in msgspec.json.decode(conditions_json):
        tx.execute(
            "INSERT INTO condition_dependents (condition, actor, topic) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (condition, *key),
        )


def _supersede(tx: Any, event_id: str, at_position: int, touched: _Touched, cause: str) -> None:
    for table, _ in _FACTS:
        for key, day in table.supersede_event(tx, event_id, at_position):
            touched.mark(table, key, day, cause)


def _record_version(tx: Any, correction: EventCorrected, target: Version, after: Version | None, position: int) -> None:
    body = None if after is None else encode(after.event).decode()
    version = None if after is None else schema_version(after.event)
    tx.execute(
        "INSERT INTO event_versions (event_id, correction_id, position, retracted, schema_version, body)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET correction_id = excluded.correction_id,"
        " position = excluded.position, retracted = excluded.retracted, schema_version = excluded.schema_version,"
        " body = excluded.body",
        (correction.corrects, correction.id, position, int(after is None), version, body),
    )


def project_batch(tx: Any, prepared: Prepared, first_position: int, recorded: str) -> int:
    """Project the new events of a checked batch stored from ``first_position`` on; returns change records written."""
    touched = _Touched()
    position = first_position
    for event in prepared.new:
        if isinstance(event, EventCorrected):
            target, after = prepared.corrections[event.id]
            _supersede(tx, event.corrects, position, touched, event.id)
            _record_version(tx, event, target, after, position)
            if after is None:
                timeline.remove(tx, event.corrects)
            else:
                _project_facts(tx, after.event, touched, fact_position=target.position, created_pos=position,
                               correction_id=event.id)
                registry.update(tx, after.event)
                timeline.put(tx, after.event, target.position)
        else:
            registry.register(tx, event, position)
            _project_facts(tx, event, touched, fact_position=position, created_pos=position, correction_id=None)
            timeline.put(tx, event, position)
        position += 1
    last = position - 1
    for table, keys in touched.keys.items():
        for key, day in keys.items():
            table.relink(tx, key, day)
    stance_keys = dict(touched.keys[STANCES])
    causes = dict(touched.causes)
    for (condition,), day in touched.keys[CONDITIONS].items():
        for actor, topic in tx.fetchall(
            "SELECT actor, topic FROM condition_dependents WHERE condition = ?", (condition,)
        ):
            key = (actor, topic)
            if key not in stance_keys or day < stance_keys[key]:
                stance_keys[key] = day
            causes.setdefault(key, touched.condition_causes[condition])
    return changes.record(
        tx, stance_keys, causes, before=first_position - 1, after=last, today=recorded[:10], recorded=recorded
    )
