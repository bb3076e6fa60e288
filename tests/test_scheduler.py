"""Time-driven work in simulated time: the job functions run with a FixedClock, and the job list is inspected.

Nothing here waits for a real day to pass: the clock is moved, the job bodies are
called as the scheduler would call them, and the day jobs the scheduler derived from
the log are compared with the log's upcoming days.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from litestar.testing import TestClient

from events import FixedClock, open_store, verify
from service import backups
from service.app import create_app
from service.live import scheduler as jobs
from service.live.scheduler import JobScheduler, midnight
from service.settings import Settings
from tests.conftest import AUTH, TOKEN, events, make, open_postgres, registrations
from tests.live import wait_until

pytestmark = pytest.mark.timeout(60)


def later_troops(day: str = "2026-01-10", ident: str = "fr-troops-later") -> list:
    """France's troops stance taking effect on ``day`` (recorded before it)."""
    return events(make("stance.stated", day, id=ident, actor="fr", topic="troops", stance="committed"))


def with_deadline(deadline: str = "2026-01-08") -> list:
    """A condition with a deadline, and a commitment that waits on it."""
    return events(
        make("condition.declared", "2026-01-02", id="reg-referendum", condition="referendum", description="a vote",
             kind="trigger", deadline=deadline),
        make("stance.stated", "2026-01-03", id="gb-troops", actor="gb", topic="troops", stance="conditional",
             conditions=["referendum"]),
    )


@pytest.fixture
def sqlite_store(tmp_path, clock):
    """A store on a file, with the standard registrations, at the Paris summit (2026-01-06 12:00 UTC)."""
    store = open_store(tmp_path / "jobs.db", clock=clock, durable=False)
    store.append(events(*registrations()))
    yield store
    store.close()


def changes(store) -> list[tuple]:
    with store.reading() as tx:
        return tx.fetchall("SELECT seq, kind, actor, topic, effective, detail FROM changes ORDER BY seq")


def test_a_future_dated_fact_is_announced_on_its_day_and_not_before(sqlite_store, clock):
    store = sqlite_store
    store.append(later_troops())
    before = changes(store)
    assert not [c for c in before if c[4] == "2026-01-10"]  # recorded on the 6th, effective on the 10th
    for _ in range(3):  # the 7th, 8th and 9th: nothing yet
        clock.advance(days=1)
        assert jobs.announce(store, clock) == 0
    clock.advance(days=1)  # the 10th
    assert jobs.announce(store, clock) == 1
    new = changes(store)[len(before):]
    assert [(kind, actor, topic, effective, json.loads(detail)) for _, kind, actor, topic, effective, detail in new] \
        == [("new", "fr", "troops", "2026-01-10", {"scheduled": True})]
    assert jobs.announce(store, clock) == 0  # once only
    assert verify(store) == []


def test_a_deadline_passing_while_pending_gives_one_overdue_record(sqlite_store, clock):
    store = sqlite_store
    store.append(with_deadline("2026-01-08"))
    clock.advance(days=2)  # the 8th: the deadline day itself is not past
    assert jobs.announce(store, clock) == 0
    clock.advance(days=1)  # the 9th
    assert jobs.announce(store, clock) == 1
    overdue = [c for c in changes(store) if c[1] == "overdue"]
    assert len(overdue) == 1 and overdue[0][4] == "2026-01-09"
    assert json.loads(overdue[0][5]) == {"condition": "referendum", "deadline": "2026-01-08"}
    clock.advance(days=5)
    assert jobs.announce(store, clock) == 0
    assert len([c for c in changes(store) if c[1] == "overdue"]) == 1


