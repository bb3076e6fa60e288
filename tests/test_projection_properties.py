"""Property tests: on random logs (backdated facts, imprecise dates, corrections, retractions,
condition changes, future-dated facts) the store's answers equal a naive model's, at every
valid date and every recorded moment, and incremental projection equals a rebuild.
"""

from __future__ import annotations

import datetime as dt
from contextlib import ExitStack
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import FixedClock, events_from_objects, open_store, queries
from events.projections import projector
from events.projections.facts import FactTable
from events.verify import checksums
from events.writing import append, rebuild
from tests.conftest import make, registrations
from tests.model import Model

ACTORS = ("fr", "gb", "de")
TOPICS = ("troops", "money")
CONDITIONS = ("ceasefire", "vote")
STANCES = ("hostile", "declined", "undecided", "supportive", "conditional", "committed")
START = dt.date(2026, 1, 1)
DAYS = [START + dt.timedelta(days=n) for n in range(0, 40, 3)]


@st.composite
def occurred(draw, last_day=35):
    day = START + dt.timedelta(days=draw(st.integers(0, last_day)))
    form = draw(st.sampled_from(["day", "day", "day", "approx", "month", "interval", "instant", "instant",
                                 "unknown-end"]))
    if form == "instant":  # few distinct times, so that ties within a day and within a second happen
        return f"{day.isoformat()}T{draw(st.sampled_from(['00:00:00', '09:30:00', '18:00:00']))}Z"
    if form == "unknown-end":
        return day.isoformat() + "/"
    if form == "approx":
        return day.isoformat() + "~"
    if form == "month":
        return day.isoformat()[:7]
    if form == "interval":
        return f"{day.isoformat()}/{(day + dt.timedelta(days=draw(st.integers(1, 4)))).isoformat()}"
    return day.isoformat()


@st.composite
def fact(draw, last_day=35):
    kind = draw(st.sampled_from(["stance", "stance", "stance", "declaration", "warning", "condition"]))
    when = draw(occurred(last_day))
    conditions = draw(st.lists(st.sampled_from(CONDITIONS), unique=True, max_size=2))
    if kind == "stance":
        return make("stance.stated", when, actor=draw(st.sampled_from(ACTORS)), topic=draw(st.sampled_from(TOPICS)),
                    stance=draw(st.sampled_from(STANCES)), conditions=conditions)
    if kind == "declaration":
        provisions = [{"topic": draw(st.sampled_from(TOPICS)), "stance": draw(st.sampled_from(STANCES)),
                       "summary": "p", "conditions": conditions} for _ in range(draw(st.integers(1, 2)))]
        return make("declaration.signed", when, declaration="pending-id", title="D",
                    signatories=draw(st.lists(st.sampled_from(ACTORS), unique=True, min_size=1, max_size=3)),
                    provisions=provisions)
    if kind == "warning":
        return make("warning.issued", when, actor=draw(st.sampled_from(ACTORS)), topic=draw(st.sampled_from(TOPICS)))
    return make("condition.changed", when, condition=draw(st.sampled_from(CONDITIONS)),
                status=draw(st.sampled_from(["pending", "met", "failed", "withdrawn"])))


@st.composite
def logs(draw, last_day=35):
    """Up to 7 appends of 1-3 events each (facts or corrections of earlier ones), dated up to ``last_day`` days
    after START."""
    appends = []
    counter = 0
    correctable: list[str] = []
    stated: dict[tuple[str, str], list[str]] = {}  # stance.stated ids per key, for editors' rulings
    naming: dict[str, list[str]] = {}  # the rulings that name each event
    for _ in range(draw(st.integers(1, 7))):
        batch = []
        for _ in range(draw(st.integers(1, 3))):
            counter += 1
            ruled = [key for key, ids in stated.items() if len(ids) >= 2]
            if ruled and draw(st.integers(0, 5)) == 0:
                (actor, topic) = draw(st.sampled_from(sorted(ruled)))
                first, second = draw(st.permutations(stated[(actor, topic)]))[:2]
                if draw(st.booleans()):
                    ruling = make("dispute.settled", "2026-01-20", actor=actor, topic=topic, stands=first,
                                  over=[second], reason="r")
                else:
                    ruling = make("change.confirmed", "2026-01-20", actor=actor, topic=topic, earlier=first,
                                  later=second, reason="r")
                batch.append({**ruling, "id": f"e{counter}"})
                correctable.append(f"e{counter}")
                for named in (first, second):
                    naming.setdefault(named, []).append(f"e{counter}")
                continue
            if correctable and draw(st.integers(0, 4)) == 0:
                target = draw(st.sampled_from(correctable))
                if draw(st.booleans()):
                    correctable.remove(target)
                    for ids in stated.values():  # a ruling may not name a retracted event
                        if target in ids:
                            ids.remove(target)
                    for ruling_id in naming.get(target, []):  # nor be restated (corrected) once it names one
                        if ruling_id in correctable:
                            correctable.remove(ruling_id)
                    batch.append(make("event.corrected", id=f"e{counter}", corrects=target, retracted=True))
                else:
                    replacement = draw(st.sampled_from([{"occurred": draw(occurred(last_day))},
                                                        {"stance": draw(st.sampled_from(STANCES))},
                                                        {"status": "met"}]))
                    batch.append(make("event.corrected", id=f"e{counter}", corrects=target, replacement=replacement))
                continue
            event = {**draw(fact(last_day)), "id": f"e{counter}"}
            if event["type"] == "declaration.signed":
                event["declaration"] = f"d{counter}"
            if event["type"] == "stance.stated":
                stated.setdefault((event["actor"], event["topic"]), []).append(event["id"])
            batch.append(event)
            correctable.append(event["id"])
        appends.append((draw(st.integers(0, 4)), batch))
    return appends


