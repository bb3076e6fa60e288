"""The event table: writing a batch, reading by position, id, reference or recorded instant.

Backend-neutral SQL (``?`` placeholders) run through a :class:`~events.store.store.Tx`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import msgspec

from events.model.catalog import SCHEMA_VERSIONS, UPCASTERS, Event, Source, decode_stored
from events.model.clock import format_instant
from events.model.errors import NotFound
from events.tables.tx import Tx, scalar


class StoredEvent(msgspec.Struct, frozen=True):
    """An event as the log holds it: the event plus the position and recorded instant the store gave it, and who
    made the append (``recorded_by``: a key's name; ``proposed_by``: the proposer of an accepted proposal; None
    for appends made without a key, on the service's host)."""

    position: int
    recorded: str
    event: Event
    recorded_by: str | None = None
    proposed_by: str | None = None


class Attribution(msgspec.Struct, frozen=True):
    """Who made an append: the key that recorded it and, for an accepted proposal, the key that proposed it."""

    recorded_by: str | None = None
    proposed_by: str | None = None


#: An append made without a key (the CLI, the seed).
UNATTRIBUTED = Attribution()


class Appended(msgspec.Struct, frozen=True):
    """Where one event of an append landed."""

    id: str
    position: int


class AppendResult(msgspec.Struct, frozen=True):
    """The answer to an append: each event's position, the log's last position, and whether anything was new."""

    appended: list[Appended]
    last_position: int
    created: bool


_COLUMNS = "position, recorded, schema_version, body"
#: Ids per ``IN (...)`` lookup: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
_IDS_PER_QUERY = 5000


def _stored(row: tuple[Any, ...]) -> StoredEvent:
    position, recorded, version, body = row
    return StoredEvent(position, recorded, decode_stored(body, version))


def last_position(tx: Tx) -> int:
    """The newest position, 0 when the log is empty."""
    row = tx.fetchone("SELECT max(position) FROM events")
    return row[0] or 0 if row else 0


def last_recorded(tx: Tx) -> str | None:
    """The recorded instant of the newest event."""
    row = tx.fetchone("SELECT recorded FROM events ORDER BY position DESC LIMIT 1")
    return row[0] if row else None


def recorded_at(tx: Tx, position: int) -> str | None:
    """The recorded instant of the event at a position (None past the log's end)."""
    found: str | None = scalar(tx, "SELECT recorded FROM events WHERE position = ?", (position,))
    return found


def position_known_at(tx: Tx, known_at: dt.datetime | None) -> int | None:
    """The last position recorded at or before ``known_at`` (None means: the whole log)."""
    if known_at is None:
        return None
    instant = format_instant(known_at)
    row = tx.fetchone(_KNOWN_AT, (instant, instant))
    return row[0] if row else 0


#: A binary search over positions for the last one recorded at or before an instant: recorded rises with position
#: and positions have no gaps, so about 20 primary-key seeks at 1M events find it without an index on recorded
#: (which would cost 45 bytes per event). ``lo`` is recorded by the instant (or 0), ``hi`` is not past the answer.
_KNOWN_AT = (
    "WITH RECURSIVE b(lo, hi) AS (SELECT CAST(0 AS BIGINT), CAST(coalesce(max(position), 0) AS BIGINT) FROM events"
    " UNION ALL SELECT CASE WHEN m.recorded <= ? THEN m.position ELSE b.lo END,"
    " CASE WHEN m.recorded <= ? THEN b.hi ELSE m.position - 1 END"
    " FROM b JOIN events m ON m.position = (b.lo + b.hi + 1) / 2 WHERE b.lo < b.hi)"
    " SELECT lo FROM b WHERE lo = hi"
)


def insert(tx: Tx, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert event rows (position, id, type, recorded, schema_version, body)."""
    tx.executemany(
        "INSERT INTO events (position, id, type, recorded, schema_version, body) VALUES (?, ?, ?, ?, ?, ?)", rows)


def insert_attributions(tx: Tx, rows: Sequence[tuple[int, str | None, str | None]]) -> None:
    """Record who made the events at these positions: (position, recorded_by, proposed_by)."""
    if rows:
        tx.executemany("INSERT INTO attributions (position, recorded_by, proposed_by) VALUES (?, ?, ?)", rows)


def attributed(tx: Tx, stored: list[StoredEvent]) -> list[StoredEvent]:
    """The events with their attributions filled in (one lookup per page of events)."""
    positions = [s.position for s in stored]
    found: dict[int, tuple[str | None, str | None]] = {}
    for start in range(0, len(positions), _IDS_PER_QUERY):
        chunk = positions[start : start + _IDS_PER_QUERY]
        for position, recorded_by, proposed_by in tx.fetchall(
            "SELECT position, recorded_by, proposed_by FROM attributions"
            f" WHERE position IN ({','.join('?' * len(chunk))})", chunk
        ):
            found[position] = (recorded_by, proposed_by)
    if not found:
        return stored
    return [msgspec.structs.replace(s, recorded_by=found[s.position][0], proposed_by=found[s.position][1])
            if s.position in found else s for s in stored]


#: The kinds of reference ``event_refs`` keeps: those :func:`read` filters by.
REF_KINDS = frozenset({"actor", "topic"})


def insert_refs(tx: Tx, rows: Sequence[tuple[Any, ...]]) -> None:
    """Index the events by the actors, topics and conditions they name: (kind, ref, position)."""
    if rows:
        tx.executemany("INSERT INTO event_refs (ref_kind, ref, position) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", rows)


def existing(tx: Tx, ids: Sequence[str]) -> dict[str, tuple[int, str]]:
    """Map each id already in the log to (position, body)."""
    found: dict[str, tuple[int, str]] = {}
    ids = list(ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for event_id, position, body in tx.fetchall(
            f"SELECT id, position, body FROM events WHERE id IN ({marks})", chunk
        ):
            found[event_id] = (position, body)
    return found


def read(
    tx: Tx,
    *,
    after: int = 0,
    limit: int | None = None,
    type: str | None = None,
    actor: str | None = None,
    topic: str | None = None,
    until: int | None = None,
    recorded_by: str | None = None,
) -> list[StoredEvent]:
    """Events after a position in log order, filtered by type, actor or topic they name, or who recorded them."""
    sql = f"SELECT {_COLUMNS} FROM events e WHERE position > ?"
    params: list[Any] = [after]
    if until is not None:
        sql += " AND position <= ?"
        params.append(until)
    if type is not None:
        sql += " AND type = ?"
        params.append(type)
    for kind, ref in (("actor", actor), ("topic", topic)):
        if ref is not None:
            sql += " AND position IN (SELECT position FROM event_refs WHERE ref_kind = ? AND ref = ?)"
            params += [kind, ref]
    if recorded_by is not None:
        sql += " AND position IN (SELECT position FROM attributions WHERE recorded_by = ?)"
        params.append(recorded_by)
    sql += " ORDER BY position"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return attributed(tx, [_stored(row) for row in tx.fetchall(sql, params)])


def read_positions(tx: Tx, positions: Sequence[int]) -> list[StoredEvent]:
    """The events at the given positions (in position order; positions past the log's end are left out)."""
    wanted = sorted(set(positions))
    out: list[StoredEvent] = []
    for start in range(0, len(wanted), _IDS_PER_QUERY):
        chunk = wanted[start: start + _IDS_PER_QUERY]
        marks = ",".join("?" * len(chunk))
        out += [_stored(row) for row in
                tx.fetchall(f"SELECT {_COLUMNS} FROM events WHERE position IN ({marks}) ORDER BY position", chunk)]
    return out


def get(tx: Tx, event_id: str) -> StoredEvent:
    """One event by its id."""
    row = tx.fetchone(f"SELECT {_COLUMNS} FROM events WHERE id = ?", (event_id,))
    if row is None:
        raise NotFound(f"no event with id '{event_id}'")
    return attributed(tx, [_stored(row)])[0]


def _bodies_where(tx: Tx, column: str, values: Sequence[Any]) -> Iterator[tuple[str, int, str]]:
    """(id, schema_version, body) of the stored events whose ``column`` (id or position) is among ``values``."""
    values = list(dict.fromkeys(values))
    for start in range(0, len(values), _IDS_PER_QUERY):
        chunk = values[start : start + _IDS_PER_QUERY]
        yield from tx.fetchall(
            f"SELECT id, schema_version, body FROM events WHERE {column} IN ({','.join('?' * len(chunk))})", chunk
        )


def bodies(tx: Tx, ids: Sequence[str]) -> dict[str, Event]:
    """The stored events with the given ids, decoded."""
    return {event_id: decode_stored(body, version) for event_id, version, body in _bodies_where(tx, "id", ids)}


class _Cited(msgspec.Struct):
    """The two fields an answer cites from an event; decoding skips the rest of the body."""

    sources: tuple[Source, ...] = ()
    summary: str | None = None


_cited = msgspec.json.Decoder(_Cited)


def cited_fields(body: str, schema_version: int) -> tuple[tuple[Source, ...], str | None]:
    """The sources and summary of one stored event body (what evidence shows of it)."""
    if schema_version == 1 and not UPCASTERS:
        fields = _cited.decode(body)
        return fields.sources, fields.summary
    event = decode_stored(body, schema_version)
    return event.sources, event.summary


def cited(
    tx: Tx, ids: Sequence[str], positions: Sequence[int] = ()
) -> dict[str, tuple[tuple[Source, ...], str | None]]:
    """The sources and summary of the stored events with the given ids (what evidence shows of them).

    ``positions`` are where most of them are expected (a fact row's ``fact_position``): those are
    read by primary key, and only the ids not found there by the id index.
    """
    out: dict[str, tuple[tuple[Source, ...], str | None]] = {}
    wanted = set(ids)

    def take(rows: Iterator[tuple[str, int, str]]) -> None:
        for event_id, version, body in rows:
            if event_id in wanted:
                out[event_id] = cited_fields(body, version)

    take(_bodies_where(tx, "position", positions))
    take(_bodies_where(tx, "id", [event_id for event_id in wanted if event_id not in out]))
    return out


def read_since(tx: Tx, recorded_after: dt.datetime, limit: int | None = None) -> list[StoredEvent]:
    """Events recorded strictly after an instant, in log order."""
    sql = f"SELECT {_COLUMNS} FROM events WHERE position > ? ORDER BY position"
    params: list[Any] = [position_known_at(tx, recorded_after)]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return attributed(tx, [_stored(row) for row in tx.fetchall(sql, params)])


def schema_version(event: Event) -> int:
    """The schema version new events of this type are written with."""
    return SCHEMA_VERSIONS[event.type]
