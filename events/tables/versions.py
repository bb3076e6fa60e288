"""The ``event_versions`` table: the version of each corrected event that projections use.

A correction never edits the log: it adds an ``event.corrected`` event, and this table
keeps what the corrected event now says (or that it is retracted), so that later checks
and projections read one row instead of replaying the corrections.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from events.model.catalog import Event, decode_stored
from events.tables.tx import Tx


@dataclass
class Version:
    """The version of an event that projections currently use (after any corrections)."""

    event: Event
    position: int
    retracted: bool = False


def current_version(tx: Tx, event_id: str) -> Version | None:
    """The version of a stored event that projections use, or None if the id is not in the log."""
    row = tx.fetchone(
        "SELECT e.position, e.schema_version, e.body, v.body, v.retracted, v.schema_version FROM events e"
        " LEFT JOIN event_versions v ON v.event_id = e.id WHERE e.id = ?",
        (event_id,),
    )
    if row is None:
        return None
    position, version, body, corrected_body, retracted, corrected_version = row
    if retracted:
        return Version(decode_stored(body, version), position, retracted=True)
    if corrected_body is not None:
        return Version(decode_stored(corrected_body, corrected_version), position)
    return Version(decode_stored(body, version), position)


def put(tx: Tx, rows: Sequence[tuple[str, str, int, int, int | None, str | None]]) -> None:
    """Record corrected versions: (event id, correction id, position, retracted, schema version, body or None)."""
    if rows:
        tx.executemany(
            "INSERT INTO event_versions (event_id, correction_id, position, retracted, schema_version, body)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET correction_id ="
            " excluded.correction_id, position = excluded.position, retracted = excluded.retracted,"
            " schema_version = excluded.schema_version, body = excluded.body",
            rows,
        )
