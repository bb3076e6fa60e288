"""Moving the log in and out as NDJSON: one event per line, with its position and recorded instant.

An export round-trips through an import into an empty store: positions, ids, bodies and
recorded instants come out the same, and so do the change records, because the lines
of one original append (they share a recorded instant) are appended together again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import msgspec

from events import Event, EventStore, InvalidEvent
from events.catalog import event_from_object
from events.clock import parse_instant
from events.errors import FieldError
from service.documents import stored_event_document

_encoder = msgspec.json.Encoder()
_BATCH_POINTER = re.compile(r"^\$\[(\d+)\]")


def export_lines(store: EventStore) -> Iterator[bytes]:
    """Every event of the log as one NDJSON line (event JSON plus ``position`` and ``recorded``)."""
    for stored in store.iter_all():
        yield _encoder.encode(stored_event_document(stored)) + b"\n"


@dataclass
class Batch:
    """Consecutive lines to append together: their events, line numbers, and recorded instant if exported."""

    events: list[Event] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    recorded: str | None = None
    size: int = 0  # bytes read for these lines (for a progress bar)


def _parse_line(text: bytes, number: int) -> tuple[Event, str | None]:
    where = f"line {number}"
    try:
        obj = msgspec.json.decode(text)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as error:
        message = f"not a JSON object: {error}"
        raise InvalidEvent(f"{where}: {message}", [FieldError(where, message)]) from None
    recorded = None
    if isinstance(obj, dict):
        obj.pop("position", None)  # the store assigns positions; an export's are implied by line order
        recorded = obj.pop("recorded", None)
        if recorded is not None:
            if not isinstance(recorded, str):
                message = "`recorded` must be an RFC 3339 instant"
                raise InvalidEvent(f"{where}: {message}", [FieldError(f"{where}.recorded", message)])
            try:
                parse_instant(recorded, f"{where}.recorded")
            except InvalidEvent as error:
                raise InvalidEvent(f"{where}: {error.detail}", error.errors) from None
    event, errors = event_from_object(obj, where)
    if errors:
        detail = "; ".join(f"{e.pointer}: {e.message}" for e in errors[:3])
        raise InvalidEvent(detail, errors)
    return event, recorded


def read_batches(lines: Iterable[bytes], batch_size: int = 5000) -> Iterator[Batch]:
    """Group NDJSON lines into appends.

    Lines carrying the same ``recorded`` instant in a row are one batch (one original
    append), however many they are; lines without ``recorded`` go in batches of
    ``batch_size``. Blank lines are skipped.
    """
    batch = Batch()
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            batch.size += len(line)
            continue
        event, recorded = _parse_line(stripped, number)
        starts_new = batch.events and (
            recorded != batch.recorded or (recorded is None and len(batch.events) >= batch_size)
        )
        if starts_new:
            yield batch
            batch = Batch()
        batch.events.append(event)
        batch.lines.append(number)
        batch.recorded = recorded
        batch.size += len(line)
    if batch.events:
        yield batch


@dataclass
class ImportReport:
    """What an import did."""

    read: int = 0
    appended: int = 0
    appends: int = 0
    last_position: int = 0


def _with_line_numbers(error: InvalidEvent, batch: Batch) -> InvalidEvent:
    """Turn batch pointers (``$[3].actor``) into file pointers (``line 42.actor``)."""
    def renumber(pointer: str) -> str:
        return _BATCH_POINTER.sub(lambda m: f"line {batch.lines[int(m.group(1))]}", pointer)

    error.errors = [FieldError(renumber(e.pointer), e.message) for e in error.errors]
    error.detail = "; ".join(f"{e.pointer}: {e.message}" for e in error.errors[:3]) or error.detail
    return error


def import_lines(
    store: EventStore,
    lines: Iterable[bytes],
    *,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Append NDJSON events in one transaction: a bad line anywhere stores nothing of the file.

    Each batch is still its own append (see :func:`read_batches`). Events already stored
    are skipped, so running the same import again is safe.
    """
    report = ImportReport(last_position=store.last_position())
    current: list[Batch] = []

    def appends() -> Iterator[tuple[list[Event], object]]:
        for batch in read_batches(lines, batch_size):
            current[:] = [batch]
            yield batch.events, None if batch.recorded is None else parse_instant(batch.recorded)
            report.read += len(batch.events)
            report.appends += 1
            if progress is not None:
                progress(batch.size)

    first = report.last_position
    try:
        result = store.append_batches(appends())
    except InvalidEvent as error:
        raise (_with_line_numbers(error, current[0]) if current else error) from None
    if result is not None:
        report.last_position = result.last_position
    report.appended = report.last_position - first
    return report