def test_the_day_jobs_are_the_logs_upcoming_days_and_follow_it(sqlite_store, clock, tmp_path):
    store = sqlite_store
    store.append(later_troops("2026-01-10"))
    store.append(with_deadline("2026-01-08"))
    scheduler = JobScheduler(store, clock, Settings(database=str(tmp_path / "jobs.db")))
    derived = scheduler.plan()
    assert derived == [midnight(d) for d in store.upcoming_days()] == [
        dt.datetime(2026, 1, 9, tzinfo=dt.UTC), dt.datetime(2026, 1, 10, tzinfo=dt.UTC)]
    assert scheduler.day_runs() == derived
    store.append(later_troops("2026-02-01", "fr-troops-february"))  # a new upcoming day ...
    assert scheduler.plan()[-1] == dt.datetime(2026, 2, 1, tzinfo=dt.UTC)  # ... gets its job
    clock.advance(days=3)  # the 9th: its job has run (the scheduler drops a run date job by itself)
    jobs.announce(store, clock)
    assert scheduler.plan() == scheduler.day_runs() == [
        dt.datetime(2026, 1, 10, tzinfo=dt.UTC), dt.datetime(2026, 2, 1, tzinfo=dt.UTC)]


def test_the_scheduler_starts_with_its_fixed_jobs_and_catches_up(sqlite_store, clock, tmp_path):
    store = sqlite_store
    store.append(later_troops("2026-01-10"))
    clock.advance(days=10)  # the service was down on the 10th
    settings = Settings(database=str(tmp_path / "jobs.db"), backup_dir=str(tmp_path / "b"), backup_interval_hours=6)
    scheduler = JobScheduler(store, clock, settings)
    scheduler.start(paused=True)  # paused: the jobs are scheduled but none runs in real time
    try:
        assert [c for c in changes(store) if c[4] == "2026-01-10"]  # announced at start
        names = {job.id for job in scheduler.scheduler.get_jobs()}
        assert {"announce-daily", "plan", "backup"} <= names
        assert scheduler.day_runs() == []  # nothing upcoming any more
    finally:
        scheduler.stop()


def test_a_restart_after_the_day_passed_announces_at_start(tmp_path, clock):
    settings = Settings(database=str(tmp_path / "svc.db"), token=TOKEN, durable=False, backup_interval_hours=0)
    with TestClient(create_app(settings, clock=clock)) as api:
        body = [*registrations(), make("stance.stated", "2026-01-10", id="later", actor="fr", topic="troops",
                                        stance="committed")]
        assert api.post("/events", json=body, headers=AUTH).status_code == 201
        assert api.get("/changes").json()["changes"] == []
    clock.advance(days=7)  # down over the 10th
    with TestClient(create_app(settings, clock=clock)) as api:
        records = api.get("/changes").json()["changes"]
        assert [(c["kind"], c["effective"], c["detail"]) for c in records] == [
            ("new", "2026-01-10", {"scheduled": True})]


def test_a_running_service_derives_its_day_jobs_again_after_an_append(tmp_path):
    # APScheduler fires by the real clock, so this simulated "now" lies in the real future: the day jobs
    # stay scheduled (a run date in the real past would fire, harmlessly, at once).
    clock = FixedClock(dt.datetime(2099, 1, 6, 12, tzinfo=dt.UTC))
    settings = Settings(database=str(tmp_path / "svc.db"), token=TOKEN, durable=False, backup_interval_hours=0,
                        feed_poll_seconds=0.02)
    with TestClient(create_app(settings, clock=clock)) as api:
        scheduler = api.app.state.background.scheduler
        assert scheduler.day_runs() == []
        body = [*registrations(), make("stance.stated", "2099-01-10", id="later", actor="fr", topic="troops",
                                        stance="committed")]
        assert api.post("/events", json=body, headers=AUTH).status_code == 201
        # The watcher saw the append and asked the scheduler to derive its day jobs again.
        assert wait_until(scheduler.day_runs, what="the day job") == [dt.datetime(2099, 1, 10, tzinfo=dt.UTC)]


