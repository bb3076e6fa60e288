"""Time-driven change records: future-dated facts whose day arrives, and condition deadlines that pass.

An append announces what it changes up to the day it is recorded; a fact dated later
changes the present only when its day arrives. :func:`announce` writes those records
for every day in (since, through]. It runs before each append (catching up on days
that passed) and from the scheduler (at the day itself), so the change records come
out the same whether or not a scheduler was running — and a rebuild, which replays
appends and catches up the same way, reproduces them exactly.

The table ``watermarks`` records every advance of the last announced day with the log
position it happened at; a rebuild replays them at the same positions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from events.model import dates
from events.projections import changes
from events.projections.changes import Snapshot
from events.projections.facts import CONDITIONS, effective_row
from events.tables.tx import Tx

#: Marks a record written because its day arrived (not because of an append).
_SCHEDULED = '{"scheduled":true}'
_ONE_DAY = dt.timedelta(days=1)


def watermark(tx: Tx) -> str | None:
    """The last day announced (ISO text), or None before the first append."""
    row = tx.fetchone("SELECT max(through) FROM watermarks")
    return row[0] if row else None


def _arrivals(tx: Tx, since: str, through: str) -> list[tuple[str, str, str]]:
    """(day, actor, topic) whose stance or a condition it names starts on a day in (since, through]
    by a fact recorded before that day."""
    keys = tx.fetchall(
        "SELECT DISTINCT s.valid_from, s.actor, s.topic FROM stance_intervals s JOIN events e"
        f" ON e.position = s.created_pos WHERE {_STANCE_DAYS} AND s.valid_from <= ?"
        " AND substr(e.recorded, 1, 10) < s.valid_from",
        (since, through),
    )
    keys += tx.fetchall(
        "SELECT DISTINCT c.valid_from, d.actor, d.topic FROM condition_intervals c JOIN events e"
        " ON e.position = c.created_pos JOIN condition_dependents d ON d.condition = c.condition"
        f" WHERE {_CONDITION_DAYS} AND c.valid_from <= ?"
        " AND substr(e.recorded, 1, 10) < c.valid_from",
        (since, through),
    )
    return sorted(set(keys))


# Current fact rows starting after a day (one placeholder). Rows are found by key: every topic and
# condition a row names is registered, so each registered one is a range seek in an index that starts
# with it (``(topic, valid_from)``, the conditions' effect index), instead of a pass over every row.
_STANCE_DAYS = ("s.topic IN (SELECT id FROM registry WHERE kind = 'topic') AND s.valid_from > ?"
                " AND s.superseded_pos IS NULL")
_CONDITION_DAYS = ("c.condition IN (SELECT id FROM registry WHERE kind = 'condition') AND c.valid_from > ?"
                   " AND c.superseded_pos IS NULL")


def _overdue(tx: Tx, since: str, through: str) -> list[tuple[str, str, str, str]]:
    """(day after deadline, condition, deadline text, event id) for deadlines ending in [since, through)."""
    found = []
    for ident, event_id, data in tx.fetchall(
        "SELECT id, event_id, data FROM registry WHERE kind = 'condition' AND data LIKE '%\"deadline\"%'"
    ):
        deadline = msgspec.json.decode(data).get("deadline")
        if not deadline:
            continue
        due = dates.day_after(deadline).isoformat()
        if since < due <= through:
            found.append((due, ident, deadline, event_id))
    return sorted(found)


def announce(tx: Tx, since: str | None, through: str, position: int) -> int:
    """Write the change records of days in (since, through]; returns how many were written."""
    if since is None or through <= since:
        return 0
    rows: list[tuple[Any, ...]] = []
    for day, actor, topic in _arrivals(tx, since, through):
        previous = (dt.date.fromisoformat(day) - _ONE_DAY).isoformat()
        snap = Snapshot.load(tx, (actor, topic), previous, day, None)
        before, _ = snap.state(previous)
        after, _ = snap.state(day)
        if before != after:
            cause = snap.cause_on(day, -1)
            kind = "new" if before[2] == after[2] else "disputed" if after[2] else "settled"
            rows.append((day, kind, actor, topic, day, before[0], before[1], int(before[2]), after[0], after[1],
                         int(after[2]), cause, position, f"{day}T00:00:00.000000Z", _SCHEDULED))
    for day, condition, deadline, event_id in _overdue(tx, since, through):
        status_row = effective_row(CONDITIONS.rows(tx, (condition,), start=day, end=day, pos=None), day)
        if status_row is None or status_row["status"] == "pending":
            detail = msgspec.json.encode({"condition": condition, "deadline": deadline}).decode()
            rows.append((day, "overdue", None, None, day, None, None, None, None, None, None, event_id, position,
                         f"{day}T00:00:00.000000Z", detail))
    rows.sort(key=lambda r: (r[0], r[1] != "overdue", r[2] or "", r[3] or ""))
    changes.insert(tx, [r[1:] for r in rows])
    return len(rows)


def upcoming(tx: Tx, after: str) -> list[str]:
    """Days after ``after`` on which something will be announced (future facts and deadlines)."""
    days: set[str] = set()
    for table, where in (("stance_intervals s", _STANCE_DAYS), ("condition_intervals c", _CONDITION_DAYS)):
        days |= {r[0] for r in tx.fetchall(f"SELECT DISTINCT valid_from FROM {table} WHERE {where}", (after,))}
    days |= {due for due, *_ in _overdue(tx, after, "9999-12-31")}
    return sorted(days)


def catch_up(tx: Tx, through: str, position: int) -> int:
    """Announce every day after the watermark up to ``through`` and move the watermark there.

    Each advance is recorded with the log position it happened at, so that a rebuild
    can replay the announcements at the same points between appends.
    """
    since = watermark(tx)
    if since is not None and through <= since:
        return 0
    written = announce(tx, since, through, position)
    tx.execute("INSERT INTO watermarks (position, through) VALUES (?, ?) ON CONFLICT DO NOTHING", (position, through))
    return written


def advances(tx: Tx) -> list[tuple[int, str]]:
    """Every recorded advance of the watermark, in order: (log position, day announced through)."""
    return tx.fetchall("SELECT position, through FROM watermarks ORDER BY position, through")


class Replay:
    """Re-announces recorded watermark advances during a rebuild, at the log positions they happened at."""

    def __init__(self, tx: Tx):
        self.tx = tx
        self.pending = advances(tx)
        self.through: str | None = None

    def until(self, position: int) -> None:
        """Replay every advance made at or before ``position``."""
        while self.pending and self.pending[0][0] <= position:
            at, through = self.pending.pop(0)
            if self.through is None or through > self.through:
                announce(self.tx, self.through, through, at)
                self.through = through
