"""The benchmark's equal-work peer (tests/benchmarks/peer.py) answers as-of questions as our store does.

A small hand-made log with a backdated fact, a correction, a retraction, a declaration and a condition
that is met: the peer's answers at chosen days and log positions are checked against values written
by hand, and against our store's answers and current rows on the same log (both backends). The
benchmark checks the same agreement on its generated logs (tests/benchmarks/bench_peer.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import msgspec
import pytest

from events import queries
from events.projections.facts import CONDITIONS as OUR_CONDITIONS
from events.projections.facts import STANCES as OUR_STANCES
from tests.benchmarks.bench_peer import our_current_rows
from tests.benchmarks.peer import CONDITIONS, STANCES, Peer
from tests.conftest import events, make

LOG = [
    make("actor.registered", "2025", id="reg-fr", actor="fr", name="France", kind="state"),
    make("actor.registered", "2025", id="reg-de", actor="de", name="Germany", kind="state"),
    make("topic.defined", "2025", id="reg-troops", topic="troops", name="Troops"),
    make("condition.declared", "2025-09", id="reg-ceasefire", condition="ceasefire", description="a ceasefire",
         kind="trigger"),
    make("stance.stated", "2025-10-10", id="fr-supportive", actor="fr", topic="troops", stance="supportive"),  # 5
    make("stance.stated", "2025-10-20", id="fr-undecided", actor="fr", topic="troops", stance="undecided"),  # 6
    # 7: backdated between the two: cuts the supportive row short at 2025-10-15
    make("stance.stated", "2025-10-15", id="fr-declined", actor="fr", topic="troops", stance="declined"),
    make("event.corrected", "2025-10-22", id="fix-fr-supportive", corrects="fr-supportive",  # 8
         replacement={"stance": "committed"}),
    make("event.corrected", "2025-10-23", id="retract-fr-undecided", corrects="fr-undecided", retracted=True),  # 9
    make("stance.stated", "2025-10-12", id="de-conditional", actor="de", topic="troops", stance="conditional",
         conditions=["ceasefire"]),  # 10
    make("condition.changed", "2025-10-18", id="ceasefire-met", condition="ceasefire", status="met"),  # 11
    make("declaration.signed", "2025-10-25", id="decl", declaration="paris", title="Paris",  # 12
         signatories=["fr", "de"], provisions=[{"topic": "troops", "stance": "reluctant", "summary": "first"},
                                               {"topic": "troops", "stance": "delivered", "summary": "second"}]),
]

#: (actor, day, position) -> the stance in effect, worked out by hand from LOG.
STANCES_BY_HAND = {
    ("fr", "2025-10-05", 12): None,
    ("fr", "2025-10-12", 4): None,
    ("fr", "2025-10-12", 5): "supportive",
    ("fr", "2025-10-12", 7): "supportive",
    ("fr", "2025-10-12", 8): "committed",
    ("fr", "2025-10-16", 6): "supportive",
    ("fr", "2025-10-16", 7): "declined",
    ("fr", "2025-10-21", 6): "undecided",
    ("fr", "2025-10-21", 8): "undecided",
    ("fr", "2025-10-21", 9): "declined",
    ("fr", "2025-10-26", 11): "declined",
    ("fr", "2025-10-26", 12): "delivered",  # the declaration's second provision wins its day
    ("de", "2025-10-19", 9): None,
    ("de", "2025-10-19", 10): "conditional",
    ("de", "2025-10-26", 12): "delivered",
}
#: (day, position) -> the ceasefire's status, by hand.
CONDITIONS_BY_HAND = {
    ("2025-08-31", 11): None,
    ("2025-10-17", 11): "pending",
    ("2025-10-19", 10): "pending",
    ("2025-10-19", 11): "met",
}


@pytest.fixture
def peer(tmp_path: Path):
    """The peer with LOG imported."""
    opened = Peer(tmp_path / "peer")
    assert opened.import_lines(msgspec.json.encode(obj) for obj in LOG) == len(LOG)
    yield opened
    opened.close()


def _stance(peer: Peer, actor: str, day: str, position: int) -> str | None:
    found = peer.projection.stance_as_of(actor, "troops", day, position)
    return None if found is None else found[0]


def test_the_peer_answers_as_worked_out_by_hand(peer):
    assert {q: _stance(peer, *q) for q in STANCES_BY_HAND} == STANCES_BY_HAND
    assert {q: peer.projection.condition_as_of("ceasefire", *q) for q in CONDITIONS_BY_HAND} == CONDITIONS_BY_HAND
    assert peer.projection.stance_as_of("fr", "troops", "2025-10-12", 8)[4:6] == ("fr-supportive", "fix-fr-supportive")


def test_a_rebuild_of_the_peer_gives_the_same_rows_and_answers(peer):
    rows = {table.name: table.current_rows(peer.projection.conn) for table in (STANCES, CONDITIONS)}
    assert peer.projection.rebuild() == len(LOG)
    assert {table.name: table.current_rows(peer.projection.conn) for table in (STANCES, CONDITIONS)} == rows
    assert {q: _stance(peer, *q) for q in STANCES_BY_HAND} == STANCES_BY_HAND


def test_the_peer_writes_one_change_row_per_fact_that_changed_a_key(peer):
    changes = peer.projection.conn.execute("SELECT key, effective, before, after, event_id FROM changes"
                                           " WHERE key = 'fr/troops' ORDER BY seq").fetchall()
    assert changes == [
        ("fr/troops", "2025-10-10", None, "supportive", "fr-supportive"),
        ("fr/troops", "2025-10-20", "supportive", "undecided", "fr-undecided"),
        ("fr/troops", "2025-10-15", "supportive", "declined", "fr-declined"),
        ("fr/troops", "2025-10-10", "supportive", "committed", "fix-fr-supportive"),
        ("fr/troops", "2025-10-20", "undecided", "declined", "retract-fr-undecided"),
        # one row per fact: the first provision changed the day, then the second changed it again
        ("fr/troops", "2025-10-25", "declined", "reluctant", "decl"),
        ("fr/troops", "2025-10-25", "reluctant", "delivered", "decl"),
    ]


def test_the_peer_agrees_with_our_store(store, peer):
    store.append(events(*LOG))
    with store.reading() as tx:
        for (actor, day, position), expected in STANCES_BY_HAND.items():
            ours = queries.stances(tx, dt.date.fromisoformat(day), actor=actor, topic="troops", known_at=position)
            assert [s.stance for s in ours] == ([] if expected is None else [expected]), (actor, day, position)
        for (day, position), expected in CONDITIONS_BY_HAND.items():
            ours_c = queries.conditions(tx, dt.date.fromisoformat(day), known_at=position)
            assert [c.status for c in ours_c] == ([] if expected is None else [expected]), (day, position)
        for ours_table, table in ((OUR_STANCES, STANCES), (OUR_CONDITIONS, CONDITIONS)):
            assert [tuple(row) for row in our_current_rows(tx, ours_table, table)] == table.current_rows(
                peer.projection.conn)


def test_the_peer_refuses_a_repeated_event_id(tmp_path):
    opened = Peer(tmp_path / "peer")
    try:
        with pytest.raises(Exception, match="UNIQUE|IntegrityError|unique"):
            opened.import_lines(msgspec.json.encode(obj) for obj in [LOG[0], LOG[0]])
    finally:
        opened.close()
