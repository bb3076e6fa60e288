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


def test_1_france_and_britain_have_no_stance_before_the_founding_which_had_them(seeded):
    with seeded.reading() as tx:
        assert queries.stances(tx, D(2025, 2, 15), actor="fr") == []
        assert queries.stances(tx, D(2025, 2, 15), actor="gb") == []
        members = {m.id for m in queries.actor(tx, "coalition", D(2025, 4, 1)).members}
    assert {"fr", "gb"} <= members


def test_2_poland_declines_troops_but_serves_as_the_logistics_hub(seeded):
    assert stance_of(seeded, "pl", "troops-in-ukraine", D(2026, 1, 7)).stance == "declined"
    # 004: Poland has been the hub "since the start of Russia's full-scale invasion" (Feb 2022): delivered, a
    # role held since then, so uncertain until the report's day and certain after it.
    hub = stance_of(seeded, "pl", "logistics-hub", D(2026, 1, 7))
    assert (hub.stance, hub.since, hub.certain) == ("delivered", "2022-02-01", True)
    assert stance_of(seeded, "pl", "logistics-hub", D(2024, 6, 1)).certain is False


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


def test_a_standing_position_is_uncertain_until_the_report_that_describes_it(seeded):
    """004 says Germany is "so far ruling out" troops: a position held from an unknown start (../2026-01-06)."""
    on_the_day = stance_of(seeded, "de", "troops-in-ukraine", D(2026, 1, 6))
    assert (on_the_day.stance, on_the_day.since_text, on_the_day.certain) == ("declined", "../2026-01-06", False)
    assert stance_of(seeded, "de", "troops-in-ukraine", D(2025, 6, 1)).certain is False
    assert stance_of(seeded, "de", "troops-in-ukraine", D(2026, 1, 7)).certain is True


def test_spain_is_willing_not_committed(seeded):
    """002 "indicated willingness ... pending approval", 004 "open to contributing troops"."""
    spain = stance_of(seeded, "es", "troops-in-ukraine", D(2026, 1, 7))
    assert (spain.stance, spain.status) == ("supportive", None)


def test_both_italian_reports_are_in_the_log_with_their_sources(seeded):
    """002 reports reluctance, 004 ruling out: the log keeps both, each with its own article."""
    italy = [s.event for s in seeded.read(actor="it", topic="troops-in-ukraine") if s.event.type == "stance.stated"]
    assert {(e.stance, e.sources[0].file) for e in italy} == {
        ("reluctant", "002_4679cc5323775f28.txt"), ("declined", "004_619a187213077d11.txt")}


def test_ukraine_is_a_signatory_of_the_paris_declaration(seeded):
    """000 and 001: the declaration was signed by Zelenskyy alongside Macron and Starmer."""
    assert "ua" in seeded.get("2026-01-06-paris-declaration").event.signatories


def test_conflicting_member_counts_are_kept_as_separate_sourced_claims(seeded):
    claims = [s.event for s in seeded.read(type="claim.made") if "member-count" in s.event.tags]
    assert len(claims) >= 4
    files = {src.file for claim in claims for src in claim.sources}
    assert len(files) >= 3


def test_the_store_answers_7_january_with_the_disputes_docs_seed_data_lists(seeded):
    """docs/seed-data.md's "Competing reports": each key listed is disputed on 7 January with that main answer,
    and no other key is (Italy: declined, the more cautious of 004's "ruling out" and 002's "reluctance")."""
    import re
    from pathlib import Path

    section = (Path(__file__).resolve().parent.parent / "docs" / "seed-data.md").read_text(encoding="utf-8")
    section = section.split("## Competing reports", 1)[1].split("\n## ", 1)[0]
    listed = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"`[a-z-]+`", cells[0]):
            listed[(cells[0].strip("`"), cells[1].strip("`"))] = cells[3].split()[0]
    with seeded.reading() as tx:
        disputed = queries.stances(tx, D(2026, 1, 7), disputed=True)
    assert {(s.actor, s.topic): s.stance for s in disputed} == listed
    italy = next(s for s in disputed if (s.actor, s.topic) == ("it", "troops-in-ukraine"))
    assert [a.stance for a in italy.alternatives] == ["reluctant"]
