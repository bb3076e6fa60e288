"""Bitemporal fact tables: the shared machinery behind stance, condition and membership history.

A *fact* says "from this date on, this key has this value" (a stance, a condition
status, a membership). Each table row is one version of one fact. ``created_pos`` and
``superseded_pos`` bound the log positions for which the row was part of the
projection, so the table answers "as the log stood at position P" directly.
Among the rows visible at P, the one in effect on a day is the one with the greatest
``(valid_from, fact_position)`` not after that day; ``valid_to`` caches the next
row's ``valid_from`` for current rows, so current answers need no ordering at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from events.dates import EDTFDate

ROW_META = (
    "row_id", "valid_from", "valid_to", "latest", "exact", "date_text", "event_id", "correction_id", "fact_position",
    "created_pos", "superseded_pos",
)


def visible(pos: int | None, alias: str = "") -> tuple[str, list[int]]:
    """SQL (and params) selecting rows that were part of the projection at log position ``pos``."""
    a = f"{alias}." if alias else ""
    if pos is None:
        return f"{a}superseded_pos IS NULL", []
    return f"{a}created_pos <= ? AND ({a}superseded_pos IS NULL OR {a}superseded_pos > ?)", [pos, pos]


@dataclass(frozen=True)
class FactTable:
    """One bitemporal fact table: its name, key columns and value columns."""

    table: str
    key: tuple[str, ...]
    values: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column a row read from this table carries, in order."""
        return (*self.key, *self.values, *ROW_META)

    def _key_sql(self) -> str:
        return " AND ".join(f"{column} = ?" for column in self.key)

    def insert(
        self,
        tx: Any,
        key: Sequence[str],
        date: EDTFDate,
        values: Sequence[Any],
        *,
        event_id: str,
        fact_position: int,
        created_pos: int,
        correction_id: str | None = None,
    ) -> None:
        """Add a fact version; call :meth:`relink` for the key afterwards."""
        names = (*self.key, *self.values, "valid_from", "latest", "exact", "date_text", "event_id",
                 "correction_id", "fact_position", "created_pos")
        params = (*key, *values, date.earliest.isoformat(), date.latest.isoformat(), int(date.exact), date.text,
                  event_id, correction_id, fact_position, created_pos)
        tx.execute(f"INSERT INTO {self.table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", params)

    def supersede_event(self, tx: Any, event_id: str, at_position: int) -> list[tuple[tuple[str, ...], str]]:
        """End the current rows of an event (corrected or retracted); return their (key, valid_from)."""
        keys = ", ".join(self.key)
        rows = tx.fetchall(
            f"SELECT {keys}, valid_from FROM {self.table} WHERE event_id = ? AND superseded_pos IS NULL", (event_id,)
        )
        if rows:
            tx.execute(
                f"UPDATE {self.table} SET superseded_pos = ?, valid_to = NULL"
                " WHERE event_id = ? AND superseded_pos IS NULL",
                (at_position, event_id),
            )
        n = len(self.key)
        return [(tuple(row[:n]), row[n]) for row in rows]

    def relink(self, tx: Any, key: Sequence[str], from_day: str) -> None:
        """Recompute ``valid_to`` of the key's current rows from the one in effect before ``from_day`` on."""
        where = self._key_sql()
        rows = tx.fetchall(
            f"SELECT row_id, valid_from, valid_to FROM {self.table}"
            f" WHERE {where} AND superseded_pos IS NULL AND valid_from >= coalesce("
            f"(SELECT max(valid_from) FROM {self.table} WHERE {where} AND superseded_pos IS NULL AND valid_from < ?),"
            " ?) ORDER BY valid_from, fact_position, row_id",
            (*key, *key, from_day, from_day),
        )
        updates = []
        for i, (row_id, _valid_from, valid_to) in enumerate(rows):
            wanted = rows[i + 1][1] if i + 1 < len(rows) else None
            if wanted != valid_to:
                updates.append((wanted, row_id))
        if updates:
            tx.executemany(f"UPDATE {self.table} SET valid_to = ? WHERE row_id = ?", updates)

    def rows(
        self, tx: Any, key: Sequence[str], *, start: str, end: str, pos: int | None
    ) -> list[dict[str, Any]]:
        """The key's rows visible at ``pos`` that are in effect at some day of [start, end], in effect order."""
        where = self._key_sql()
        vis, vis_params = visible(pos)
        cols = ", ".join(self.columns)
        rows = tx.fetchall(
            f"SELECT {cols} FROM {self.table} WHERE {where} AND {vis} AND valid_from <= ? AND valid_from >= coalesce("
            f"(SELECT max(valid_from) FROM {self.table} WHERE {where} AND {vis} AND valid_from <= ?), ?)"
            " ORDER BY valid_from, fact_position, row_id",
            (*key, *vis_params, end, *key, *vis_params, start, start),
        )
        return [dict(zip(self.columns, row)) for row in rows]

    def in_effect(
        self, tx: Any, day: str, pos: int | None, filters: dict[str, str | Iterable[str]] | None = None
    ) -> list[dict[str, Any]]:
        """For every key (matching ``filters``), the row in effect on ``day`` as the log stood at ``pos``."""
        clauses, params = [], []
        for column, value in (filters or {}).items():
            if isinstance(value, str):
                clauses.append(f"{column} = ?")
                params.append(value)
            else:
                values = list(value)
                if not values:
                    return []
                clauses.append(f"{column} IN ({','.join('?' * len(values))})")
                params += values
        cols = ", ".join(self.columns)
        if pos is None:
            where = " AND ".join(["superseded_pos IS NULL", "valid_from <= ?", "(valid_to IS NULL OR valid_to > ?)",
                                  *clauses])
            sql = f"SELECT {cols} FROM {self.table} WHERE {where} ORDER BY {', '.join(self.key)}"
            rows = tx.fetchall(sql, (day, day, *params))
            return [dict(zip(self.columns, row)) for row in rows]
        vis, vis_params = visible(pos)
        where = " AND ".join([vis, "valid_from <= ?", *clauses])
        keys = ", ".join(self.key)
        sql = (
            f"SELECT {cols} FROM (SELECT {cols}, ROW_NUMBER() OVER (PARTITION BY {keys}"
            f" ORDER BY valid_from DESC, fact_position DESC, row_id DESC) AS rn FROM {self.table} WHERE {where}) ranked"
            f" WHERE rn = 1 ORDER BY {keys}"
        )
        rows = tx.fetchall(sql, (*vis_params, day, *params))
        return [dict(zip(self.columns, row)) for row in rows]

    def history(self, tx: Any, key: Sequence[str], pos: int | None) -> list[dict[str, Any]]:
        """Every row of a key visible at ``pos``, in effect order (empty same-day losers included)."""
        vis, vis_params = visible(pos)
        cols = ", ".join(self.columns)
        rows = tx.fetchall(
            f"SELECT {cols} FROM {self.table} WHERE {self._key_sql()} AND {vis}"
            " ORDER BY valid_from, fact_position, row_id",
            (*key, *vis_params),
        )
        return [dict(zip(self.columns, row)) for row in rows]


def effective_row(rows: Sequence[dict[str, Any]], day: str) -> dict[str, Any] | None:
    """The row in effect on ``day`` among rows sorted in effect order."""
    found = None
    for row in rows:
        if row["valid_from"] <= day:
            found = row
        else:
            break
    return found


def certain(row: dict[str, Any], day: str) -> bool:
    """Whether the row's fact is certainly in effect on ``day`` (not inside an imprecise date's span)."""
    return bool(row["exact"]) or day > row["latest"]


STANCES = FactTable("stance_intervals", ("actor", "topic"), ("stance", "conditions", "quantity", "period"))
CONDITIONS = FactTable("condition_intervals", ("condition",), ("status",))
MEMBERSHIPS = FactTable("memberships", ("group_id", "member"), ("state",))
FACT_TABLES = (STANCES, CONDITIONS, MEMBERSHIPS)
