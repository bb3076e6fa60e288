"""The projection of an append into empty fact tables, key by key in one pass, reading nothing back.

A rebuild's first append lands in emptied tables (for an imported log it is the whole log,
which an import stores as one append). Then every fact a key will ever have as of that
append is in the plan: nothing stored can precede, end or compete with it. So each key's
rows, their validity intervals, the competing pairs among them, the conditions they name
and the change records of the append (the state before it is "no stance" on every day) are
worked out in Python from the plan alone, and each table is written once, in key order,
with ``executemany``: no current rows are loaded, no row is updated after it is written.

The result is what :meth:`AppendProjection.finish` writes for the same append (rows and
their ids, ``rivalled`` flags, ``stance_rivals``, ``condition_dependents``, change records and
their order); the property tests compare a rebuild with the appends that built the store.
Registry, timeline, versions, search and rulings rows are written by ``add`` as for any append.
"""

from __future__ import annotations

from typing import Any

from events.model.vocabulary import commitment_status
from events.projections import changes, disputes, projector
from events.projections.changes import Series, Snapshot, State, _cause
from events.projections.facts import CONDITIONS, MEMBERSHIPS, STANCES, FactTable, effect_order, link
from events.projections.projector import (
    AppendProjection,
    Key,
    Rows,
    _condition_cause,
    _Plan,
    _record_dependents,
    _snapshot,
)
from events.tables.tx import Tx, scalar

#: The state before the append: no stance, on every day.
_NO_STATE: State = (None, None, False)


class _Conditions(dict[str, Series]):
    """Every condition's current rows: one no fact of the append changed has none."""

    def __missing__(self, name: str) -> Series:
        return changes.NO_ROWS


def _project(tx: Tx, table: FactTable, plan: _Plan) -> Rows:
    """Write every planned row of ``table`` (keys in order, each key's rows in the order they were asserted)
    with its id and interval; returns each key's current rows in effect order."""
    assert scalar(tx, f"SELECT 1 FROM {table.table} LIMIT 1") is None, f"{table.table} is not empty"
    current: Rows = {}
    inserted: list[dict[str, Any]] = []
    for key in sorted(plan.touched[table]):
        rows = plan.rows(table, key)
        for offset, row in enumerate(rows, start=len(inserted) + 1):
            row["row_id"] = offset  # as FactTable.write numbers them in an empty table
        inserted.extend(rows)
        live = sorted((row for row in rows if row["superseded_pos"] is None), key=effect_order)
        for valid_to, row in link(live):
            row["valid_to"] = valid_to
        current[key] = live
    if table is STANCES:
        _flag_rivals(tx, current)
    if inserted:
        columns = table.columns
        tx.executemany(f"INSERT INTO {table.table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                       [tuple(row[column] for column in columns) for row in inserted])
    return current


def _flag_rivals(tx: Tx, current: Rows) -> None:
    """Write the competing pairs among each key's current rows and flag their later rows (before they are
    written: every row is new, so every pair is)."""
    pairs = []
    for rows in current.values():
        found = disputes.new_pairs(rows, {row["row_id"] for row in rows})
        for _earlier, later in found:
            later["rivalled"] = 1
        pairs.extend(found)
    if pairs:
        tx.executemany("INSERT INTO stance_rivals (later, earlier, actor, topic) VALUES (?, ?, ?, ?)",
                       sorted({(later["row_id"], earlier["row_id"], later["actor"], later["topic"])
                               for earlier, later in pairs}))


def _rivals(rows: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """For each flagged row, the rows before it that compete with it, in effect order (as
    :func:`changes.load_rivals` reads them back)."""
    flagged = [row for row in rows if row.get("rivalled")]
    if not flagged:
        return {}
    by_later: dict[int, list[dict[str, Any]]] = {}
    for earlier, later in disputes.new_pairs(rows, {row["row_id"] for row in flagged}):
        by_later.setdefault(later["row_id"], []).append(earlier)
    return {later: sorted(found, key=effect_order) for later, found in by_later.items()}


def _records(key: Key, start: str, today: str, new: Snapshot, before: int, fallback: str | None
             ) -> list[tuple[Any, ...]]:
    """The change records of a key that had no stance before the append, from ``start`` to ``today``: what
    :func:`changes.compare` finds against no rows at all.

    Every day before the key's first row is "no stance" before and after, and its rows mark one open window
    from the first on, so no window needs working out: the state is evaluated on every day something may
    change, and a record starts wherever it differs from the day before.
    """
    rows, starts, conditions, rivals = new.rows.rows, new.rows.starts, new.conditions, new.rivals
    found: list[list[Any]] = []
    previous = _NO_STATE
    i = -1  # the row in effect: days come in order, so it only moves forward
    for day in sorted(new.days(start, today) | {start}):
        while i + 1 < len(rows) and starts[i + 1] <= day:
            i += 1
        if i < 0:
            continue  # no stance yet, as before the append
        row = rows[i]
        if row["row_id"] in rivals:
            state, _ = new.state(day)
        else:  # Snapshot.state without a dispute to resolve
            names = changes.condition_names(row)
            statuses = []
            for name in names:
                condition_row = conditions[name].at(day)
                statuses.append(condition_row["status"] if condition_row else "pending")
            state = (row["stance"], commitment_status(row["stance"], statuses), False)
        if state != previous:
            cause = _cause(row) if row["valid_from"] == day else new.cause_on(day, before)
            found.append([day, state, cause or fallback])
            previous = state
    if not found:
        return []
    kinds = ["revision"] * (len(found) - 1) + ["new"]  # the last run reaches the day of the append
    return [("disputed" if state[2] else kind, key[0], key[1], day, None, None, 0, state[0], state[1],
             int(state[2]), cause) for (day, state, cause), kind in zip(found, kinds)]


def finish(projection: AppendProjection) -> int:
    """Write every fact row and change record of ``projection``'s append into empty fact tables, as
    :meth:`AppendProjection.finish` would; returns how many change records were written."""
    tx, plan, today = projection.tx, projection.plan, projection.today
    before = projection.first_position - 1
    assert not any(plan.superseded.values()), "an append into empty tables ends no stored row"
    conditions = _project(tx, CONDITIONS, plan)
    _project(tx, MEMBERSHIPS, plan)
    built_after = projector._indexes_dropped_for_bulk(tx, plan)
    stances = _project(tx, STANCES, plan)
    _record_dependents(tx, {key: [] for key in stances}, stances)
    condition_cause = {key[0]: cause for key, cause in plan.causes[CONDITIONS].items()}
    series = _Conditions((key[0], Series(rows)) for key, rows in conditions.items())
    rivals = {key: _rivals(rows) for key, rows in stances.items()}
    disputed = [key for key in stances if rivals[key] or key in plan.ruled]
    rulings = disputes.rulings_for(tx, disputed, None)
    records: list[tuple[Any, ...]] = []
    starts = plan.touched[STANCES]
    last = projection.next_position - 1
    for key in sorted(starts):
        if starts[key] <= today:
            new = _snapshot(stances[key], series, rivals[key], rulings.get(key, []))
            fallback = plan.causes[STANCES].get(key) or _condition_cause(new, condition_cause)
            # recorded: None, the log's at the position (events/tables/schema.py, CHANGES)
            records.extend((*record, last, None, None)
                           for record in _records(key, starts[key], today, new, before, fallback))
    changes.insert(tx, records)
    for index in built_after:
        tx.execute(index.ddl(STANCES.table))
    return len(records)
