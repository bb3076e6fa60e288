"""The projector: turns a checked batch into projection rows and change records, in the append's transaction.

It works per batch, not per event: it first plans every fact row the batch adds and
every stored row it supersedes (in Python), then reads the rows of all touched keys in
one query per table, works out the new validity intervals and the change records in
Python, and writes everything with a few ``executemany`` calls. A backdated fact only
touches its own key, from the interval before its date on.

Appends and rebuild both go through :func:`project_batch`; the property tests check it
against an independent model of the semantics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events import dates
from events.batch import Prepared
from events.catalog import Event, EventCorrected, encode
from events.projections import changes, registry, timeline
from events.projections.changes import NO_ROWS, Series, Snapshot, condition_names, differing
from events.projections.derive import condition_facts, membership_facts, stance_facts
from events.projections.facts import CONDITIONS, MEMBERSHIPS, STANCES, FactTable, effect_order, link
from events.store.log import schema_version

Key = tuple[str, ...]
Rows = dict[Key, list[dict[str, Any]]]
_DERIVE: dict[FactTable, Callable[[Event], list]] = {
    STANCES: stance_facts,
    CONDITIONS: condition_facts,
    MEMBERSHIPS: membership_facts,
}


class _Plan:
    """What a batch adds and ends, per fact table, before anything is read or written."""

    def __init__(self, first_position: int) -> None:
        self.first_position = first_position
        self.new: dict[FactTable, list[dict[str, Any]]] = {table: [] for table in _DERIVE}
        self.by_event: dict[str, list[tuple[FactTable, dict[str, Any]]]] = {}
        self.touched: dict[FactTable, dict[Key, str]] = {table: {} for table in _DERIVE}
        self.causes: dict[FactTable, dict[Key, str]] = {table: {} for table in _DERIVE}
        self.superseded: dict[FactTable, list[tuple[int, str]]] = {table: [] for table in _DERIVE}
        self.gone: set[str] = set()  # stored events whose current rows this batch ends
        self.seq = 0

    def touch(self, table: FactTable, key: Key, day: str, cause: str) -> None:
        known = self.touched[table].get(key)
        if known is None or day < known:
            self.touched[table][key] = day
        self.causes[table][key] = cause

    def add_facts(self, event: Event, *, fact_position: int, created_pos: int, correction_id: str | None) -> None:
        date = dates.parse(event.occurred)
        day, latest, exact = date.earliest.isoformat(), date.latest.isoformat(), int(date.exact)
        cause = correction_id or event.id
        for table, derive in _DERIVE.items():
            for key, values in derive(event):
                self.seq += 1
                row = dict(zip(table.key, key))
                row.update(zip(table.values, values))
                row.update(row_id=None, seq=self.seq, valid_from=day, valid_to=None, latest=latest, exact=exact,
                           date_text=date.text, event_id=event.id, correction_id=correction_id,
                           fact_position=fact_position, created_pos=created_pos, superseded_pos=None)
                self.new[table].append(row)
                self.by_event.setdefault(event.id, []).append((table, row))
                self.touch(table, key, day, cause)

    def end_event(self, tx: Any, event_id: str, position: int, cause: str) -> None:
        """End the current rows of a corrected or retracted event, whether stored or added by this batch."""
        for table, row in self.by_event.get(event_id, ()):
            if row["superseded_pos"] is None:
                row["superseded_pos"] = position
                self.touch(table, tuple(row[c] for c in table.key), row["valid_from"], cause)
        if event_id in self.gone:
            return
        for table in _DERIVE:
            stored = table.current_keys_of(tx, event_id)
            if stored:
                self.superseded[table].append((position, event_id))
                for key, day in stored:
                    self.touch(table, key, day, cause)
        self.gone.add(event_id)


def _merge(table: FactTable, plan: _Plan, old: Rows) -> tuple[Rows, list[tuple[str | None, int]]]:
    """The current rows per key after the batch, with valid_to set; and the stored rows whose valid_to moves."""
    new: Rows = {key: [row for row in rows if row["event_id"] not in plan.gone] for key, rows in old.items()}
    for row in plan.new[table]:
        if row["superseded_pos"] is None:
            key = tuple(row[c] for c in table.key)
            new.setdefault(key, []).append(row)
    relinked = []
    for rows in new.values():
        rows.sort(key=effect_order)
        for valid_to, row in link(rows):
            if row["row_id"] is None:
                row["valid_to"] = valid_to
            else:
                relinked.append((valid_to, row["row_id"]))
    return new, relinked


def _project_table(tx: Any, table: FactTable, plan: _Plan, starts: dict[Key, str]) -> tuple[Rows, Rows]:
    old = table.load_current(tx, starts)
    new, relinked = _merge(table, plan, old)
    inserted = sorted(plan.new[table], key=lambda row: tuple(row[c] for c in table.key))
    table.write(tx, plan.superseded[table], relinked, inserted)
    return old, new


def _dependents(tx: Any, conditions: dict[Key, str]) -> dict[Key, str]:
    """Stance keys that name a touched condition, with the condition's touched day."""
    found: dict[Key, str] = {}
    names = sorted(conditions)
    for start in range(0, len(names), 500):
        chunk = [name[0] for name in names[start : start + 500]]
        marks = ",".join("?" * len(chunk))
        for condition, actor, topic in tx.fetchall(
            f"SELECT condition, actor, topic FROM condition_dependents WHERE condition IN ({marks})", chunk
        ):
            day = conditions[(condition,)]
            key = (actor, topic)
            if key not in found or day < found[key]:
                found[key] = day
    return found


