"""Competing reports of one position (docs/as-of.md, "Competing reports"): when they make a key disputed, what the
answer is, how editors settle them, and what the feed says, on both backends."""

from __future__ import annotations

import datetime as dt

import pytest

from events import InvalidEvent, UnknownReference, queries
from events.verify import verify
from tests.conftest import AUTH, events, make

D = dt.date
NOON = dt.timedelta(hours=2)


def stance(id_, occurred, stance_, actor="fr", topic="troops", **fields):
    return make("stance.stated", occurred, id=id_, actor=actor, topic=topic, stance=stance_, **fields)


def answer(store, day, known_at=None, **filters):
    with store.reading() as tx:
        found = queries.stances(tx, day, actor="fr", topic="troops", known_at=known_at, **filters)
    return found[0] if found else None


def records(store):
    with store.reading() as tx:
        found, _ = queries.changes(tx, limit=1000, actor="fr", topic="troops")
    return [(c.kind, c.effective, c.before.stance, c.before.disputed, c.after.stance, c.after.disputed)
            for c in found]


@pytest.fixture
def reported(registered, clock):
    """France on troops: a report of 2026-01-06 (reluctant), then a report of a position held until that day
    (declined, dated ../2026-01-06) appended an hour later."""
    clock.advance(days=2)
    registered.append(events(stance("report-a", "2026-01-06", "reluctant")))
    clock.advance(hours=1)
    registered.append(events(stance("report-b", "../2026-01-06", "declined")))
    return registered


def test_overlapping_reports_that_differ_make_a_dispute_answered_by_the_most_cautious(reported):
    found = answer(reported, D(2026, 1, 7))
    assert (found.stance, found.disputed) == ("declined", True)
    assert [(a.stance, a.since, [e.event_id for e in a.evidence]) for a in found.alternatives] == [
        ("reluctant", "2026-01-06", ["report-a"])]
    assert [e.event_id for e in found.evidence] == ["report-b"] and found.since_text == "../2026-01-06"
    before = answer(reported, D(2026, 1, 5))  # only the standing position reaches that day: nothing competes
    assert (before.stance, before.disputed, before.alternatives) == ("declined", False, ())
    assert verify(reported) == []


def test_a_dispute_exists_only_from_the_moment_both_reports_were_recorded(reported, clock):
    first_only = clock.now() - dt.timedelta(minutes=30)
    then = answer(reported, D(2026, 1, 7), known_at=first_only)
    assert (then.stance, then.disputed) == ("reluctant", False)
    assert answer(reported, D(2026, 1, 7), disputed=True).stance == "declined"
    assert answer(reported, D(2026, 1, 7), disputed=False) is None


@pytest.mark.parametrize(("ruling", "expected"), [
    (dict(type="dispute.settled", stands="report-a", over=["report-b"]), ("reluctant", ["report-a", "settle"])),
    (dict(type="dispute.settled", stands="report-b", over=["report-a"]), ("declined", ["report-b", "settle"])),
    (dict(type="change.confirmed", earlier="report-b", later="report-a"), ("reluctant", ["report-a"])),
])
def test_editors_settle_a_dispute_or_confirm_a_change(reported, clock, ruling, expected):
    clock.advance(hours=1)
    recorded_before = clock.now() - dt.timedelta(seconds=1)
    ruling = dict(ruling)
    kind = ruling.pop("type")
    reported.append(events(make(kind, "2026-01-08", id="settle", actor="fr", topic="troops",
                                reason="the later report quotes the prime minister", **ruling)))
    found = answer(reported, D(2026, 1, 7))
    assert (found.stance, [e.event_id for e in found.evidence]) == expected
    assert (found.disputed, found.alternatives) == (False, ())
    assert answer(reported, D(2026, 1, 7), known_at=recorded_before).disputed  # the ruling counts once recorded
    assert records(reported)[-1][0] == "settled"
    assert verify(reported) == []


def test_a_retracted_report_no_longer_competes_and_a_new_one_does(reported, clock):
    clock.advance(hours=1)
    reported.append(events(make("event.corrected", id="drop-b", corrects="report-b", retracted=True)))
    assert (answer(reported, D(2026, 1, 7)).stance, answer(reported, D(2026, 1, 7)).disputed) == ("reluctant", False)
    clock.advance(hours=1)
    reported.append(events(stance("report-c", "2026-01", "committed")))  # a month that reaches the 6th
    found = answer(reported, D(2026, 1, 7))
    assert (found.stance, found.disputed, [a.stance for a in found.alternatives]) == ("reluctant", True, ["committed"])
    assert verify(reported) == []


