"""A rebuild projects its first append key by key (events/projections/key_by_key.py) and the later ones as they
were appended: on both backends, every table, every answer known at each recorded moment and the change feed
come out as the appends left them."""

from __future__ import annotations

import datetime as dt

from events import queries
from events.projections import key_by_key
from events.verify import checksums
from tests.conftest import events, make, registrations


def _first() -> list[dict]:
    """Registrations and facts in one append: backdated and same-day reports, competing ones (one pair settled by a
    ruling), conditions that change, a correction and a retraction of events of the same append."""
    return [
        *registrations(),
        make("stance.stated", "2025-11-01", id="fr-1", actor="fr", topic="troops", stance="conditional",
             conditions=["ceasefire"]),
        make("stance.stated", "2025-12-01", id="fr-2", actor="fr", topic="troops", stance="committed"),
        make("stance.stated", "2025-12~", id="fr-3", actor="fr", topic="troops", stance="hostile"),
        make("stance.stated", "2025-10-01", id="gb-1", actor="gb", topic="money", stance="undecided"),
        make("stance.stated", "2025-12-10", id="gb-2", actor="gb", topic="money", stance="supportive"),
        make("stance.stated", "2025-12-10", id="gb-3", actor="gb", topic="money", stance="declined"),
        make("dispute.settled", "2025-12-11", id="gb-ruling", actor="gb", topic="money", stands="gb-2",
             over=["gb-3"], reason="r"),
        make("stance.stated", "2025-12-20", id="de-m1", actor="de", topic="money", stance="committed"),
        make("stance.stated", "2025-12-20", id="de-m2", actor="de", topic="money", stance="hostile"),
        make("stance.stated", "2025-09-01", id="de-1", actor="de", topic="troops", stance="conditional",
             conditions=["ceasefire", "vote"]),
        make("condition.changed", "2025-11-15", id="ceasefire-met", condition="ceasefire", status="met"),
        make("condition.changed", "2026-02-01", id="vote-failed", condition="vote", status="failed"),
        make("event.corrected", "2026-01-02", id="fix-fr-2", corrects="fr-2", replacement={"occurred": "2025-08-01"}),
        make("event.corrected", "2026-01-03", id="drop-gb-1", corrects="gb-1", retracted=True),
    ]


def _second() -> list[dict]:
    """A later append: a backdated report, a correction of an event of the first append, a new key."""
    return [
        make("stance.stated", "2025-07-01", id="fr-0", actor="fr", topic="troops", stance="declined"),
        make("event.corrected", "2026-01-20", id="fix-de-1", corrects="de-1", replacement={"stance": "committed"}),
        make("stance.stated", "2026-01-10", id="gb-troops", actor="gb", topic="troops", stance="committed"),
    ]


def _answers(store, moments: list[dt.datetime]) -> list:
    """Every key's answer on a few days, known at each moment and now, and the whole change feed."""
    with store.reading() as tx:
        found = [queries.stances(tx, day, known_at=moment) for moment in [*moments, None]
                 for day in (dt.date(2025, 10, 1), dt.date(2025, 12, 10), dt.date(2026, 1, 6), dt.date(2026, 2, 2))]
        feed, _ = queries.changes(tx, limit=1000)
    return [*found, feed]


def test_a_rebuild_gives_the_tables_answers_and_feed_the_appends_gave(store, clock, monkeypatch):
    projected = []
    original = key_by_key.finish
    monkeypatch.setattr(key_by_key, "finish", lambda projection: projected.append(projection) or original(projection))
    moments = [clock.now()]
    store.append(events(*_first()))
    clock.advance(days=20)
    moments.append(clock.now())
    store.append(events(*_second()))
    with store.reading() as tx:
        appended = checksums(tx)
        feed, _ = queries.changes(tx, limit=1000)
    answers = _answers(store, moments)
    assert {change.kind for change in feed} >= {"new", "revision", "disputed"}
    assert not projected
    store.rebuild()
    assert len(projected) == 1  # the first append, key by key
    with store.reading() as tx:
        assert checksums(tx) == appended
    assert _answers(store, moments) == answers
