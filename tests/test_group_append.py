"""A group commit is one append: one recorded instant, one projection, each request checked on its own.

``EventStore.append_group`` (what ``service/writing/group_commit.py`` calls) stores the requests
it accepts as a single append, so its change records compare the log before the group
with the log after it, and a rebuild (which replays the events of one recorded instant
as one append) writes exactly the same tables. Each request is still checked against the
log as the requests before it left it, and a refused one gets its own error while the
others are stored. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest

from events import Conflict, UnknownReference, open_store, queries
from events.projections import projector
from events.verify import checksums, log_checksum, verify
from service.writing.group_commit import GroupCommitter
from tests.conftest import events, make, registrations


def stance(id_, actor="fr", topic="troops", stance_="committed", occurred="2026-01-06", **extra):
    return make("stance.stated", occurred, id=id_, actor=actor, topic=topic, stance=stance_, **extra)


def tables(store) -> tuple[str, dict[str, str]]:
    """Digests of the log and of every projection table (change records included)."""
    with store.reading() as tx:
        return log_checksum(tx), checksums(tx)


def change_records(store, after: int = 0):
    with store.reading() as tx:
        return [c for c in queries.changes(tx, limit=1000)[0] if c.seq > after]


def last_seq(store) -> int:
    return max((c.seq for c in change_records(store)), default=0)


#: Requests of one group that touch every projection: a registration used by a later request, a request
#: refused for an unknown reference, two stances on one key, a condition change, and a correction of an
#: event stored by an earlier request of the group.
MIXED_GROUP = [
    [make("actor.registered", "2025", id="reg-it", actor="it", name="Italy", kind="state")],
    [stance("s-it", actor="it", topic="money", stance_="supportive")],
    [stance("s-nobody", actor="nobody")],
    [stance("s-fr-1", stance_="conditional", conditions=["ceasefire"]),
     stance("s-gb", actor="gb", stance_="conditional", occurred="2026-01-05", conditions=["ceasefire"]),
     make("group.founded", "2025-03", id="founded", group="coalition", founders=["fr", "gb"])],
    [make("condition.changed", "2026-01-06", id="cf-met", condition="ceasefire", status="met")],
    [stance("s-fr-2", stance_="supportive")],
    [make("event.corrected", "2026-01-06", id="fix-it", corrects="s-it", replacement={"stance": "committed"})],
]


def test_a_refused_request_is_left_out_and_the_others_are_stored(registered):
    before = registered.last_position()
    results = registered.append_group([(events(stance("g1")), None),
                                       (events(stance("bad", actor="nobody", topic="nothing")), None),
                                       (events(stance("g2", actor="gb")), None)])
    first, refused, last = results
    assert isinstance(refused, UnknownReference)
    assert [e.pointer for e in refused.errors] == ["$[0].actor", "$[0].topic"]
    assert [(a.id, a.position) for a in first.appended] == [("g1", before + 1)]
    assert [(a.id, a.position) for a in last.appended] == [("g2", before + 2)]
    assert first.created and last.created and last.last_position == before + 2
    assert [(s.event.id, s.position) for s in registered.read(after=before)] == [("g1", before + 1),
                                                                                 ("g2", before + 2)]
    assert verify(registered) == []


def test_a_request_may_name_an_actor_an_earlier_request_of_the_group_registered(registered):
    before = registered.last_position()
    too_early, registration, later = registered.append_group([
        (events(stance("early", actor="it")), None),  # the registration comes after it: refused
        (events(make("actor.registered", "2025", id="reg-it", actor="it", name="Italy", kind="state")), None),
        (events(stance("s-it", actor="it", topic="money")), None),
    ])
    assert isinstance(too_early, UnknownReference)
    assert registration.appended[0].position == before + 1 and later.appended[0].position == before + 2
    with registered.reading() as tx:
        assert [s.stance for s in queries.stances(tx, dt.date(2026, 1, 6), topic="money")] == ["committed"]
    assert verify(registered) == []


def test_if_match_is_compared_with_the_log_end_just_before_each_request(registered):
    before = registered.last_position()
    results = registered.append_group([
        (events(stance("first")), before),
        (events(stance("stale")), before),  # the first request moved the log on
        (events(stance("next")), before + 1),
        (events(stance("first")), before),  # a retry of the first: answered as a retry, not a conflict
        (events(stance("ahead")), before + 5),
    ])
    first, stale, following, retry, ahead = results
    assert isinstance(stale, Conflict) and isinstance(ahead, Conflict)
    assert str(before + 2) in str(ahead)  # names the end the request saw
    assert first.appended[0].position == before + 1 and following.appended[0].position == before + 2
    assert retry.appended == first.appended and not retry.created
    assert [s.event.id for s in registered.read(after=before)] == ["first", "next"]


def test_an_identical_retry_within_a_group_or_of_an_earlier_append_answers_with_the_original_position(registered):
    earlier = registered.append(events(stance("old", actor="gb"))).appended[0]
    before = registered.last_position()
    new, same, again_old, other = registered.append_group([
        (events(stance("new")), None),
        (events(stance("new")), None),
        (events(stance("old", actor="gb")), None),
        (events(stance("new", stance_="declined")), None),  # same id, other content
    ])
    assert new.appended[0].position == before + 1 and new.created
    assert same.appended == new.appended and not same.created
    assert again_old.appended == [earlier] and not again_old.created
    assert isinstance(other, Conflict)
    assert registered.last_position() == before + 1


def test_a_groups_events_share_one_instant_and_a_rebuild_writes_the_same_tables(registered, clock):
    clock.advance(hours=1)
    before, seq = registered.last_position(), last_seq(registered)
    results = registered.append_group([(events(*request), None) for request in MIXED_GROUP])
    assert [type(r).__name__ for r in results] == ["AppendResult"] * 2 + ["UnknownReference"] + ["AppendResult"] * 4
    stored = registered.read(after=before)
    assert len(stored) == 8 and len({s.recorded for s in stored}) == 1
    assert stored[0].recorded > registered.read(after=before - 1)[0].recorded
    # One append: the records compare the log before the group with the log after it, so the two stances
    # on (fr, troops) of one day give one record, from before the group to the last stance, caused by it.
    fr = [(c.before.stance, c.after.stance, c.event_id, c.position) for c in change_records(registered, seq)
          if (c.actor, c.topic) == ("fr", "troops")]
    assert fr == [(None, "supportive", "s-fr-2", before + 8)]
    appended = tables(registered)
    registered.rebuild()
    assert tables(registered) == appended
    assert verify(registered) == []


def test_a_group_projects_exactly_what_one_append_of_its_accepted_requests_does(clock, tmp_path, store):
    """The group, and one batch of the same events, in two stores standing at the same moment."""
    store.append(events(*registrations()))
    results = store.append_group([(events(*request), None) for request in MIXED_GROUP])
    accepted = [event for request, result in zip(MIXED_GROUP, results) if not isinstance(result, Exception)
                for event in request]
    single = open_store(tmp_path / "single.db", clock=clock)
    try:
        single.append(events(*registrations()))
        single.append(events(*accepted))
        assert tables(store) == tables(single)
    finally:
        single.close()


def test_a_failure_while_writing_fails_the_whole_group_and_every_request_learns_it(registered, monkeypatch):
    before, log_before = registered.last_position(), tables(registered)

    def failing(self):
        raise RuntimeError("the projection failed")

    monkeypatch.setattr(projector.AppendProjection, "finish", failing)
    with pytest.raises(RuntimeError):
        registered.append_group([(events(stance("w1")), None), (events(stance("w2", actor="gb")), None)])
    assert registered.last_position() == before and tables(registered) == log_before

    committer = GroupCommitter(registered)
    committer.start()
    try:
        futures = [committer.submit(events(stance(f"f{i}"))) for i in range(8)]
        errors = [future.exception(timeout=30) for future in futures]
    finally:
        committer.stop()
    assert all(isinstance(error, RuntimeError) for error in errors)
    monkeypatch.undo()
    assert registered.last_position() == before and tables(registered) == log_before
