"""The charts' data: one actor's history on every topic, and a topic's counts of actors at each stance over time.

On both backends, a series must say on every day what the stance matrix says for that day (the seed timeline, with
its open starts, imprecise dates and disputes), follow ``known_at``, and refuse unknown ids as the other reads do.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from events import NotFound, events_from_objects, queries, series
from events.model.vocabulary import STANCES
from seeds import read_seed
from tests.conftest import events, make, registrations


@pytest.fixture
def seeded(store):
    """The seed timeline on each backend."""
    store.append(read_seed())
    return store


def days_to_check(dates: list[str]) -> list[dt.date]:
    """Each step's day, the day before it and the day after it (a step must begin exactly on its day)."""
    out = set()
    for text in dates:
        if text == "0001-01-01":  # an open start: the day before it is not a date
            continue
        day = dt.date.fromisoformat(text)
        out.update({day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)})
    return sorted(out)


def step_on(steps, day: dt.date):
    """The step in force on ``day`` (None before the first)."""
    found = None
    for step in steps:
        if step.date <= day.isoformat():
            found = step
    return found


def test_the_counts_of_every_topic_are_the_matrix_on_every_day_they_change(seeded):
    with seeded.reading() as tx:
        topics = sorted({topic for _, topic in queries.stance_keys(tx)})
        assert len(topics) > 3
        for topic in topics:
            steps = series.stance_counts(tx, topic)
            assert steps, topic
            assert [step.date for step in steps] == sorted({step.date for step in steps})
            for day in days_to_check([step.date for step in steps]):
                rows = queries.stances(tx, day, topic=topic)
                step = step_on(steps, day)
                if step is None:
                    assert rows == [], (topic, day)
                    continue
                assert step.counts == {stance: Counter(r.stance for r in rows)[stance] for stance in STANCES}, \
                    (topic, day)
                assert list(step.counts) == list(STANCES)
                assert step.total == len(rows)
                assert step.disputed == sum(1 for r in rows if r.disputed), (topic, day)


def test_the_seed_has_a_topic_where_counts_change_and_reports_compete(seeded):
    """The comparison above would be weak on a seed without moves: troops in Ukraine has several, and disputes."""
    with seeded.reading() as tx:
        steps = series.stance_counts(tx, "troops-in-ukraine")
    assert len(steps) >= 3
    assert any(step.disputed for step in steps)
    assert len({tuple(step.counts.values()) for step in steps}) == len(steps)  # no step repeats the one before


def test_an_actors_history_holds_each_topic_it_has_a_stance_on_and_agrees_with_the_matrix(seeded):
    with seeded.reading() as tx:
        for actor in ("fr", "gb", "it", "us"):
            topics = series.actor_history(tx, actor)
            assert [t.topic for t in topics] == [topic for _, topic in queries.stance_keys(tx, actor=actor)]
            for line in topics:
                assert line.intervals, (actor, line.topic)
                for interval in line.intervals:
                    if interval.valid_from == "0001-01-01":
                        continue
                    day = dt.date.fromisoformat(interval.valid_from)
                    [row] = queries.stances(tx, day, actor=actor, topic=line.topic)
                    assert (row.stance, row.disputed) == (interval.stance, interval.disputed)
        assert any(i.disputed for t in series.actor_history(tx, "it") for i in t.intervals)


def test_known_at_answers_as_the_log_stood_then(registered, clock):
    clock.advance(hours=1)  # the registrations' append took this instant: the next must be later to be told apart
    registered.append(events(
        make("stance.stated", "2025-06-01", id="fr-supports", actor="fr", topic="troops", stance="supportive"),
        make("stance.stated", "2025-07-01", id="gb-supports", actor="gb", topic="troops", stance="supportive")))
    before = clock.now()
    clock.advance(days=1)
    registered.append(events(
        make("stance.stated", "2025-08-01", id="fr-commits", actor="fr", topic="troops", stance="committed")))
    with registered.reading() as tx:
        then = series.stance_counts(tx, "troops", known_at=before)
        now = series.stance_counts(tx, "troops")
        then_fr = series.actor_history(tx, "fr", known_at=before)
        now_fr = series.actor_history(tx, "fr")
    assert [(s.date, s.counts["supportive"], s.counts["committed"]) for s in then] == [
        ("2025-06-01", 1, 0), ("2025-07-01", 2, 0)]
    assert [(s.date, s.counts["supportive"], s.counts["committed"]) for s in now] == [
        ("2025-06-01", 1, 0), ("2025-07-01", 2, 0), ("2025-08-01", 1, 1)]
    assert [[i.stance for i in t.intervals] for t in then_fr] == [["supportive"]]
    assert [[i.stance for i in t.intervals] for t in now_fr] == [["supportive", "committed"]]


