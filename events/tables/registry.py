"""The registry projection: every actor, topic, condition, declaration and claim the log defines."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from events.model.catalog import Event
from events.tables.tx import Tx


def rows(event: Event, position: int) -> list[tuple[Any, ...]]:
    """The registry rows for the ids an event defines."""
    out = []
    for kind, ident in event.defines():
        name, data = event.registry_entry()
        out.append((kind, ident, event.id, position, name, msgspec.json.encode(data).decode()))
    return out


def insert(tx: Tx, entries: list[tuple[Any, ...]]) -> None:
    """Record defined ids: rows from :func:`rows`."""
    if entries:
        tx.executemany("INSERT INTO registry (kind, id, event_id, position, name, data) VALUES (?, ?, ?, ?, ?, ?)",
                       entries)


def update(tx: Tx, event: Event) -> None:
    """Apply a corrected version of a defining event (its ids stay the same)."""
    for kind, ident in event.defines():
        name, data = event.registry_entry()
        tx.execute(
            "UPDATE registry SET name = ?, data = ? WHERE kind = ? AND id = ?",
            (name, msgspec.json.encode(data).decode(), kind, ident),
        )


def known(tx: Tx, refs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Which of the (kind, id) pairs are defined, mapped to the defining event's id."""
    found: dict[tuple[str, str], str] = {}
    by_kind: dict[str, set[str]] = {}
    for kind, ident in refs:
        by_kind.setdefault(kind, set()).add(ident)
    for kind, idents in by_kind.items():
        ids = sorted(idents)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for ident, event_id in tx.fetchall(
                f"SELECT id, event_id FROM registry WHERE kind = ? AND id IN ({marks})", (kind, *chunk)
            ):
                found[(kind, ident)] = event_id
    return found


def entries(tx: Tx, kind: str, pos: int | None = None) -> list[dict[str, Any]]:
    """Every entry of a kind (as the log stood at ``pos``), ordered by id."""
    sql = "SELECT id, event_id, position, name, data FROM registry WHERE kind = ?"
    params: list[Any] = [kind]
    if pos is not None:
        sql += " AND position <= ?"
        params.append(pos)
    rows = tx.fetchall(sql + " ORDER BY id", params)
    return [
        {"id": r[0], "event_id": r[1], "position": r[2], "name": r[3], **msgspec.json.decode(r[4])} for r in rows
    ]


def entry(tx: Tx, kind: str, ident: str, pos: int | None = None) -> dict[str, Any] | None:
    """One registry entry, or None."""
    sql = "SELECT id, event_id, position, name, data FROM registry WHERE kind = ? AND id = ?"
    params: list[Any] = [kind, ident]
    if pos is not None:
        sql += " AND position <= ?"
        params.append(pos)
    r = tx.fetchone(sql, params)
    if r is None:
        return None
    return {"id": r[0], "event_id": r[1], "position": r[2], "name": r[3], **msgspec.json.decode(r[4])}