def _fits(objects_by_id, correction):
    """Only keep corrections whose replacement fields exist on the target type."""
    target = objects_by_id[correction["corrects"]]
    return all(key in target or key in ("occurred",) for key in correction.get("replacement", {}))


def _usable(log):
    """The log's appends without corrections whose replacement fields the target type lacks (skipping emptied ones)."""
    by_id = {}
    for days_later, batch in log:
        kept = []
        for obj in batch:
            if obj["type"] != "event.corrected" or _fits(by_id, obj):
                kept.append(obj)
                by_id[obj["id"]] = obj
        if kept:
            yield days_later, kept


#: Logs over three days: most facts share their day with other facts of their key, so most rows are same-day
#: losers (which appends leave unread), and corrections and retractions often end the last row of a day.
CROWDED = logs(last_day=2)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs())
def test_answers_equal_the_model_at_every_date_and_moment(log):
    _check_answers_against_the_model(log)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CROWDED)
def test_answers_equal_the_model_when_facts_crowd_into_few_days(log):
    _check_answers_against_the_model(log)


def _check_answers_against_the_model(log) -> None:
    """Stances (current and known at every moment, on every day of DAYS), change records and scheduled records
    equal the model's, and the tables equal a rebuild's."""
    clock = FixedClock(dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC))
    store = open_store(":memory:", clock=clock)
    store.append(events_from_objects(registrations(actors=ACTORS, topics=TOPICS, conditions=CONDITIONS)))
    model = Model()
    model.add(clock.now().date(), [])
    moments = [clock.now()]
    for days_later, batch in _usable(log):
        clock.advance(days=days_later, hours=1)
        parsed = events_from_objects(batch)
        store.append(parsed)
        model.add(clock.now().date(), parsed)
        moments.append(clock.now())
    with store.reading() as tx:
        for upto, moment in enumerate(moments, start=1):
            known_at = None if upto == len(moments) else moment
            for day in DAYS:
                matrix = queries.stances(tx, day, known_at=known_at)
                got = {(s.actor, s.topic): s for s in matrix}
                for actor in ACTORS:  # one actor's answer is another statement: it must give the same answers
                    assert queries.stances(tx, day, actor=actor, known_at=known_at) == [
                        s for s in matrix if s.actor == actor], (upto, day, actor)
                for actor in ACTORS:
                    for topic in TOPICS:
                        want = model.stance(upto, actor, topic, day)
                        have = got.get((actor, topic))
                        if want is None:
                            assert have is None, (upto, day, actor, topic)
                            continue
                        assert have is not None, (upto, day, actor, topic, want)
                        assert (have.stance, have.status, have.certain) == (want["stance"], want["status"],
                                                                             want["certain"]), (upto, day)
                        assert have.disputed == want["disputed"], (upto, day, actor, topic)
                        assert [a.stance for a in have.alternatives] == want["alternatives"], (upto, day, actor, topic)
                        assert [(c.id, c.status) for c in have.conditions] == want["conditions"]
        changes, _ = queries.changes(tx, limit=10_000)
    _check_change_records(model, [c for c in changes if not c.detail], moments)
    horizon = dt.date(2026, 2, 12)
    store.announce_due(horizon)
    with store.reading() as tx:
        changes, _ = queries.changes(tx, limit=10_000)
    _check_scheduled_records(model, [c for c in changes if c.detail], horizon)
    with store.reading() as tx:
        incremental = checksums(tx)
    store.rebuild()
    with store.reading() as tx:
        assert checksums(tx) == incremental
    store.close()


