"""Stance-change records: what an append changed in the projected stance, commitment status or dispute.

For every (actor, topic) an append touched, the state timeline (stance, commitment status
and whether it is disputed, per day) as the log stood before the append is compared with the
one after it, from the earliest touched day up to the day of the append (later days change
only when they arrive; scheduled work announces them). Records are written per key whose
state differs, one per run of days over which the old and the new state differ in the same
way: ``effective`` is the run's first day; ``kind`` is ``disputed`` or ``settled`` when the
key became disputed or stopped being so, else ``new`` for the run that reaches the day of the
append (the present changed) and ``revision`` for runs wholly in the past.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

import msgspec

from events.model.vocabulary import commitment_status
from events.projections import disputes
from events.projections.disputes import Resolution, Ruling
from events.projections.facts import CONDITIONS, STANCES, effect_order
from events.tables.tx import Tx, scalar

#: (stance, commitment status, disputed) on a day.
State = tuple[str | None, str | None, bool]
_decode_list = msgspec.json.Decoder(list[str])


def decode_names(text: str) -> list[str]:
    """Condition ids from a stance row's ``conditions`` JSON list."""
    return [] if text == "[]" else _decode_list.decode(text)



def _cause(row: dict[str, Any]) -> str:
    """The event that gave a fact row: the correction that gave this version, else the fact's own event."""
    cause: str = row["correction_id"] or row["event_id"]
    return cause

class Series:
    """Rows of one key in effect order, with their start days for binary search."""

    __slots__ = ("rows", "starts")

    def __init__(self, rows: list[dict[str, Any]]):
        self.rows = rows
        self.starts = [row["valid_from"] for row in rows]

    def at(self, day: str) -> dict[str, Any] | None:
        """The row in effect on ``day``: the last one starting on or before it."""
        i = bisect_right(self.starts, day)
        return self.rows[i - 1] if i else None

    def starting(self, start: str, end: str) -> list[str]:
        """Start days in (start, end]."""
        return self.starts[bisect_right(self.starts, start) : bisect_right(self.starts, end)]


#: The rows of a key or condition with no rows at all.
NO_ROWS = Series([])


class Snapshot:
    """A key's stance rows, the rows competing with them, the rulings on the key and the rows of the conditions they
    name, in effect order, at one log position."""

    def __init__(self, rows: Series, conditions: dict[str, Series],
                 rivals: dict[int, list[dict[str, Any]]] | None = None, rulings: list[Ruling] | None = None):
        self.rows = rows
        # In name order: callers build this from sets, whose order changes from one process to the next,
        # and a rebuild must find the same causes as the append it replays.
        self.conditions = dict(sorted(conditions.items()))
        #: Row id -> the rows before it in effect order that compete with it (visible at the snapshot's position).
        self.rivals = rivals or {}
        self.rulings = rulings or []

    @classmethod
    def load(cls, tx: Tx, key: tuple[str, str], start: str, end: str, pos: int | None) -> Snapshot:
        """Read the rows in effect at some day of [start, end] as the log stood at ``pos``."""
        rows = STANCES.rows(tx, key, start=start, end=end, pos=pos)
        rivals = load_rivals(tx, rows, pos)
        names: set[str] = set()
        for row in [*rows, *(rival for found in rivals.values() for rival in found)]:
            names.update(condition_names(row))
        conditions = {name: Series(CONDITIONS.rows(tx, (name,), start=start, end=end, pos=pos)) for name in names}
        rulings = disputes.rulings_for(tx, [key], pos).get(key, []) if rivals else []
        return cls(Series(rows), conditions, rivals, rulings)

    def answer(self, day: str) -> Resolution | None:
        """The row the key answers with on ``day`` and the versions competing with it (None before any stance)."""
        row = self.rows.at(day)
        if row is None:
            return None
        return disputes.resolve(row, self.rivals.get(row["row_id"], ()), self.rulings)

    def days(self, start: str, end: str) -> set[str]:
        """Days in (start, end] on which something in this snapshot may change: a stance row starts, or a
        condition named by the row in effect at the time changes."""
        rows, starts = self.rows.rows, self.rows.starts
        found = set(self.rows.starting(start, end))
        first = max(bisect_right(starts, start) - 1, 0)
        for i in range(first, bisect_right(starts, end)):
            names = condition_names(rows[i])
            for rival in self.rivals.get(rows[i]["row_id"], ()):  # a rival's conditions may decide the answer
                names = [*names, *condition_names(rival)]
            if not names:
                continue
            low = max(starts[i], start)
            high = min(starts[i + 1], end) if i + 1 < len(starts) else end
            for name in names:
                found.update(self.conditions.get(name, NO_ROWS).starting(low, high))
        return found

    def cause_on(self, day: str, before: int) -> str | None:
        """The event appended after ``before`` whose fact starts on ``day``, if any: the stance's own, else the
        change of the first named condition (in name order) that changed that day."""
        row = self.rows.at(day)
        if row is not None and row["valid_from"] == day and row["created_pos"] > before:
            return _cause(row)
        for series in self.conditions.values():
            condition_row = series.at(day)
            if condition_row is not None and condition_row["valid_from"] == day \
                    and condition_row["created_pos"] > before:
                return _cause(condition_row)
        if row is not None and row["created_pos"] > before:
            return _cause(row)
        return None

    def state(self, day: str) -> tuple[State, dict[str, Any] | None]:
        """(stance, commitment status, disputed) on a day, and the stance row the answer shows."""
        answer = self.answer(day)
        if answer is None:
            return (None, None, False), None
        row = answer.row
        names = condition_names(row)
        if not names:
            return (row["stance"], commitment_status(row["stance"], []), answer.disputed), row
        statuses = []
        for name in names:
            condition_row = self.conditions.get(name, NO_ROWS).at(day)
            statuses.append(condition_row["status"] if condition_row else "pending")
        return (row["stance"], commitment_status(row["stance"], statuses), answer.disputed), row


