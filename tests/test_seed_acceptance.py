"""The seed answers the questions the seed issue fixes (acceptance 1-6), through the public query API."""

import datetime as dt

import pytest

from events import queries
from events.verify import verify
from seeds import load_seed

D = dt.date


@pytest.fixture
def seeded(store):
    """A store with the Coalition of the Willing seed loaded."""
    load_seed(store)
    return store


def stance_of(store, actor, topic, day):
    with store.reading() as tx:
        found = queries.stances(tx, day, actor=actor, topic=topic)
    return found[0] if found else None


def test_loading_twice_appends_nothing(seeded):
    last = seeded.last_position()
    assert load_seed(seeded).created is False
    assert seeded.last_position() == last
    assert verify(seeded) == []


def test_1_nobody_has_a_stance_before_the_founding_which_had_fr_and_gb(seeded):
    with seeded.reading() as tx:
        assert queries.stances(tx, D(2025, 2, 15), actor="fr") == []
        assert queries.stances(tx, D(2025, 2, 15), actor="gb") == []
        members = {m.id for m in queries.actor(tx, "coalition", D(2025, 4, 1)).members}
    assert {"fr", "gb"} <= members


def test_2_poland_declines_troops_but_commits_to_the_logistics_hub(seeded):
    assert stance_of(seeded, "pl", "troops-in-ukraine", D(2026, 1, 7)).stance == "declined"
    assert stance_of(seeded, "pl", "logistics-hub", D(2026, 1, 7)).stance == "committed"


def test_3_france_is_conditional_on_a_pending_ceasefire(seeded):
    answer = stance_of(seeded, "fr", "troops-in-ukraine", D(2026, 1, 7))
    assert answer.stance == "conditional"
    assert ("ceasefire", "pending") in {(c.id, c.status) for c in answer.conditions}
    assert answer.status == "pending"
    assert answer.evidence and all(e.sources for e in answer.evidence)


def test_4_germany_declines_troops_but_would_deploy_nearby_with_the_bundestag(seeded):
    assert stance_of(seeded, "de", "troops-in-ukraine", D(2026, 1, 7)).stance == "declined"
    nearby = stance_of(seeded, "de", "supporting-deployment", D(2026, 1, 7))
    assert nearby.stance == "conditional"
    assert "parliament-de" in {c.id for c in nearby.conditions}


def test_5_the_ceasefire_is_pending_with_the_commitments_waiting_on_it(seeded):
    with seeded.reading() as tx:
        pending = {c.id: c for c in queries.conditions(tx, D(2026, 1, 10), status="pending")}
    assert "ceasefire" in pending
    waiting = {(d.actor, d.topic) for d in pending["ceasefire"].dependents}
    assert ("fr", "troops-in-ukraine") in waiting


def test_6_the_timeline_holds_the_oreshnik_strike_and_the_month_precise_founding(seeded):
    with seeded.reading() as tx:
        entries = queries.timeline(tx)
    strikes = [e for e in entries if e.type == "strike.reported" and "Oreshnik" in (e.headline + e.summary)]
    assert [(e.date, e.precision) for e in strikes] == [("2026-01-09", "day")]
    founding = [e for e in entries if e.type == "group.founded" and "coalition" in e.actors]
    assert [(e.date, e.precision) for e in founding] == [("2025-03", "month")]
    assert [e.earliest for e in entries] == sorted(e.earliest for e in entries)


def test_conflicting_member_counts_are_kept_as_two_sourced_claims(seeded):
    claims = [s.event for s in seeded.read(type="claim.made") if "member" in s.event.claim]
    assert len(claims) >= 2
    files = {src.file for claim in claims for src in claim.sources}
    assert len(files) >= 2
