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

import functools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from events.tables.tx import Tx, scalar

#: Keys per statement in :meth:`FactTable.value_on`: each is one arm of a UNION ALL, and SQLite allows 500.
_KEYS_PER_UNION = 400

ROW_META = (
    "row_id", "valid_from", "valid_to", "latest", "exact", "date_text", "event_id", "correction_id", "fact_position",
    "created_pos", "superseded_pos", "evidence",
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
    #: SQL on a stored row ``s``: a same-day loser that meets it is read by :meth:`load_current` all the
    #: same (None: no loser is). For rows whose every version counts, in effect on some day or not.
    losers_read_if: str | None = None
    #: Columns of this table's own besides key, values and the bitemporal ones (NULL in a new row).
    extra: tuple[str, ...] = ()

    @functools.cached_property
    def columns(self) -> tuple[str, ...]:
        """Every column a row read from this table carries, in order (computed once: it is on the hot path)."""
        return (*self.key, *self.values, *ROW_META, *self.extra)

    def _key_sql(self) -> str:
        return " AND ".join(f"{column} = ?" for column in self.key)

    def rows(
        self, tx: Tx, key: Sequence[str], *, start: str, end: str, pos: int | None
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
        self, tx: Tx, day: str, pos: int | None, filters: dict[str, str | Iterable[str]] | None = None
    ) -> list[dict[str, Any]]:
        """For every key (matching ``filters``), the row in effect on ``day`` as the log stood at ``pos``."""
        return [dict(zip(self.columns, row)) for row in self.effective(tx, day, pos, self.columns, filters)]

    def effective(
        self, tx: Tx, day: str, pos: int | None, columns: Sequence[str],
        filters: dict[str, str | Iterable[str]] | None = None,
    ) -> list[tuple[Any, ...]]:
        """``columns`` of the row in effect on ``day`` as the log stood at ``pos``, for every key matching ``filters``.

        In key order, one index seek per key (the cost follows the number of keys, not of rows):
        the current answer starts from each key's last current row (``idx_<table>_last``) and seeks
        back only when that row starts after ``day``; a ``known_at`` answer lists the keys with a loose
        index scan and seeks the last row visible at ``pos``.
        """
        wanted = {column: [value] if isinstance(value, str) else list(dict.fromkeys(value))
                  for column, value in (filters or {}).items()}
        if any(not values for values in wanted.values()):
            return []
        shape = tuple((column, len(values)) for column, values in wanted.items())
        sql = self._effective_sql(tuple(columns), shape, pos is None)
        if pos is None:
            return tx.fetchall(sql, (day, day, *(value for values in wanted.values() for value in values)))
        # the key CTEs take their values in key order
        return tx.fetchall(sql, (*(value for column in self.key for value in wanted.get(column, ())), pos, pos, day))

    @functools.lru_cache(maxsize=64)  # noqa: B019 - the tables are module constants: nothing is kept alive
    def _effective_sql(self, columns: tuple[str, ...], shape: tuple[tuple[str, int], ...], current: bool) -> str:
        """The statement :meth:`effective` runs, built once per shape of question (it is on the hot path)."""
        cols = ", ".join(f"s.{column}" for column in columns)
        if current:
            clauses = "".join(f" AND l.{column} IN ({', '.join('?' * count)})" for column, count in shape)
            return (
                f"SELECT {cols} FROM {self.table} l JOIN {self.table} s ON s.row_id = CASE WHEN l.valid_from <= ?"
                f" THEN l.row_id ELSE {self._seek('l', 'x.superseded_pos IS NULL')} END"
                f" WHERE l.superseded_pos IS NULL AND l.valid_to IS NULL{clauses}"
                f" ORDER BY {', '.join(f'l.{column}' for column in self.key)}"
            )
        keys, _ = self._keys({column: [""] * count for column, count in shape})
        vis, _ = visible(0, "x")
        last = self.key[-1]
        return (f"{keys} SELECT {cols} FROM k JOIN {self.table} s ON s.row_id = {self._seek('k', vis)}"
                f" WHERE k.{last} IS NOT NULL ORDER BY {', '.join(f's.{column}' for column in self.key)}")

    def _seek(self, outer: str, condition: str, column: str = "row_id", outer_key: Sequence[str] | None = None) -> str:
        """A scalar subquery: ``column`` of the last row (in effect order) of ``outer``'s key that meets
        ``condition`` and starts by the day bound to its one placeholder."""
        same = " AND ".join(f"x.{own} = {outer}.{theirs}" for own, theirs in zip(self.key, outer_key or self.key))
        return (f"(SELECT x.{column} FROM {self.table} x WHERE {same} AND {condition} AND x.valid_from <= ?"
                " ORDER BY x.valid_from DESC, x.fact_position DESC, x.row_id DESC LIMIT 1)")

    def value_on(self, tx: Tx, day: str, pos: int | None, column: str, keys: Iterable[str]) -> dict[str, Any]:
        """For a table keyed by one column: ``column`` of the row in effect on ``day`` as the log stood at
        ``pos``, for each of ``keys`` that has one.

        One seek per key, and no row read when the ``_effect`` index carries ``column`` (a condition's
        status): unlike :meth:`effective`, which starts from each key's last current row and then reads it.
        """
        keys = list(dict.fromkeys(keys))
        _, vis_params = visible(pos, "x")
        found: dict[str, Any] = {}
        for start in range(0, len(keys), _KEYS_PER_UNION):
            chunk = keys[start : start + _KEYS_PER_UNION]
            rows = tx.fetchall(self._value_on_sql(column, len(chunk), pos is None), (*vis_params, day, *chunk))
            found.update((key, value) for key, value in rows if value is not None)
        return found

    @functools.lru_cache(maxsize=64)  # noqa: B019 - the tables are module constants: nothing is kept alive
    def _value_on_sql(self, column: str, count: int, current: bool) -> str:
        """The statement :meth:`value_on` runs, built once per number of keys."""
        if len(self.key) != 1:
            raise TypeError(f"{self.table} has a key of {len(self.key)} columns: value_on takes one")
        vis, _ = visible(None if current else 0, "x")
        names = " UNION ALL ".join(["SELECT CAST(? AS TEXT) AS v"] * count)
        return f"SELECT k.v, {self._seek('k', vis, column, ('v',))} FROM ({names}) k"

    def _keys(self, filters: dict[str, list[str]]) -> tuple[str, list[str]]:
        """``WITH RECURSIVE`` CTEs ending in ``k``: every key with a row (visible or not) that matches ``filters``.

        One CTE per key column, each extending the previous one's prefixes: a filtered column takes
        the given values, any other is a loose index scan (from each prefix, the next value is one seek
        on the ``effect`` index), so listing the keys costs one seek per key, not a pass over the rows.
        A scan ends each prefix with a NULL, which the next CTE (and the caller) skips.
        """
        ctes, params = [], []
        previous: list[str] = []
        for level, column in enumerate(self.key):
            name = "k" if level == len(self.key) - 1 else f"k{level}"
            source = f"k{level - 1}" if level else None
            carried = "".join(f"{source}.{c}, " for c in previous)
            live = f" WHERE {source}.{previous[-1]} IS NOT NULL" if source else ""
            if column in filters:
                values = " UNION ALL ".join(["SELECT CAST(? AS TEXT) AS v"] * len(filters[column]))
                params += filters[column]
                body = f"SELECT {carried}v.v FROM {f'{source}, ' if source else ''}({values}) v{live}"
            else:
                first = self._next_value(column, previous, source, after=False)
                following = self._next_value(column, previous, name, after=True)
                body = (f"SELECT {carried}{first}{f' FROM {source}' if source else ''}{live} UNION ALL"
                        f" SELECT {''.join(f'{name}.{c}, ' for c in previous)}{following} FROM {name}"
                        f" WHERE {name}.{column} IS NOT NULL")
            previous.append(column)
            ctes.append(f"{name}({', '.join(previous)}) AS ({body})")
        return f"WITH RECURSIVE {', '.join(ctes)}", params

    def _next_value(self, column: str, prefix: list[str], outer: str | None, *, after: bool) -> str:
        """A scalar subquery: the least ``column`` among rows with ``outer``'s ``prefix`` (after ``outer``'s own)."""
        conditions = [f"x.{c} = {outer}.{c}" for c in prefix]
        if after:
            conditions.append(f"x.{column} > {outer}.{column}")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return f"(SELECT x.{column} FROM {self.table} x{where} ORDER BY x.{column} LIMIT 1)"

    def load_current(self, tx: Tx, starts: dict[tuple[str, ...], str], *, visible_at: int | None = None,
                     every_row: Collection[tuple[str, ...]] = ()) -> dict[tuple[str, ...], list[dict[str, Any]]]:
        """For many keys at once, the current rows from the one in effect before each key's start day on,
        same-day losers left out except for the keys in ``every_row``.

        With ``visible_at``, the rows that were current as the log stood at that position
        (an append reads them after it has ended the rows of the events it corrects).
        One query joins a temporary table of (key, day), so a batch touching thousands
        of keys costs one round trip, not thousands.

        A same-day loser is a current row followed by another current row of its day (so
        ``valid_to = valid_from``): it is in effect on no day. Appending can only add rows, and a
        new row goes after every stored row of its day or among them (its fact's position), so
        a loser stays one, with the same ``valid_to``, unless the rows after it are ended: keys
        where the append ends stored rows go in ``every_row``. Leaving the losers out changes
        no interval, state or change record, and keeps a key that is stated again and again
        on one day from costing more with every statement. ``losers_read_if`` names those
        that are read all the same.
        """
        found: dict[tuple[str, ...], list[dict[str, Any]]] = {key: [] for key in starts}
        if not starts:
            return found
        temp = f"touched_{self.table}"
        key_defs = ", ".join(f"{column} TEXT" for column in self.key)
        tx.execute(f"CREATE TEMP TABLE IF NOT EXISTS {temp} ({key_defs}, day TEXT, every_row INTEGER)")
        tx.execute(f"DELETE FROM {temp}")
        marks = ", ".join("?" * (len(self.key) + 2))
        tx.executemany(f"INSERT INTO {temp} VALUES ({marks})",
                       [(*key, day, int(key in every_row)) for key, day in starts.items()])
        on_s = " AND ".join(f"s.{c} = t.{c}" for c in self.key)
        on_x = " AND ".join(f"x.{c} = t.{c}" for c in self.key)
        cols = ", ".join(f"s.{c}" for c in self.columns)
        if visible_at is None:
            params: tuple[int, ...] = ()
            current_s, current_x = "s.superseded_pos IS NULL", "x.superseded_pos IS NULL"
        else:
            current_s = "(s.superseded_pos IS NULL OR s.superseded_pos > ?)"
            current_x = "(x.superseded_pos IS NULL OR x.superseded_pos > ?)"
            params = (visible_at, visible_at)
        read_anyway = f" OR {self.losers_read_if}" if self.losers_read_if else ""
        rows = tx.fetchall(
            f"SELECT {cols} FROM {temp} t JOIN {self.table} s ON {on_s} AND {current_s}"
            f" AND s.valid_from >= coalesce((SELECT max(x.valid_from) FROM {self.table} x WHERE {on_x}"
            f" AND {current_x} AND x.valid_from < t.day), t.day)"
            f" AND (t.every_row = 1 OR s.valid_to IS NULL OR s.valid_to <> s.valid_from{read_anyway})"
            " ORDER BY s.valid_from, s.fact_position, s.row_id",
            params,
        )
        n = len(self.key)
        for row in rows:
            found[tuple(row[:n])].append(dict(zip(self.columns, row)))
        return found

    def current_keys_of(self, tx: Tx, event_id: str) -> list[tuple[tuple[str, ...], str]]:
        """(key, valid_from) of an event's current rows."""
        keys = ", ".join(self.key)
        rows = tx.fetchall(
            f"SELECT {keys}, valid_from FROM {self.table} WHERE event_id = ? AND superseded_pos IS NULL", (event_id,)
        )
        n = len(self.key)
        return [(tuple(row[:n]), row[n]) for row in rows]

    def end(self, tx: Tx, superseded: list[tuple[int, str]]) -> None:
        """End the current rows of corrected or retracted events: (superseding position, event id) pairs."""
        if superseded:
            tx.executemany(
                f"UPDATE {self.table} SET superseded_pos = ?, valid_to = NULL"
                " WHERE event_id = ? AND superseded_pos IS NULL",
                superseded,
            )

    def write(self, tx: Tx, relinked: list[tuple[str | None, int]], inserted: list[dict[str, Any]]) -> None:
        """Move valid_to of stored rows ((valid_to, row_id) pairs) and insert new rows, numbering them."""
        if relinked:
            tx.executemany(f"UPDATE {self.table} SET valid_to = ? WHERE row_id = ?", relinked)
        if inserted:
            # Row ids are handed out here, under the write lock, so that a rebuild numbers rows the same way
            # on every backend (database sequences would not restart).
            next_id = (scalar(tx, f"SELECT max(row_id) FROM {self.table}") or 0) + 1
            for offset, row in enumerate(inserted):
                row["row_id"] = next_id + offset
            tx.executemany(
                f"INSERT INTO {self.table} ({', '.join(self.columns)}) VALUES ({', '.join('?' * len(self.columns))})",
                [tuple(row[c] for c in self.columns) for row in inserted],
            )

    def history(self, tx: Tx, key: Sequence[str], pos: int | None) -> list[dict[str, Any]]:
        """Every row of a key visible at ``pos``, in effect order (empty same-day losers included)."""
        vis, vis_params = visible(pos)
        cols = ", ".join(self.columns)
        rows = tx.fetchall(
            f"SELECT {cols} FROM {self.table} WHERE {self._key_sql()} AND {vis}"
            " ORDER BY valid_from, fact_position, row_id",
            (*key, *vis_params),
        )
        return [dict(zip(self.columns, row)) for row in rows]


_NEW_ROW = 1 << 62  # sorts rows not yet inserted (no row_id) after stored ones, in insertion order


def effect_order(row: dict[str, Any]) -> tuple[str, int, int]:
    """Sort key of a row within its key: valid_from, then the fact's log position, then insertion order."""
    row_id = row["row_id"]
    return row["valid_from"], row["fact_position"], row_id if row_id is not None else _NEW_ROW + row["seq"]


def link(rows: list[dict[str, Any]]) -> list[tuple[str | None, dict[str, Any]]]:
    """Give each current row (in effect order) the next row's valid_from.

    Returns (new valid_to, row) for the rows where it changed.
    """
    changed = []
    for i, row in enumerate(rows):
        wanted = rows[i + 1]["valid_from"] if i + 1 < len(rows) else None
        if wanted != row["valid_to"]:
            changed.append((wanted, row))
    return changed


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


# condition_dependents keeps the end of every current stance row that names a condition, losers included.
STANCES = FactTable("stance_intervals", ("actor", "topic"), ("stance", "conditions", "quantity", "period"),
                    losers_read_if="s.conditions <> '[]'", extra=("rivalled",))
CONDITIONS = FactTable("condition_intervals", ("condition",), ("status",))
MEMBERSHIPS = FactTable("memberships", ("group_id", "member"), ("state",))
