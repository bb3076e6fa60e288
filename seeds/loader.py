"""Reading the seed timeline: YAML files of inbound events, decoded strictly.

The seed files hold plain event objects (the same shape a client would POST), so
they go through the catalogue's strict inbound validation: an unknown field, a bad
date or an unknown event type is an error, never silently dropped.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import msgspec
import msgspec.yaml

from events.model.catalog import Event
from events.model.errors import FieldError, InvalidEvent
from events.model.inbound import events_from_objects
from events.store import AppendResult, EventStore

#: The Coalition of the Willing timeline, March 2025 -> January 2026.
SEED_PATH: Path = Path(__file__).with_name("coalition.yaml")

#: Optional supplement: members other than the founders, with undated joins
#: (not loaded by default; see the file's header and docs/seed-data.md).
MEMBERSHIP_SEED_PATH: Path = Path(__file__).with_name("coalition-members.yaml")


def read_seed(path: str | PathLike[str] | None = None) -> list[Event]:
    """Read a seed file and return its events, in file order.

    ``path`` defaults to :data:`SEED_PATH` (``coalition.yaml`` next to this module).
    The file must be a YAML list of event objects; each is validated strictly with
    :func:`events.model.catalog.events_from_objects`.

    Raises :class:`events.model.errors.InvalidEvent` if the file is not valid YAML, is not
    a list, or holds any invalid event (every fault is listed in ``errors``), and
    ``OSError`` if the file cannot be read.
    """
    target = SEED_PATH if path is None else Path(path)
    raw = target.read_bytes()
    try:
        objects = msgspec.yaml.decode(raw)
    except msgspec.DecodeError as exc:
        detail = f"{target.name} is not valid YAML: {exc}"
        raise InvalidEvent(detail, [FieldError("$", detail)]) from None
    if not isinstance(objects, list):
        detail = f"{target.name} must hold a YAML list of event objects, got {type(objects).__name__}"
        raise InvalidEvent(detail, [FieldError("$", detail)])
    try:
        return events_from_objects(objects)
    except InvalidEvent as exc:
        if any("got `date`" in e.message or "got `datetime`" in e.message for e in exc.errors):
            hint = ' (YAML reads an unquoted 2026-01-06 as a date: quote EDTF dates, e.g. occurred: "2026-01-06")'
            raise InvalidEvent(exc.detail + hint, exc.errors) from None
        raise


def load_seed(store: EventStore, path: str | PathLike[str] | None = None) -> AppendResult:
    """Append a seed file to the store as one atomic batch.

    The events carry stable ids, so loading the same file again stores nothing new
    (the result's ``created`` is then False).
    """
    return store.append(read_seed(path))