def _check_change_records(model: Model, changes, moments) -> None:
    """Each record's before/after match the model; a changed present always has a `new` record."""
    by_append: dict[int, list] = {}
    ends = []
    position = 0
    for _recorded, events in model.appends:
        position += len(events) + (len(registrations(actors=ACTORS, topics=TOPICS, conditions=CONDITIONS))
                                   if not ends else 0)
        ends.append(position)
    for change in changes:
        upto = ends.index(change.position) + 1
        by_append.setdefault(upto, []).append(change)
        day = dt.date.fromisoformat(change.effective)
        before = model.state(upto - 1, change.actor, change.topic, day)
        after = model.state(upto, change.actor, change.topic, day)
        assert before != after
        assert (change.before.stance, change.before.status, change.before.disputed) == before
        assert (change.after.stance, change.after.status, change.after.disputed) == after
        if before[2] != after[2]:
            assert change.kind == ("disputed" if after[2] else "settled"), change
        else:
            assert change.kind in ("new", "revision"), change
    for upto in range(2, len(model.appends) + 1):
        today = model.appends[upto - 1][0]
        for actor in ACTORS:
            for topic in TOPICS:
                now = model.state(upto, actor, topic, today)
                changed = model.state(upto - 1, actor, topic, today) != now
                records = [c for c in by_append.get(upto, []) if (c.actor, c.topic) == (actor, topic)]
                news = [c for c in records if c.kind == "new"]
                if changed:  # the run reaching today: `new`, or `disputed` / `settled` when that is what changed
                    last = records[-1]
                    assert last.kind in ("new", "disputed", "settled"), (upto, actor, topic, records)
                    assert (last.after.stance, last.after.status, last.after.disputed) == now
                else:
                    assert not news, (upto, actor, topic, records)
                if not records:
                    for day in DAYS:
                        if day <= today:
                            assert model.state(upto - 1, actor, topic, day) == model.state(upto, actor, topic, day)


def _check_scheduled_records(model: Model, scheduled, horizon: dt.date) -> None:
    """Days that arrive after the last append announce exactly the state changes the model sees on them."""
    final = len(model.appends)
    last_append = model.appends[-1][0]
    got = {(c.actor, c.topic, c.effective): c for c in scheduled if dt.date.fromisoformat(c.effective) > last_append}
    day = last_append + dt.timedelta(days=1)
    while day <= horizon:
        for actor in ACTORS:
            for topic in TOPICS:
                before = model.state(final, actor, topic, day - dt.timedelta(days=1))
                after = model.state(final, actor, topic, day)
                record = got.pop((actor, topic, day.isoformat()), None)
                if before == after:
                    assert record is None, record
                else:
                    kind = "new" if before[2] == after[2] else "disputed" if after[2] else "settled"
                    assert record is not None and record.kind == kind, (actor, topic, day)
                    assert ((record.before.stance, record.before.status, record.before.disputed),
                            (record.after.stance, record.after.status, record.after.disputed)) == (before, after)
        day += dt.timedelta(days=1)
    assert not got


def _tables_after(log, *, chunked: bool, read_losers: bool = False, first: str = "registrations") -> tuple[dict, dict]:
    """Checksums of every table after appending the log, and after a rebuild; ``chunked`` feeds the projector
    one event, one stance key and one log row at a time (what a huge import or rebuild does in thousands);
    ``read_losers`` makes appends read every current row of the keys they touch, same-day losers included.
    ``first``: what the first append holds, which a rebuild projects key by key: the registrations alone,
    the registrations and the log's first append, or the whole log (an import)."""
    clock = FixedClock(dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC))
    store = open_store(":memory:", clock=clock)
    with ExitStack() as patches:
        if chunked:
            patches.enter_context(mock.patch.object(append, "APPEND_CHUNK", 1))
            patches.enter_context(mock.patch.object(projector, "KEY_GROUP", 1))
            patches.enter_context(mock.patch.object(rebuild, "PAGE", 1))
        if read_losers:
            load_current = FactTable.load_current

            def every_row(table, tx, starts, **options):
                return load_current(table, tx, starts, **{**options, "every_row": set(starts)})

            patches.enter_context(mock.patch.object(FactTable, "load_current", every_row))
        appends = [(None, registrations(actors=ACTORS, topics=TOPICS, conditions=CONDITIONS)), *_usable(log)]
        if first != "registrations":
            merged = len(appends) if first == "all" else 2
            appends[:merged] = [(None, [obj for _, batch in appends[:merged] for obj in batch])]
        for days_later, batch in appends:
            if days_later is not None:
                clock.advance(days=days_later, hours=1)
            store.append(events_from_objects(batch))
        with store.reading() as tx:
            appended = checksums(tx)
        store.rebuild()
        with store.reading() as tx:
            rebuilt = checksums(tx)
    store.close()
    return appended, rebuilt


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs())
def test_an_append_fed_in_chunks_projects_exactly_what_one_piece_does(log):
    whole = _tables_after(log, chunked=False)
    assert _tables_after(log, chunked=True) == whole


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(logs(), CROWDED))
def test_leaving_same_day_losers_unread_projects_exactly_what_reading_them_does(log):
    every_row = _tables_after(log, chunked=False, read_losers=True)
    assert _tables_after(log, chunked=False) == every_row


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(logs(), CROWDED), st.sampled_from(["with-facts", "all"]))
def test_a_rebuild_projects_a_first_append_with_facts_key_by_key_as_the_append_did(log, first):
    appended, rebuilt = _tables_after(log, chunked=False, first=first)
    assert rebuilt == appended