def test_backups_open_verify_and_only_the_newest_are_kept(sqlite_store, clock, tmp_path):
    store = sqlite_store
    store.append(later_troops())
    folder = tmp_path / "backups"
    made = []
    for _ in range(5):
        taken = backups.scheduled(store, clock, folder, keep=3)
        assert taken is not None and taken.position == store.last_position()
        made.append(taken.path)
        clock.advance(hours=1)
    kept = sorted(folder.glob("commitments-*.db"))
    assert kept == made[-3:] and [p.name for p in kept] == [
        "commitments-20260106T140000Z.db", "commitments-20260106T150000Z.db", "commitments-20260106T160000Z.db"]
    assert not list(folder.glob(".*"))  # no half-written copies left behind
    for path in kept:
        copy = open_store(path)
        try:
            assert verify(copy) == []
            assert copy.last_position() == store.last_position()
        finally:
            copy.close()


def backup_run(scheduler: JobScheduler) -> dt.datetime:
    """When the scheduler will take its next backup."""
    (job,) = [job for job in scheduler.scheduler.get_jobs() if job.id == "backup"]
    return job.next_run_time


@pytest.mark.parametrize(("newest_age_hours", "due_in"), [
    (None, backups.FIRST_DELAY),  # a minute after the start, not a whole interval later
    (30.0, backups.FIRST_DELAY),
    (5.0, dt.timedelta(hours=19)),  # an interval after the newest
], ids=["no-backup-yet", "older-than-the-interval", "recent"])
def test_the_first_backup_comes_soon_after_start_when_the_newest_is_older_than_the_interval(
        sqlite_store, clock, tmp_path, newest_age_hours, due_in):
    folder = tmp_path / "backups"
    folder.mkdir()
    now = dt.datetime.now(dt.UTC)
    if newest_age_hours is not None:  # the scheduler goes by the file's time: it runs by the real clock
        old = folder / backups.backup_name(now)
        old.write_bytes(b"")
        written = (now - dt.timedelta(hours=newest_age_hours)).timestamp()
        os.utime(old, (written, written))
    settings = Settings(database=str(tmp_path / "jobs.db"), backup_dir=str(folder), backup_interval_hours=24)
    scheduler = JobScheduler(sqlite_store, clock, settings)
    scheduler.start(paused=True)
    try:
        run = backup_run(scheduler)
    finally:
        scheduler.stop()
    assert abs(run - (now + due_in)) < dt.timedelta(seconds=30), (run, now + due_in)


def test_exclusive_lets_one_holder_in(store):
    with store.exclusive("job") as first, store.exclusive("job") as second, store.exclusive("other") as other:
        assert first and not second and other
    with store.exclusive("job") as again:
        assert again


@pytest.mark.parametrize("store", ["postgres"], indirect=True)
def test_postgres_runs_a_job_on_one_instance_and_leaves_backups_to_pg_dump(store, clock):
    other = open_postgres(store.database.schema, clock, pool_size=2)  # a second instance
    try:
        with store.exclusive("announce") as mine, other.exclusive("announce") as theirs:
            assert mine and not theirs
        assert jobs.announce(other, clock) == 0  # free again: runs (nothing to announce)
    finally:
        other.close()
    with pytest.raises(NotImplementedError, match="pg_dump"):
        store.backup("/tmp/never.db")


def test_an_announcement_the_database_refuses_is_tried_again_soon(sqlite_store, clock, tmp_path, monkeypatch):
    from events.model.errors import Unavailable

    settings = Settings(database=str(tmp_path / "jobs.db"), backup_interval_hours=0)
    scheduler = JobScheduler(sqlite_store, clock, settings)
    scheduler.start(paused=True)
    try:
        def away(store, clock):
            raise Unavailable("the database is unavailable (connection refused); retry shortly")

        monkeypatch.setattr(jobs, "announce", away)
        monkeypatch.setattr(sqlite_store, "upcoming_days", lambda day: away(None, None))
        scheduler._announce()  # what the day's job runs: no exception escapes into APScheduler's log
        scheduler._plan()
        retry = scheduler.scheduler.get_job("announce-retry")
        assert retry is not None, "the announcement is scheduled again"
        wait = (retry.trigger.run_date - dt.datetime.now(dt.UTC)).total_seconds()
        assert 0 < wait <= jobs.RETRY_SECONDS
    finally:
        scheduler.stop()
