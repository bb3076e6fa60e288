"""Moving the log in and out as NDJSON: one event per line, with its position, recorded instant and attribution.

An export round-trips through an import into an empty store: positions, ids, bodies and
recorded instants come out the same, and so do the change records, because the lines
of one original append (they share a recorded instant) are appended together again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import msgspec

from events import Attribution, Event, EventStore, InvalidEvent
from events.keys import NAME_PATTERN
from events.model.clock import parse_instant
from events.model.errors import CommitmentError, FieldError, renumber_pointers
from events.model.ids import new_id
from events.model.inbound import event_from_object, try_decode_event
from events.store import UNATTRIBUTED
from service.documents import stored_event_document

_encoder = msgspec.json.Encoder()
_KEY_NAME = re.compile(NAME_PATTERN)


def export_lines(store: EventStore) -> Iterator[bytes]:
    """Every event of the log as one NDJSON line (event JSON plus ``position`` and ``recorded``)."""
    for stored in store.iter_all():
        yield _encoder.encode(stored_event_document(stored)) + b"\n"


def _parse_line(text: bytes, number: int) -> tuple[Event, str | None, Attribution]:
    event = try_decode_event(text)
    if event is not None:  # the common case: a valid line without an export's position and recorded instant
        return event, None, UNATTRIBUTED
    where = f"line {number}"
    try:
        obj = msgspec.json.decode(text)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as error:
        message = f"not a JSON object: {error}"
        raise InvalidEvent(f"{where}: {message}", [FieldError(where, message)]) from None
    recorded: str | None = None
    by = UNATTRIBUTED
    if isinstance(obj, dict):
        obj.pop("position", None)  # the store assigns positions; an export's are implied by line order
        by = _attribution(obj, where)
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
    if errors or event is None:  # (None comes with its faults)
        detail = "; ".join(f"{e.pointer}: {e.message}" for e in errors[:3])
        raise InvalidEvent(detail, errors)
    if by != UNATTRIBUTED and event.id is None:  # the attribution is kept by id: give the event its id now
        event = msgspec.structs.replace(event, id=new_id())
    return event, recorded, by


def _attribution(obj: dict[str, object], where: str) -> Attribution:
    """An export line's ``recorded_by`` and ``proposed_by`` (taken out of the event), checked as key names."""
    names: dict[str, str | None] = {}
    for field_name in ("recorded_by", "proposed_by"):
        value = obj.pop(field_name, None)
        if value is not None and not (isinstance(value, str) and _KEY_NAME.match(value)):
            message = f"`{field_name}` must be a key's name (lowercase letters, digits, '.', '_' or '-') or null"
            raise InvalidEvent(f"{where}: {message}", [FieldError(f"{where}.{field_name}", message)])
        names[field_name] = value
    return Attribution(names["recorded_by"], names["proposed_by"])


@dataclass
class _Line:
    number: int
    event: Event
    recorded: str | None
    size: int
    by: Attribution


class _Reader:
    """Parsed lines with one line of look-ahead (to see where an append ends)."""

    def __init__(self, lines: Iterable[bytes]) -> None:
        self._lines = self._parse(lines)
        self._next: _Line | None = next(self._lines, None)
        self.pending_size = 0  # bytes of blank lines not yet reported

    def _parse(self, lines: Iterable[bytes]) -> Iterator[_Line]:
        for number, line in enumerate(lines, start=1):
            stripped = line.strip()
            if not stripped:
                self.pending_size += len(line)
                continue
            event, recorded, by = _parse_line(stripped, number)
            yield _Line(number, event, recorded, len(line), by)

    def peek(self) -> _Line | None:
        """The next line, without taking it."""
        return self._next

    def take(self) -> _Line | None:
        """The next line (None at the end)."""
        line = self._next
        self._next = next(self._lines, None)
        return line


@dataclass
class PendingAppend:
    """One append of an import: its recorded instant (None: now), and its events, read lazily."""

    recorded: str | None
    events: Iterator[Event]
    lines: list[int] = field(default_factory=list)  # the file line of each event taken so far
    #: Who made each attributed event taken so far, by id (lines without ``recorded_by`` are not in it).
    by: dict[str, Attribution] = field(default_factory=dict)


def read_appends(lines: Iterable[bytes], batch_size: int | None = None,
                 progress: Callable[[int], None] | None = None) -> Iterator[PendingAppend]:
    """Group NDJSON lines into appends, reading lazily (an append may be millions of lines).

    Lines carrying the same ``recorded`` instant in a row are one append (one original
    append), however many they are; consecutive lines without ``recorded`` are one
    append too, or appends of ``batch_size`` lines when it is given. Blank lines are
    skipped. Each append's events must be consumed before the next append is asked for.
    """
    reader = _Reader(lines)
    while (first := reader.peek()) is not None:
        pending = PendingAppend(first.recorded, iter(()))
        pending.events = _events_of(reader, pending, batch_size, progress)
        yield pending
        for _ in pending.events:  # an append the store stopped reading early: skip the rest of its lines
            pass


def _events_of(reader: _Reader, pending: PendingAppend, batch_size: int | None,
               progress: Callable[[int], None] | None) -> Iterator[Event]:
    limit = batch_size if pending.recorded is None else None
    unreported = 0
    while (line := reader.peek()) is not None and line.recorded == pending.recorded \
            and (limit is None or len(pending.lines) < limit):
        reader.take()
        pending.lines.append(line.number)
        if line.by != UNATTRIBUTED:
            pending.by[line.event.checked_id] = line.by
        unreported += line.size + reader.pending_size
        reader.pending_size = 0
        if progress is not None and unreported >= 1 << 20:
            progress(unreported)
            unreported = 0
        yield line.event
    if progress is not None and unreported:
        progress(unreported)


@dataclass
class ImportReport:
    """What an import did."""

    read: int = 0
    appended: int = 0
    appends: int = 0
    last_position: int = 0


def import_lines(
    store: EventStore,
    lines: Iterable[bytes],
    *,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Append NDJSON events in one transaction: a bad line anywhere stores nothing of the file.

    Each run of lines is its own append (see :func:`read_appends`): without recorded
    instants, the whole file is one append, recorded now, unless ``batch_size`` splits
    it. Events already stored are skipped, so running the same import again is safe.
    """
    report = ImportReport(last_position=store.last_position())
    current: list[PendingAppend] = []

    def appends() -> Iterator[tuple[Iterator[Event], dt.datetime | None, dict[str, Attribution]]]:
        for pending in read_appends(lines, batch_size, progress):
            current[:] = [pending]
            # ``pending.by`` fills as the store reads the events, before it writes each chunk of them
            yield pending.events, None if pending.recorded is None else parse_instant(pending.recorded), pending.by
            report.read += len(pending.lines)
            report.appends += 1

    first = report.last_position
    try:
        result = store.append_batches(appends())
    except CommitmentError as error:
        if current:
            numbers = current[0].lines
            renumber_pointers(error, lambda index: f"line {numbers[index]}")
        raise
    if result is not None:
        report.last_position = result.last_position
    report.appended = report.last_position - first
    return report
