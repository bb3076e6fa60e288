"""Events drafted in a spreadsheet: the CSV template (``commitments template``) and reading it back.

One row per event, a column per common field, list cells separated by ``;``, one source per
row (outlet, url, published, quote). The header is checked before any row is read: a
column the template does not have (a misspelling) or a required column that is missing
refuses the whole file. Each bad row is then reported with its spreadsheet row number (the
header is row 1) and the column at fault: ``row 3.occurred``. Faults the log finds later
(an unknown actor) are renumbered the same way by :func:`by_row`.
"""

from __future__ import annotations

import csv
import difflib
import io
from typing import Any

from events import Event, InvalidEvent
from events.model.errors import CommitmentError, FieldError, describe, renumber_pointers
from events.model.inbound import event_from_object

#: The template's columns, in its order.
COLUMNS = ("type", "id", "occurred", "actor", "topic", "stance", "conditions", "signatories", "summary", "quote",
           "outlet", "url", "published")
#: Columns every file must have (a row may still leave ``id`` and the fields its type does not take empty).
REQUIRED = ("type", "occurred", "summary", "outlet")
#: Columns whose cells are lists, separated by ``;``.
LISTS = ("conditions", "signatories")
#: Columns that describe the row's one source.
SOURCE = ("outlet", "url", "published", "quote")
#: The template's example row: a stance, as the seed's sources would give it.
EXAMPLE = {"type": "stance.stated", "id": "2026-01-08-de-undecided", "occurred": "2026-01-08", "actor": "de",
           "topic": "troops-in-ukraine", "stance": "undecided", "summary": "Berlin says it has not decided.",
           "outlet": "Example Wire", "url": "https://example.org/de", "published": "2026-01-08"}
#: The largest file read (a spreadsheet of drafts, not an import).
MAX_ROWS = 10_000


def template() -> str:
    """The CSV template: the header and one example row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerow([EXAMPLE.get(column, "") for column in COLUMNS])
    return out.getvalue()


def _refuse(faults: list[FieldError]) -> InvalidEvent:
    return InvalidEvent(describe(faults), faults)


def check_header(header: list[str]) -> list[str]:
    """The header's column names, or :class:`InvalidEvent` naming each unknown, repeated or missing column."""
    names = [name.strip().lower() for name in header]
    faults = []
    for name in names:
        if name not in COLUMNS:
            close = difflib.get_close_matches(name, COLUMNS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; the columns are: {', '.join(COLUMNS)}"
            faults.append(FieldError(f"header.{name or '(empty)'}", f"unknown column '{name}'{hint}"))
        elif names.count(name) > 1 and FieldError(f"header.{name}", "repeated column") not in faults:
            faults.append(FieldError(f"header.{name}", "repeated column"))
    faults += [FieldError(f"header.{name}", f"the required column '{name}' is missing")
               for name in REQUIRED if name not in names]
    if faults:
        raise _refuse(faults)
    return names


def _event_object(cells: dict[str, str]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for column, text in cells.items():
        value = text.strip()
        if not value or column in SOURCE:
            continue
        obj[column] = [part.strip() for part in value.split(";") if part.strip()] if column in LISTS else value
    source = {column: cells[column].strip() for column in SOURCE if cells.get(column, "").strip()}
    if source:
        obj["sources"] = [source]
    return obj


def _column_of(pointer: str, row: str) -> str:
    """``row 3.sources[0].url`` -> ``row 3.url``: the column a fault's field came from."""
    rest = pointer.removeprefix(row).lstrip(".")
    field = rest.split(".")[-1] if rest.startswith("sources") else rest.split(".")[0]
    return f"{row}.{field.split('[')[0] or '(row)'}"


def read_events(data: bytes) -> list[Event]:
    """The events of a CSV file in the template's layout (see :func:`read_rows`)."""
    return read_rows(data)[0]


def read_rows(data: bytes) -> tuple[list[Event], list[int]]:
    """The events of a CSV file in the template's layout, and the row number of each; :class:`InvalidEvent` names
    the header's faults (before any row is read) or each bad row's, by row number and column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _refuse([FieldError("file", f"not UTF-8 text: {error.reason} at byte {error.start}")]) from None
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows, None)
        if header is None:
            raise _refuse([FieldError("header", f"the file is empty; start from the template: {','.join(COLUMNS)}")])
        names = check_header(header)
        found: list[Event] = []
        numbers: list[int] = []
        faults: list[FieldError] = []
        for number, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if number - 1 > MAX_ROWS:
                raise _refuse([FieldError(f"row {number}", f"a file may hold at most {MAX_ROWS} rows; split it")])
            where = f"row {number}"
            if len(row) > len(names):
                faults.append(FieldError(where, f"{len(row)} cells, but the header has {len(names)} columns"))
                continue
            event, errors = event_from_object(_event_object(dict(zip(names, row))), where)
            faults += [FieldError(_column_of(e.pointer, where), e.message) for e in errors]
            if event is not None:
                found.append(event)
                numbers.append(number)
    except csv.Error as error:
        raise _refuse([FieldError(f"row {rows.line_num}", f"not CSV: {error}")]) from None
    if faults:
        raise _refuse(faults)
    if not found:
        raise _refuse([FieldError("row 2", "the file holds no event rows")])
    return found, numbers


def by_row(error: CommitmentError, rows: list[int]) -> CommitmentError:
    """An append's error about a batch read by :func:`read_rows`, its ``$[i]`` pointers turned into the rows'
    numbers."""
    return renumber_pointers(error, lambda index: f"row {rows[index]}" if index < len(rows) else f"$[{index}]")