def load_rivals(tx: Tx, rows: list[dict[str, Any]], pos: int | None,
                known: dict[int, dict[str, Any]] | None = None) -> dict[int, list[dict[str, Any]]]:
    """For each flagged row among ``rows``, the rows competing with it from before it that are visible at ``pos``
    (in effect order); ``known`` rows by id need not be read again."""
    pairs = disputes.earlier_of(tx, [row["row_id"] for row in rows if row.get("rivalled")])
    if not pairs:
        return {}
    known = known or {}
    missing = {earlier for found in pairs.values() for earlier in found if earlier not in known}
    by_id = {**known, **disputes.rows_by_id(tx, missing, pos)} if missing else known
    rivals = {}
    for later, found in pairs.items():
        visible = [by_id[earlier] for earlier in found if earlier in by_id]
        if visible:
            rivals[later] = sorted(visible, key=effect_order)
    return rivals


def condition_names(row: dict[str, Any]) -> list[str]:
    """The condition ids a stance row names (decoded once per row)."""
    names = row.get("_names")
    if names is None:
        names = row["_names"] = decode_names(row["conditions"])
    return names


_EQUAL = object()  # a day on which old and new states are known to be equal


def differing(old_rows: list[dict[str, Any]], new_rows: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """Sorted, disjoint windows [a, b) (b None: open-ended) outside which both row lists put the same row in
    effect every day.

    Rows are shared between the old and the new list when unchanged, so a row in only
    one of them marks a window from its start to the next start in either list.
    """
    if old_rows is new_rows:
        return []
    old_ids = {id(row) for row in old_rows}
    new_ids = {id(row) for row in new_rows}
    changed = [r for r in old_rows if id(r) not in new_ids] + [r for r in new_rows if id(r) not in old_ids]
    if not changed:
        return []
    starts = sorted({r["valid_from"] for r in old_rows} | {r["valid_from"] for r in new_rows})
    windows = []
    for row in changed:
        i = bisect_right(starts, row["valid_from"])
        windows.append((row["valid_from"], starts[i] if i < len(starts) else None))
    return _union(windows)


def _union(windows: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Windows [a, b) (b None: open-ended) merged into sorted, disjoint ones covering the same days."""
    merged: list[tuple[str, str | None]] = []
    for a, b in sorted(windows, key=lambda w: w[0]):
        if merged and (merged[-1][1] is None or a <= merged[-1][1]):
            last_a, last_b = merged[-1]
            merged[-1] = (last_a, None if last_b is None or b is None else max(last_b, b))
        else:
            merged.append((a, b))
    return merged


def compare(key: tuple[str, ...], start: str, today: str, old: Snapshot, new: Snapshot, before: int,
            fallback_cause: str | None, condition_windows: dict[str, list[tuple[str, str | None]]],
            dispute_windows: Sequence[tuple[str, str | None]] = ()) -> list[tuple[Any, ...]]:
    """The change records (as rows without their trailing position/recorded/detail) for one key.

    Only days inside a window where a stance row, a named condition's row or the key's disputes
    (``dispute_windows``: new competing rows, changed rulings) differ are evaluated; elsewhere the
    old and new states are equal by construction.
    """
    windows = differing(old.rows.rows, new.rows.rows) + list(dispute_windows)
    for name in old.conditions.keys() | new.conditions.keys():
        windows.extend(condition_windows.get(name, ()))
    windows = [(max(a, start), b) for a, b in windows if a <= today and (b is None or b > start)]
    if not windows:
        return []
    days = {start}
    merged = _union(windows)
    for a, b in merged:
        end = today if b is None or b > today else b
        days.add(a)
        if b is not None and b <= today:
            days.add(b)
        days |= old.days(a, end) | new.days(a, end)
    found: list[list[Any]] = []
    previous: Any = None
    window = 0
    for day in sorted(days):
        while window < len(merged) and (until := merged[window][1]) is not None and until <= day:
            window += 1
        if window == len(merged) or day < merged[window][0]:
            previous = _EQUAL
            continue
        old_state, _ = old.state(day)
        new_state, _ = new.state(day)
        pair = (old_state, new_state)
        if old_state != new_state and pair != previous:
            cause = new.cause_on(day, before) or fallback_cause
            found.append([day, old_state, new_state, cause, "revision"])
        previous = pair
    if found and previous is not _EQUAL and previous[0] != previous[1]:
        found[-1][4] = "new"  # its run reaches the day of the append: the present changed
    for record in found:
        if record[1][2] != record[2][2]:
            record[4] = "disputed" if record[2][2] else "settled"
    return [(kind, key[0], key[1], day, o[0], o[1], int(o[2]), n[0], n[1], int(n[2]), cause)
            for day, o, n, cause, kind in found]


def insert(tx: Tx, rows: list[tuple[Any, ...]]) -> None:
    """Append change records (kind, actor, topic, effective, before x3, after x3, event, position, recorded,
    detail): before and after are (stance, status, disputed)."""
    if rows:
        # Sequence numbers are handed out under the write lock: gap-free and in commit order on every backend.
        first = (scalar(tx, "SELECT max(seq) FROM changes") or 0) + 1
        tx.executemany(
            "INSERT INTO changes (seq, kind, actor, topic, effective, before_stance, before_status, before_disputed,"
            " after_stance, after_status, after_disputed, event_id, position, recorded, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(first + offset, *row) for offset, row in enumerate(rows)],
        )