def _record_dependents(tx: Any, plan: _Plan) -> None:
    pairs = set()
    for row in plan.new[STANCES]:
        for condition in condition_names(row):
            pairs.add((condition, row["actor"], row["topic"]))
    if pairs:
        tx.executemany(
            "INSERT INTO condition_dependents (condition, actor, topic) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            sorted(pairs),
        )


def _plan(tx: Any, prepared: Prepared, first_position: int) -> _Plan:
    plan = _Plan(first_position)
    position = first_position
    versions, registered = [], []
    timeline_rows: dict[str, tuple | None] = {}
    for event in prepared.new:
        if isinstance(event, EventCorrected):
            target, after = prepared.corrections[event.id]
            plan.end_event(tx, event.corrects, position, event.id)
            body = None if after is None else encode(after.event).decode()
            version = None if after is None else schema_version(after.event)
            versions.append((event.corrects, event.id, position, int(after is None), version, body))
            if after is None:
                timeline.remove(tx, event.corrects)
                timeline_rows.pop(event.corrects, None)
            else:
                plan.add_facts(after.event, fact_position=target.position, created_pos=position,
                               correction_id=event.id)
                registry.insert(tx, registered)  # a correction may target an id this batch registered
                registered = []
                registry.update(tx, after.event)
                timeline_rows[event.corrects] = timeline.row(after.event, target.position)
        else:
            registered.extend(registry.rows(event, position))
            plan.add_facts(event, fact_position=position, created_pos=position, correction_id=None)
            timeline_rows[event.id] = timeline.row(event, position)
        position += 1
    registry.insert(tx, registered)
    timeline.put_rows(tx, [row for row in timeline_rows.values() if row is not None])
    if versions:
        tx.executemany(
            "INSERT INTO event_versions (event_id, correction_id, position, retracted, schema_version, body)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET correction_id = excluded.correction_id,"
            " position = excluded.position, retracted = excluded.retracted,"
            " schema_version = excluded.schema_version, body = excluded.body",
            versions,
        )
    return plan


def project_batch(tx: Any, prepared: Prepared, first_position: int, recorded: str, *, today: str | None = None,
                  record_changes: bool = True) -> int:
    """Project the new events of a checked batch stored from ``first_position`` on; returns change records written.

    Change records cover days up to ``today``: the append's day, or the day already
    announced through if the scheduler is ahead of it.
    """
    plan = _plan(tx, prepared, first_position)
    last = first_position + len(prepared.new) - 1
    today = today or recorded[:10]
    stance_starts = dict(plan.touched[STANCES])
    causes = dict(plan.causes[STANCES])
    if record_changes:
        for key, day in _dependents(tx, plan.touched[CONDITIONS]).items():
            if key not in stance_starts or day < stance_starts[key]:
                stance_starts[key] = day
    old_stances, new_stances = _project_table(tx, STANCES, plan, stance_starts)
    _record_dependents(tx, plan)
    condition_starts = dict(plan.touched[CONDITIONS])
    if record_changes and stance_starts:
        earliest = min(stance_starts.values())
        for rows in (*old_stances.values(), *new_stances.values()):
            for row in rows:
                for name in condition_names(row):
                    condition_starts[(name,)] = min(condition_starts.get((name,), earliest), earliest)
    old_conditions, new_conditions = _project_table(tx, CONDITIONS, plan, condition_starts)
    _project_table(tx, MEMBERSHIPS, plan, dict(plan.touched[MEMBERSHIPS]))
    if not record_changes:
        return 0
    condition_cause = {key[0]: cause for key, cause in plan.causes[CONDITIONS].items()}
    old_series = {key[0]: Series(rows) for key, rows in old_conditions.items()}
    new_series = {key[0]: Series(rows) for key, rows in new_conditions.items()}
    touched_conditions = {key[0] for key in plan.touched[CONDITIONS]}
    condition_windows = {name: differing(old_series[name].rows, new_series[name].rows)
                         for name in touched_conditions if name in old_series and name in new_series}
    records = []
    for key in sorted(stance_starts):
        start = stance_starts[key]
        if start > today:
            continue
        old_rows, new_rows = old_stances.get(key, []), new_stances.get(key, [])
        if key not in plan.touched[STANCES] and not _names_any(new_rows, touched_conditions):
            continue  # only a condition it never names changed: nothing to compare
        old = _snapshot(old_rows, old_series)
        new = _snapshot(new_rows, new_series)
        fallback = causes.get(key) or _condition_cause(new, condition_cause)
        for record in changes.compare(key, start, today, old, new, first_position - 1, fallback, condition_windows):
            records.append((*record, last, recorded, None))
    changes.insert(tx, records)
    return len(records)


def _snapshot(rows: list[dict[str, Any]], conditions: dict[str, Series]) -> Snapshot:
    names: set[str] = set()
    for row in rows:
        names.update(condition_names(row))
    return Snapshot(Series(rows), {name: conditions.get(name, NO_ROWS) for name in names})



def _names_any(rows: list[dict[str, Any]], names: set[str]) -> bool:
    return any(not names.isdisjoint(condition_names(row)) for row in rows)


def _condition_cause(snapshot: Snapshot, condition_cause: dict[str, str]) -> str | None:
    for name in snapshot.conditions:
        if name in condition_cause:
            return condition_cause[name]
    return None

