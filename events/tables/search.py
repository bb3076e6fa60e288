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

_COLUMNS = "created_pos, superseded_pos, position, type, earliest, latest, second, actors, topics, body, schema_version"


def insert(tx: Tx, rows: Sequence[Sequence[Any]]) -> None:
    """Add versions: rows of the columns in table order (``superseded_pos`` None), each followed by its words, which
    only the backend's full-text index keeps."""
    if not rows:
        return
    if tx.dialect == "postgresql":
        tx.executemany(f"INSERT INTO search_entries ({_COLUMNS}, words_tsv)"
                       f" VALUES ({', '.join('?' * 11)}, to_tsvector('english', ?))", rows)
        return
    tx.executemany(f"INSERT INTO search_entries ({_COLUMNS}) VALUES ({', '.join('?' * 11)})", [r[:-1] for r in rows])
    tx.executemany("INSERT INTO search_entries_fts (rowid, words) VALUES (?, ?)", [(r[0], r[-1]) for r in rows])


def clear(tx: Tx) -> None:
    """Empty the table and its full-text index (a rebuild)."""
    tx.execute("DELETE FROM search_entries")
    if tx.dialect != "postgresql":
        tx.execute("INSERT INTO search_entries_fts (search_entries_fts) VALUES ('delete-all')")


def supersede(tx: Tx, event_position: int, position: int) -> None:
    """End the current version of the event at ``event_position`` at ``position`` (a correction or retraction of
    it): the event's own version, or the one a correction gave."""
    tx.execute("UPDATE search_entries SET superseded_pos = ? WHERE created_pos = ? AND superseded_pos IS NULL",
               (position, event_position))
    tx.execute("UPDATE search_entries SET superseded_pos = ? WHERE position = ? AND created_pos <> position"
               " AND superseded_pos IS NULL", (position, event_position))


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


def names_sql(dialect: str, column: str) -> str:
    """A condition that the JSON list of ids in ``column`` holds the id given as its parameter
    (:func:`quoted`), case-sensitive on both backends."""
    return f"strpos({column}, ?) > 0" if dialect == "postgresql" else f"instr({column}, ?) > 0"


def quoted(ident: str) -> str:
    """An id as a JSON list holds it (ids have no quotes or backslashes: ``catalog.ID_PATTERN``)."""
    return f'"{ident}"'


def _like(ident: str) -> str:
    """A LIKE pattern finding ``"ident"`` in a JSON list of ids (``_`` and ``%`` taken literally)."""
    escaped = ident.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f'%"{escaped}"%'


def _matching(tx: Tx, query: search_syntax.Query, filters: Filters, pos: int | None, columns: str, *,
              ranked: bool = False) -> tuple[str, list[Any]]:
    """The SELECT of the matching versions visible at ``pos`` with ``columns``, and ``rank`` (lower is better)
    when ``ranked``."""
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
    if tx.dialect == "postgresql":
        columns += ", -ts_rank_cd(s.words_tsv, q) AS rank" if ranked else ""
        sql = (f"SELECT {columns} FROM search_entries s, to_tsquery('english', ?) q"
               f" WHERE s.words_tsv @@ q AND {' AND '.join(where)}")
        return sql, [search_syntax.tsquery(query), *params]
    # bm25 is lower for better matches; rounded so that near-equal scores tie and go by date
    columns += ", round(bm25(search_entries_fts), 6) AS rank" if ranked else ""
    sql = (f"SELECT {columns} FROM search_entries_fts f JOIN search_entries s ON s.created_pos = f.rowid"
           f" WHERE search_entries_fts MATCH ? AND {' AND '.join(where)}")
    return sql, [search_syntax.fts5(query), *params]


_PAGE_COLUMNS = "s.created_pos, s.position, s.type, s.earliest, s.latest, s.actors, s.topics, s.body, s.schema_version"


def page(tx: Tx, query: search_syntax.Query, filters: Filters, pos: int | None, limit: int,
         offset: int) -> list[Match]:
    """A page of the matching versions visible at ``pos`` (None: now), best first, ties newest first."""
    sql, params = _matching(tx, query, filters, pos, f"{_PAGE_COLUMNS}, s.second", ranked=True)
    sql = (f"SELECT created_pos, position, type, earliest, latest, actors, topics, body, schema_version FROM ({sql}) m"
           " ORDER BY rank, earliest DESC, second DESC, position DESC LIMIT ? OFFSET ?")
    return [Match(*row) for row in tx.fetchall(sql, [*params, limit, offset])]


def facets(tx: Tx, query: search_syntax.Query, filters: Filters, pos: int | None) -> dict[str, dict[str, int]]:
    """How many matching versions have each type, actor, topic and month (of the earliest day, or of the latest for
    a date with an open start), counted in the database: a word every event holds counts the whole log."""
    sql, params = _matching(tx, query, filters, pos, "s.type, s.earliest, s.latest, s.actors, s.topics")
    if tx.dialect == "postgresql":
        elements = "jsonb_array_elements_text(m.{column}::jsonb) AS j(value)"
    else:
        elements = "json_each(m.{column}) AS j"
    month = "CASE WHEN m.earliest = '0001-01-01' THEN substr(m.latest, 1, 7) ELSE substr(m.earliest, 1, 7) END"
    counted = (
        f"WITH m AS MATERIALIZED ({sql})"
        " SELECT 'type', m.type, count(*) FROM m GROUP BY m.type"
        f" UNION ALL SELECT 'month', {month}, count(*) FROM m GROUP BY {month}"
        f" UNION ALL SELECT 'actor', j.value, count(*) FROM m, {elements.format(column='actors')} GROUP BY j.value"
        f" UNION ALL SELECT 'topic', j.value, count(*) FROM m, {elements.format(column='topics')} GROUP BY j.value"
    )
    out: dict[str, dict[str, int]] = {"type": {}, "actor": {}, "topic": {}, "month": {}}
    for facet, value, count in tx.fetchall(counted, params):
        out[facet][value] = count
    return out
