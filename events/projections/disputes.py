"""Competing reports of one position: which stance rows compete, the editors' rulings, and the answer they give.

Two stance rows of one (actor, topic) **compete** when they come from different events, name
different stances or different conditions, and their dates overlap: the earlier one (in effect
order) may still be meant on the day the later one starts (its latest day is on or after that
day: the same day, or an imprecise date such as ``2026-01`` or ``../2026-01-06`` that reaches
it). A later report dated after every day an earlier one may mean is a change of position, not
a competing report.

Rows never change, so whether two rows compete never does: the projector writes each pair once
(``stance_rivals``), when the later of the two rows or the earlier one arrives, and flags the
later row (``rivalled``). Which pairs count for a question depends on the rows it sees
(``known_at``: a dispute exists from the moment both reports were recorded) and on the rulings
recorded by then (``stance_rulings``): ``change.confirmed`` says two reports are a change, not a
dispute; ``dispute.settled`` sets reports aside in favour of one that stands.

:func:`resolve` gives the answer for the row in effect on a day: its competitors are the rows that
compete with it; those a ruling removes drop out; if more than one version remains, the key is
**disputed** and the answer is the most cautious of them (the lowest on the stance scale; on a
tie, the later in effect order), so that a tracker never overstates a commitment.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from events.model.catalog import Event
from events.model.vocabulary import STANCE_RANK
from events.projections.facts import STANCES, visible
from events.tables.tx import Tx, scalar

Row = dict[str, Any]
Key = tuple[str, ...]
#: Row ids per ``IN (...)`` lookup: well under SQLite's and PostgreSQL's parameter limits.
_IDS_PER_QUERY = 500


class Ruling(NamedTuple):
    """An editor's ruling on two reports of one key, as a question sees it."""

    kind: str  # settled: ``first`` stands over ``second`` | change: ``second`` changed what ``first`` reported
    first: str
    second: str
    event_id: str
    evidence: str


class Resolution(NamedTuple):
    """The answer a key gives on a day: the row it shows, the other versions still competing (empty unless
    disputed), and the settlements that set versions aside."""

    row: Row
    alternatives: list[Row]
    settlements: list[Ruling]

    @property
    def disputed(self) -> bool:
        """Whether more than one version stands."""
        return bool(self.alternatives)


def competing(earlier: Row, later: Row) -> bool:
    """Whether two rows of one key, ``earlier`` preceding ``later`` in effect order, compete."""
    return bool(earlier["latest"] >= later["valid_from"] and earlier["event_id"] != later["event_id"]
                and (earlier["stance"] != later["stance"] or earlier["conditions"] != later["conditions"]))


def new_pairs(rows: Sequence[Row], fresh: Collection[int]) -> list[tuple[Row, Row]]:
    """The competing pairs (earlier, later) among ``rows`` (one key's current rows, in effect order) that involve
    a row whose id is in ``fresh``.

    A sweep in effect order: a row can only compete with preceding rows whose latest day reaches
    its start, and most rows are dated to a day, so the rows kept in reach stay few.
    """
    reaching: list[Row] = []
    found = []
    for row in rows:
        start = row["valid_from"]
        reaching = [earlier for earlier in reaching if earlier["latest"] >= start]
        new = row["row_id"] in fresh
        for earlier in reaching:
            if (new or earlier["row_id"] in fresh) and competing(earlier, row):
                found.append((earlier, row))
        reaching.append(row)
    return found


def write_pairs(tx: Tx, pairs: Sequence[tuple[Row, Row]]) -> None:
    """Record competing pairs and flag their later rows."""
    if not pairs:
        return
    tx.executemany(
        "INSERT INTO stance_rivals (later, earlier, actor, topic) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        sorted({(later["row_id"], earlier["row_id"], later["actor"], later["topic"]) for earlier, later in pairs}),
    )
    flagged = sorted({later["row_id"] for _, later in pairs if not later.get("rivalled")})
    tx.executemany("UPDATE stance_intervals SET rivalled = 1 WHERE row_id = ?", [(row_id,) for row_id in flagged])
    for _, later in pairs:
        later["rivalled"] = 1


def earlier_of(tx: Tx, later_ids: Iterable[int]) -> dict[int, list[int]]:
    """The rows that compete with each of ``later_ids`` from before it: later row id -> earlier row ids."""
    found: dict[int, list[int]] = {}
    ids = sorted(set(later_ids))
    for start in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[start : start + _IDS_PER_QUERY]
        for later, earlier in tx.fetchall(
            f"SELECT later, earlier FROM stance_rivals WHERE later IN ({','.join('?' * len(chunk))})"
            " ORDER BY later, earlier", chunk,
        ):
            found.setdefault(later, []).append(earlier)
    return found


def rows_by_id(tx: Tx, row_ids: Iterable[int], pos: int | None) -> dict[int, Row]:
    """Stance rows by id, those visible as the log stood at ``pos`` (None: the current ones)."""
    found: dict[int, Row] = {}
    ids = sorted(set(row_ids))
    vis, vis_params = visible(pos)
    columns = STANCES.columns
    for start in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[start : start + _IDS_PER_QUERY]
        for values in tx.fetchall(
            f"SELECT {', '.join(columns)} FROM stance_intervals WHERE row_id IN ({','.join('?' * len(chunk))})"
            f" AND {vis}", (*chunk, *vis_params),
        ):
            row = dict(zip(columns, values))
            found[row["row_id"]] = row
    return found