def test_a_topic_without_stances_has_no_steps_and_an_actor_without_any_has_no_lines(registered):
    with registered.reading() as tx:
        assert series.stance_counts(tx, "money") == []
        assert series.actor_history(tx, "de") == []


def test_a_restated_stance_makes_no_step(registered):
    """The same stance stated again by the same actor moves no count: no step is added for it."""
    registered.append(events(
        make("stance.stated", "2025-06-01", id="fr-supports", actor="fr", topic="troops", stance="supportive"),
        make("stance.stated", "2025-09-01", id="fr-supports-again", actor="fr", topic="troops", stance="supportive")))
    with registered.reading() as tx:
        steps = series.stance_counts(tx, "troops")
        [line] = series.actor_history(tx, "fr")
    assert [s.date for s in steps] == ["2025-06-01"]
    assert len(line.intervals) == 2  # the actor's chart still shows the second statement as a point


def test_unknown_ids_are_not_found_and_known_at_before_the_topic_says_when_it_was_recorded(store, clock):
    early = clock.now()
    clock.advance(hours=1)
    store.append(events_from_objects(registrations()))
    with store.reading() as tx:
        with pytest.raises(NotFound, match="no topic 'nothing'"):
            series.stance_counts(tx, "nothing")
        with pytest.raises(NotFound, match="no actor 'nobody'"):
            series.actor_history(tx, "nobody")
        with pytest.raises(NotFound, match="topic 'troops' was not yet known at .*ask with a later known_at"):
            series.stance_counts(tx, "troops", known_at=early)
        with pytest.raises(NotFound, match="actor 'fr' was not yet known"):
            series.actor_history(tx, "fr", known_at=early)


@pytest.mark.parametrize(("ruling", "stance"), [
    (dict(type="dispute.settled", stands="report-a", over=["report-b"]), "reluctant"),
    (dict(type="dispute.settled", stands="report-b", over=["report-a"]), "declined"),
    (dict(type="change.confirmed", earlier="report-b", later="report-a"), "reluctant"),
])
def test_counts_follow_disputes_and_the_editors_rulings_as_the_matrix_does(registered, clock, ruling, stance):
    """Two reports of France's position compete (the most cautious is counted, as disputed) until an editor rules."""
    clock.advance(days=2)
    registered.append(events(
        make("stance.stated", "2026-01-06", id="report-a", actor="fr", topic="troops", stance="reluctant"),
        make("stance.stated", "2026-01-06", id="gb-troops", actor="gb", topic="troops", stance="committed")))
    clock.advance(hours=1)
    registered.append(events(
        make("stance.stated", "../2026-01-06", id="report-b", actor="fr", topic="troops", stance="declined")))
    disputed_at = clock.now()
    clock.advance(hours=1)
    ruling = dict(ruling)
    registered.append(events(make(ruling.pop("type"), "2026-01-08", id="ruling", actor="fr", topic="troops",
                                  reason="the later report quotes the prime minister", **ruling)))
    day = dt.date(2026, 1, 7)
    with registered.reading() as tx:
        for known_at, fr_stance, disputed in ((disputed_at, "declined", 1), (None, stance, 0)):
            step = step_on(series.stance_counts(tx, "troops", known_at=known_at), day)
            rows = queries.stances(tx, day, topic="troops", known_at=known_at)
            assert {r.actor: (r.stance, r.disputed) for r in rows}["fr"] == (fr_stance, bool(disputed))
            assert (step.counts[fr_stance], step.counts["committed"], step.disputed) == (1, 1, disputed)
            assert step.total == len(rows) == 2
