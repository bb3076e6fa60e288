"""The search table: one row per version of an event, and the full-text query in each backend's syntax.

The words are indexed by the backend (``schema.SEARCH.fulltext``); the query arrives parsed
(``events/model/search_syntax.py``), so only well-formed syntax reaches FTS5 or ``to_tsquery``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from events.model import search_syntax
from events.tables.tx import Tx

_COLUMNS = ("created_pos, superseded_pos, event_id, position, type, earliest, latest, second, actors, topics, body,"
            " schema_version, words")


def insert(tx: Tx, rows: Sequence[Sequence[Any]]) -> None:
    """Add versions: rows of the columns in table order (``superseded_pos`` None)."""
    if rows:
        tx.executemany(f"INSERT INTO search_entries ({_COLUMNS}) VALUES ({', '.join('?' * 13)})", rows)


def supersede(tx: Tx, event_id: str, position: int) -> None:
    """End the current version of an event at ``position`` (a correction or retraction of it)."""
    tx.execute("UPDATE search_entries SET superseded_pos = ? WHERE event_id = ? AND superseded_pos IS NULL",
               (position, event_id))


@dataclass(frozen=True)
class Filters:
    """What narrows a search besides its words: type, an actor or topic named, valid time overlapping a range."""

    type: str | None = None
    actor: str | None = None
    topic: str | None = None
    start: str | None = None
    end: str | None = None


@dataclass(frozen=True)
class Match:
    """One matching version, in rank order: enough to count facets and, for a page, to load the event."""

    created_pos: int
    position: int
    type: str
    earliest: str
    latest: str
    actors: str
    topics: str
    body: str | None
    schema_version: int


def _like(ident: str) -> str:
    """A LIKE pattern finding ``"ident"`` in a JSON list of ids (``_`` and ``%`` taken literally)."""
    escaped = ident.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f'%"{escaped}"%'


def matches(tx: Tx, query: search_syntax.Query, filters: Filters, pos: int | None) -> list[Match]:
    """Every version matching, visible at log position ``pos`` (None: now), best first, ties newest first."""
    where: list[str] = []
    params: list[Any] = []
    if pos is None:
        where.append("s.superseded_pos IS NULL")
    else:
        where.append("s.created_pos <= ? AND (s.superseded_pos IS NULL OR s.superseded_pos > ?)")
        params += [pos, pos]
    if filters.type is not None:
        where.append("s.type = ?")
        params.append(filters.type)
    for column, ident in (("actors", filters.actor), ("topics", filters.topic)):
        if ident is not None:
            where.append(f"s.{column} LIKE ? ESCAPE '\\'")
            params.append(_like(ident))
    if filters.start is not None:
        where.append("s.latest >= ?")
        params.append(filters.start)
    if filters.end is not None:
        where.append("s.earliest <= ?")
        params.append(filters.end)
    columns = "s.created_pos, s.position, s.type, s.earliest, s.latest, s.actors, s.topics, s.body, s.schema_version"
    if tx.dialect == "postgresql":
        sql = (f"SELECT {columns} FROM search_entries s, to_tsquery('english', ?) q"
               f" WHERE s.words_tsv @@ q AND {' AND '.join(where)}"
               " ORDER BY ts_rank_cd(s.words_tsv, q) DESC, s.earliest DESC, s.second DESC, s.position DESC")
        params.insert(0, search_syntax.tsquery(query))
    else:
        sql = (f"SELECT {columns} FROM search_entries_fts f JOIN search_entries s ON s.created_pos = f.rowid"
               f" WHERE search_entries_fts MATCH ? AND {' AND '.join(where)}"
               # bm25 is lower for better matches; rounded so that near-equal scores tie and go by date
               " ORDER BY round(bm25(search_entries_fts), 6), s.earliest DESC, s.second DESC, s.position DESC")
        params.insert(0, search_syntax.fts5(query))
    return [Match(*row) for row in tx.fetchall(sql, params)]