def test_reports_that_agree_or_come_from_one_event_or_follow_each_other_do_not_compete(registered, clock):
    clock.advance(days=2)
    registered.append(events(stance("same-a", "2026-01-03", "supportive"),
                             stance("same-b", "2026-01-03", "supportive", sources=[{"outlet": "Other Wire"}]),
                             stance("later", "2026-01-05", "declined")))
    found = answer(registered, D(2026, 1, 6))
    assert (found.stance, found.disputed) == ("declined", False)  # the 3rd is after every day the others mean
    assert answer(registered, D(2026, 1, 4)).disputed is False  # agreeing reports of one day
    registered.append(events(make("declaration.signed", "2026-01-06", id="two-provisions", declaration="two",
                                  title="Two provisions", signatories=["fr"],
                                  provisions=[{"topic": "troops", "stance": "committed", "summary": "a"},
                                              {"topic": "troops", "stance": "conditional", "summary": "b",
                                               "conditions": ["ceasefire"]}])))
    assert answer(registered, D(2026, 1, 7)).disputed is False  # one event's provisions never compete


def test_the_feed_records_a_key_becoming_disputed_and_settled_once_each(reported, clock):
    # report-b also revised the days before the 6th, when it stood alone (none -> declined)
    assert [r[0] for r in records(reported)] == ["new", "revision", "disputed"]
    assert records(reported)[-1] == ("disputed", "2026-01-06", "reluctant", False, "declined", True)
    clock.advance(hours=1)
    reported.append(events(make("dispute.settled", "2026-01-08", id="settle", actor="fr", topic="troops",
                                stands="report-a", over=["report-b"], reason="r")))
    clock.advance(hours=1)
    reported.append(events(stance("unrelated", "2026-01-01", "reluctant", topic="money")))
    assert [r[0] for r in records(reported)] == ["new", "revision", "disputed", "settled"]
    assert records(reported)[-1] == ("settled", "2026-01-06", "declined", True, "reluctant", False)


def test_the_history_shows_each_interval_with_its_competing_versions(reported):
    with reported.reading() as tx:
        intervals = queries.history(tx, "fr", "troops")
    assert [(i.valid_from, i.stance, i.disputed, [a.stance for a in i.alternatives]) for i in intervals] == [
        ("0001-01-01", "declined", False, []), ("2026-01-06", "declined", True, ["reluctant"])]


def test_a_ruling_must_name_two_events_that_state_the_keys_stance(reported):
    with pytest.raises(UnknownReference, match="unknown event 'nowhere'"):
        reported.append(events(make("dispute.settled", id="bad", actor="fr", topic="troops", stands="nowhere",
                                    over=["report-b"], reason="r")))
    with pytest.raises(InvalidEvent, match="states no stance of fr on money"):
        reported.append(events(make("change.confirmed", id="bad", actor="fr", topic="money", earlier="report-a",
                                    later="report-b", reason="r")))
    with pytest.raises(InvalidEvent, match="two different events"):
        reported.append(events(make("dispute.settled", id="bad", actor="fr", topic="troops", stands="report-a",
                                    over=["report-a"], reason="r")))


def test_over_http_disputed_cells_filter_and_carry_their_versions(service_world):
    appended = service_world.post("/events", json=make("stance.stated", "../2026-01-06", id="de-standing",
                                                       actor="de", topic="troops", stance="supportive"), headers=AUTH)
    assert appended.status_code == 201
    disputed = service_world.get("/stances", params={"at": "2026-01-06", "disputed": "true"}).json()["rows"]
    assert [(r["actor"], r["topic"], r["stance"], r["disputed"]) for r in disputed] == [
        ("de", "troops", "declined", True)]
    assert [a["stance"] for a in disputed[0]["alternatives"]] == ["supportive"]
    undisputed = service_world.get("/stances", params={"at": "2026-01-06", "disputed": "false"}).json()["rows"]
    assert ("de", "troops") not in {(r["actor"], r["topic"]) for r in undisputed}
    assert all(r["disputed"] is False and r["alternatives"] == [] for r in undisputed)
    kinds = [c["kind"] for c in service_world.get("/changes", params={"kind": "disputed"}).json()["changes"]]
    assert kinds == ["disputed"]