def reaching_into(tx: Tx, spans: Mapping[Key, tuple[str, str]]) -> dict[Key, list[Row]]:
    """For each key, its current rows whose dates overlap the key's span [first day, last day]: rows a new row
    may compete with, also those before the window the projector loaded or left out as same-day losers."""
    found: dict[Key, list[Row]] = {}
    columns = STANCES.columns
    for (actor, topic), (first, last) in spans.items():
        found[(actor, topic)] = [dict(zip(columns, values)) for values in tx.fetchall(
            f"SELECT {', '.join(columns)} FROM stance_intervals WHERE actor = ? AND topic = ?"
            " AND superseded_pos IS NULL AND valid_from <= ? AND latest >= ?", (actor, topic, last, first),
        )]
    return found


def pairs_of_keys(tx: Tx, keys: Iterable[Key]) -> dict[Key, list[tuple[int, int]]]:
    """The stored competing pairs (earlier, later) of each key."""
    found: dict[Key, list[tuple[int, int]]] = {}
    for actor, topic in sorted(set(keys)):
        rows = tx.fetchall("SELECT earlier, later FROM stance_rivals WHERE actor = ? AND topic = ?", (actor, topic))
        if rows:
            found[(actor, topic)] = [(earlier, later) for earlier, later in rows]
    return found


# --- rulings ---------------------------------------------------------------------------------------------


def ruling_rows(event: Event, position: int, correction_id: str | None, evidence: str) -> list[tuple[Any, ...]]:
    """The rows an event's rulings give ``stance_rulings`` (no row id yet)."""
    return [(actor, topic, kind, first, second, event.checked_id, correction_id, position, None, evidence)
            for kind, actor, topic, first, second in event.rulings()]


def write_rulings(tx: Tx, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ruling rows from :func:`ruling_rows`, numbering them under the write lock (as fact rows are)."""
    if not rows:
        return
    first = (scalar(tx, "SELECT max(row_id) FROM stance_rulings") or 0) + 1
    tx.executemany(
        "INSERT INTO stance_rulings (row_id, actor, topic, kind, first_event, second_event, event_id, correction_id,"
        " created_pos, superseded_pos, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(first + offset, *row) for offset, row in enumerate(rows)],
    )


def end_rulings(tx: Tx, event_id: str, position: int) -> list[Key]:
    """End the current ruling rows of a corrected or retracted event; returns the keys they were about."""
    keys: list[Key] = [(actor, topic) for actor, topic in tx.fetchall(
        "SELECT DISTINCT actor, topic FROM stance_rulings WHERE event_id = ? AND superseded_pos IS NULL", (event_id,))]
    if keys:
        tx.execute("UPDATE stance_rulings SET superseded_pos = ? WHERE event_id = ? AND superseded_pos IS NULL",
                   (position, event_id))
    return keys


def rulings_for(tx: Tx, keys: Iterable[Key], pos: int | None) -> dict[Key, list[Ruling]]:
    """The rulings on each key visible as the log stood at ``pos`` (None: the current ones), in log order."""
    wanted = set(keys)
    if not wanted:
        return {}
    vis, vis_params = visible(pos)
    found: dict[Key, list[Ruling]] = {}
    for actor, topic, kind, first, second, event_id, evidence in tx.fetchall(
        f"SELECT actor, topic, kind, first_event, second_event, event_id, evidence FROM stance_rulings WHERE {vis}"
        " ORDER BY created_pos, row_id", vis_params,
    ):
        if (actor, topic) in wanted:
            found.setdefault((actor, topic), []).append(Ruling(kind, first, second, event_id, evidence))
    return found


# --- the answer ------------------------------------------------------------------------------------------


def resolve(row: Row, rivals: Sequence[Row], rulings: Sequence[Ruling]) -> Resolution:
    """The answer of a key on a day whose row in effect is ``row``, given the rows that compete with it (``rivals``,
    each preceding it in effect order) and the rulings on the key, all as one question sees them."""
    if not rivals:
        return Resolution(row, [], [])
    changes = {frozenset((ruling.first, ruling.second)) for ruling in rulings if ruling.kind == "change"}
    competing_rows = [rival for rival in rivals if frozenset((rival["event_id"], row["event_id"])) not in changes]
    events = {row["event_id"], *(rival["event_id"] for rival in competing_rows)}
    settlements = [ruling for ruling in rulings
                   if ruling.kind == "settled" and ruling.first in events and ruling.second in events]
    set_aside = {ruling.second for ruling in settlements}
    standing = [candidate for candidate in (*competing_rows, row) if candidate["event_id"] not in set_aside]
    if not standing:  # rulings that set each other aside: the row in effect answers
        standing = [row]
    if len(standing) == 1:
        return Resolution(standing[0], [], settlements)
    # The most cautious version; on a tie, the later one in effect order (``standing`` is in effect order).
    order = {id(candidate): index for index, candidate in enumerate(standing)}
    chosen = min(standing, key=lambda candidate: (STANCE_RANK[candidate["stance"]], -order[id(candidate)]))
    return Resolution(chosen, [candidate for candidate in reversed(standing) if candidate is not chosen], settlements)
