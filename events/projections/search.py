"""What search finds an event by: its own words and the names of what it names.

An event's words are every text it holds (summary, titles, statements, its sources' outlets,
titles, quotes and links, tags) and the names and aliases of the actors, topics and conditions
it names, as the registry holds them when the event is appended (a rebuild, replaying the same
appends, finds the same names).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from events.model import dates, search_syntax
from events.model.catalog import Event, encode
from events.tables.log import schema_version
from events.tables.tx import Tx

_json = msgspec.json.Encoder()
_data = msgspec.json.Decoder(dict[str, Any])
#: Fields that hold dates or ids, not words.
_NOT_WORDS = frozenset({"id", "type", "occurred", "published", "corrects", "file", "summary", "sources", "tags"})
_NAMED = ("actor", "topic", "condition")


def _texts(value: Any, out: list[str], ids: set[str]) -> None:
    if isinstance(value, str):
        if value not in ids:
            out.append(value)
    elif isinstance(value, dict):
        # in key order: an event decoded from a client's body (a strict twin) lists its fields in another order
        # than the one decoded from the log, and a rebuild must write the same words
        for key, item in sorted(value.items()):
            if key not in _NOT_WORDS:
                _texts(item, out, ids)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _texts(item, out, ids)


def names(tx: Tx, events: Iterable[Event]) -> dict[tuple[str, str], list[str]]:
    """The name and aliases of every actor, topic and condition the events name, from the registry."""
    wanted: dict[str, set[str]] = {}
    for event in events:
        for kind, ident, _field in event.references():
            if kind in _NAMED:
                wanted.setdefault(kind, set()).add(ident)
    found: dict[tuple[str, str], list[str]] = {}
    for kind, idents in wanted.items():
        ids = sorted(idents)
        for start in range(0, len(ids), 500):
            chunk = ids[start: start + 500]
            marks = ",".join("?" * len(chunk))
            for ident, name, data in tx.fetchall(
                f"SELECT id, name, data FROM registry WHERE kind = ? AND id IN ({marks})", (kind, *chunk)
            ):
                aliases = _data.decode(data).get("aliases") or [] if data else []
                found[(kind, ident)] = [name, *(str(a) for a in aliases)]
    return found


def text(event: Event, named: dict[tuple[str, str], list[str]]) -> str:
    """Everything the event is found by, as one text (before folding: snippets are cut from it)."""
    refs = list(dict.fromkeys((kind, ident) for kind, ident, _field in event.references()))
    out = [event.summary]
    _texts(msgspec.to_builtins(event), out, {ident for _kind, ident in refs})  # ids are found by their names
    for source in event.sources:
        out += [source.outlet, source.quote or "", source.url or ""]
    out += event.tags
    for ref in refs:
        out += named.get(ref, [])
    return " · ".join(part for part in out if part)


def row(event: Event, position: int, created_pos: int, named: dict[tuple[str, str], list[str]],
        *, corrected: bool = False) -> tuple[Any, ...]:
    """The search row of one version of an event (``corrected``: a correction gave it, so its body is kept), its
    folded words last."""
    date = dates.parse(event.occurred)
    actors: list[str] = []
    topics: list[str] = []
    for kind, ident, _field in event.references():
        listed = actors if kind == "actor" else topics if kind == "topic" else None
        if listed is not None and ident not in listed:
            listed.append(ident)
    body = encode(event).decode() if corrected else None
    return (created_pos, None, position, event.type, date.earliest.isoformat(),
            date.latest.isoformat(), date.second, _json.encode(actors).decode(), _json.encode(topics).decode(),
            body, schema_version(event) if corrected else None, search_syntax.fold(text(event, named)))
