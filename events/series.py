"""Series for charts: one actor's stance on every topic over time, and how many actors hold each stance on a topic
over time.

Both resolve disputes as every answer does, so on any day a series says what :func:`events.queries.stances` says
for that day (tests/test_series.py checks it on the seed timeline, on both backends).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from events import queries
from events.model.clock import format_instant
from events.model.errors import NotFound
from events.model.views import CountStep, TopicHistory
from events.model.vocabulary import STANCES as SCALE
from events.projections import disputes
from events.projections.changes import load_rivals
from events.projections.facts import STANCES, visible
from events.tables import log, registry
from events.tables.tx import Tx


def actor_history(tx: Tx, actor_id: str, *, known_at: dt.datetime | None = None) -> list[TopicHistory]:
    """Every interval of ``actor_id``'s stance on each topic it has held one on, topics in id order; raises NotFound
    for an actor the log does not know (at ``known_at``)."""
    queries.actor(tx, actor_id, dt.date.max, known_at, with_members=False)
    keys = queries.stance_keys(tx, actor=actor_id, known_at=known_at)
    return [TopicHistory(topic, queries.history(tx, actor_id, topic, known_at=known_at)) for _, topic in keys]


def stance_counts(tx: Tx, topic: str, *, known_at: dt.datetime | None = None) -> list[CountStep]:
    """The number of actors at each stance on ``topic``, as steps: one per day on which the counts change, from the
    first stance on; raises NotFound for a topic the log does not know (at ``known_at``)."""
    pos = queries.known_position(tx, known_at)
    _check_topic(tx, topic, pos, known_at)
    moves: dict[str, Counter[tuple[str, bool]]] = defaultdict(Counter)
    for valid_from, valid_to, stance, contested in _shown_intervals(tx, topic, pos):
        moves[valid_from][stance, contested] += 1
        if valid_to is not None:
            moves[valid_to][stance, contested] -= 1
    steps: list[CountStep] = []
    holding: Counter[tuple[str, bool]] = Counter()
    for day in sorted(moves):
        holding.update(moves[day])  # update adds, so the ends (negative) take their actors away
        counts = dict.fromkeys(SCALE, 0)
        for (stance, _), number in holding.items():
            counts[stance] = counts.get(stance, 0) + number
        disputed = sum(number for (_, competing), number in holding.items() if competing)
        if steps and steps[-1].counts == counts and steps[-1].disputed == disputed:
            continue  # one actor's change of version within a stance, or an end and a start on one day
        steps.append(CountStep(day, counts, sum(counts.values()), disputed))
    return steps


def _shown_intervals(tx: Tx, topic: str, pos: int | None) -> Iterator[tuple[str, str | None, str, bool]]:
    """(valid_from, valid_to, stance, disputed) of every actor's intervals on ``topic`` as :func:`queries.history`
    gives them, read with three queries for the whole topic instead of three per actor, and without the evidence
    a count does not show."""
    vis, vis_params = visible(pos)
    rows: list[dict[str, Any]] = [dict(zip(STANCES.columns, row)) for row in tx.fetchall(
        f"SELECT {', '.join(STANCES.columns)} FROM {STANCES.table} WHERE topic = ? AND {vis}"
        " ORDER BY actor, valid_from, valid_second, fact_position, row_id", (topic, *vis_params))]
    rivals = load_rivals(tx, rows, pos, known={row["row_id"]: row for row in rows})
    contested = {(row["actor"], topic) for row in rows if row["row_id"] in rivals}
    rulings = disputes.rulings_for(tx, contested, pos) if contested else {}
    for actor, grouped in itertools.groupby(rows, key=lambda row: row["actor"]):
        key_rows = list(grouped)
        for i, row in enumerate(key_rows):
            valid_to = key_rows[i + 1]["valid_from"] if i + 1 < len(key_rows) else None
            if valid_to == row["valid_from"]:
                continue  # superseded the same day: never in effect
            found = disputes.resolve(row, rivals.get(row["row_id"], []), rulings.get((actor, topic), []))
            yield row["valid_from"], valid_to, found.row["stance"], found.disputed


def _check_topic(tx: Tx, topic: str, pos: int | None, known_at: dt.datetime | None) -> None:
    """NotFound for a topic the log does not define, or had not recorded yet at ``known_at`` (saying when it did)."""
    if registry.entry(tx, "topic", topic, pos) is not None:
        return
    later = registry.entry(tx, "topic", topic) if known_at is not None else None
    if later is None or known_at is None:
        raise NotFound(f"no topic '{topic}'")
    raise NotFound(f"topic '{topic}' was not yet known at {format_instant(known_at)}: the log recorded it at"
                   f" {log.recorded_at(tx, later['position'])}; ask with a later known_at")
