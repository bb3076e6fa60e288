"""Series for charts: one actor's stance on every topic over time, and how many actors hold each stance on a topic
over time.

Both are built from :func:`events.queries.history` (disputes resolved as every answer resolves them), so on any day
a series says what :func:`events.queries.stances` says for that day.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from events import queries
from events.model.clock import format_instant
from events.model.errors import NotFound
from events.model.views import CountStep, TopicHistory
from events.model.vocabulary import STANCES
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
    _check_topic(tx, topic, known_at)
    moves: dict[str, Counter[tuple[str, bool]]] = defaultdict(Counter)
    for actor, _ in queries.stance_keys(tx, topic=topic, known_at=known_at):
        for interval in queries.history(tx, actor, topic, known_at=known_at):
            held = (interval.stance, interval.disputed)
            moves[interval.valid_from][held] += 1
            if interval.valid_to is not None:
                moves[interval.valid_to][held] -= 1
    steps: list[CountStep] = []
    holding: Counter[tuple[str, bool]] = Counter()
    for day in sorted(moves):
        holding.update(moves[day])  # update adds, so the ends (negative) take their actors away
        counts = dict.fromkeys(STANCES, 0)
        for (stance, _), number in holding.items():
            counts[stance] = counts.get(stance, 0) + number
        disputed = sum(number for (_, contested), number in holding.items() if contested)
        if steps and steps[-1].counts == counts and steps[-1].disputed == disputed:
            continue  # one actor's change of version within a stance, or an end and a start on one day
        steps.append(CountStep(day, counts, sum(counts.values()), disputed))
    return steps


def _check_topic(tx: Tx, topic: str, known_at: dt.datetime | None) -> None:
    """NotFound for a topic the log does not define, or had not recorded yet at ``known_at`` (saying when it did)."""
    pos = queries.known_position(tx, known_at)
    if registry.entry(tx, "topic", topic, pos) is not None:
        return
    later = registry.entry(tx, "topic", topic) if known_at is not None else None
    if later is None or known_at is None:
        raise NotFound(f"no topic '{topic}'")
    raise NotFound(f"topic '{topic}' was not yet known at {format_instant(known_at)}: the log recorded it at"
                   f" {log.recorded_at(tx, later['position'])}; ask with a later known_at")
