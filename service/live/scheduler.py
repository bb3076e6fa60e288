"""Time-driven work, on APScheduler 3 (a background thread pool), started and stopped with the app.

Jobs:

* **announce** — ``store.announce_due(today)`` writes the change records of days that
  arrived: future-dated facts taking effect and deadlines passing while pending. It
  runs (a) at start-up, so a day that passed while the service was down is announced
  at once; (b) at 00:00 UTC of each upcoming day the log names (one ``DateTrigger``
  job per day, ``announce-day-YYYY-MM-DD``), re-derived after appends (the watcher
  calls :meth:`JobScheduler.request_plan`) and every ``schedule_refresh_seconds``;
  (c) daily at 00:05 UTC as a safety net.
* **backup** — every ``backup_interval_hours``, a checked ``VACUUM INTO`` copy in a dated
  file of the backup folder, keeping the newest ``backup_keep`` (``service/backups.py``;
  SQLite only: PostgreSQL is backed up with ``pg_dump``). The first one comes a minute
  after start-up when the newest backup is older than the interval (or there is none),
  else an interval after the newest.

Every job body runs under ``store.exclusive(name)``: with several instances on one
PostgreSQL database, one of them does the work (an advisory lock). Announcing is
idempotent anyway (a watermark in the database), so a job that runs late or twice
writes nothing twice. The job functions take the store and the clock explicitly, so
tests run them in simulated time with a :class:`~events.FixedClock`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from pathlib import Path

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from events import Clock, EventStore
from events.model.errors import Unavailable
from events.store import BackupFailed
from service import backups
from service.settings import Settings

_log = logging.getLogger("service.live.scheduler")
if logging.getLogger("apscheduler").level == logging.NOTSET:
    # APScheduler logs every job run at INFO; re-deriving after appends would flood the server's log.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)

DAY_JOB = "announce-day-"
#: Re-deriving after appends waits at least this long after the previous plan started ...
PLAN_GAP_SECONDS = 1.0
#: ... and at least this many times as long as the previous plan took: under a steady stream of appends,
#: planning (a seek per registered topic and condition, then every future-dated fact) takes at most a tenth of
#: a core, however many facts are dated in the future.
PLAN_GAP_FACTOR = 10
#: An announcement the database refused (it is unavailable) is tried again this many seconds later: a day's
#: records would otherwise wait for the next append or the 00:05 safety run.
RETRY_SECONDS = 30.0


# --- the jobs ---------------------------------------------------------------------------


def announce(store: EventStore, clock: Clock) -> int:
    """Announce every day up to today (by ``clock``) not announced yet; returns the records written."""
    with store.exclusive("announce") as mine:
        if not mine:
            return 0  # another instance is announcing right now
        written = store.announce_due(clock.now().date())
    if written:
        _log.info("announced %d change record(s) through %s", written, clock.now().date())
    return written


def midnight(day: dt.date) -> dt.datetime:
    """00:00 UTC of ``day``: when its announcements are due."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


# --- the scheduler ------------------------------------------------------------------------


class JobScheduler:
    """Owns the APScheduler instance of one app: derives its jobs from the log and the settings."""

    def __init__(self, store: EventStore, clock: Clock, settings: Settings, scheduler: BaseScheduler | None = None):
        self.store = store
        self.clock = clock
        self.settings = settings
        self.scheduler = scheduler or BackgroundScheduler(
            timezone=dt.UTC,
            # A job that could not run on time (the machine slept) runs once when it can.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._planning = threading.Lock()
        self._planned_at = -float("inf")  # time.monotonic() when the latest plan started
        self._plan_seconds = 0.0  # how long it took

    def start(self, *, paused: bool = False) -> None:
        """Catch up on days that passed (synchronously), then schedule every job and start the thread."""
        announce(self.store, self.clock)
        s = self.settings
        self.scheduler.add_job(self._announce, CronTrigger(hour=0, minute=5, timezone=dt.UTC), id="announce-daily",
                               name="daily safety announce", replace_existing=True)
        self.scheduler.add_job(self._plan, IntervalTrigger(seconds=s.schedule_refresh_seconds, timezone=dt.UTC),
                               id="plan", name="re-derive the day jobs", replace_existing=True)
        folder = s.backup_path
        if s.backup_interval_hours > 0 and folder is not None:
            interval = dt.timedelta(hours=s.backup_interval_hours)
            first = backups.first_scheduled(folder, interval, dt.datetime.now(dt.UTC))
            self.scheduler.add_job(self._backup, IntervalTrigger(hours=s.backup_interval_hours, start_date=first,
                                                                 timezone=dt.UTC),
                                   args=(folder,), id="backup", name="database backup", replace_existing=True)
        self.plan()
        self.scheduler.start(paused=paused)

    def stop(self) -> None:
        """Stop the thread, letting a running job finish."""
        if self.scheduler.state != STATE_STOPPED:
            self.scheduler.shutdown(wait=True)

    def plan(self) -> list[dt.datetime]:
        """Make the day jobs match the log's upcoming days (after today by the clock); returns their run dates."""
        with self._planning:  # one at a time: a plan reads the log after the one before it finished
            started = self._planned_at = time.monotonic()
            days = self.store.upcoming_days(self.clock.now().date())
            self._plan_seconds = time.monotonic() - started
            wanted = {f"{DAY_JOB}{day.isoformat()}": midnight(day) for day in days}
            have = {job.id for job in self.scheduler.get_jobs() if job.id.startswith(DAY_JOB)}
            for ident in have - wanted.keys():
                with contextlib.suppress(JobLookupError):  # it ran meanwhile
                    self.scheduler.remove_job(ident)
            for ident in wanted.keys() - have:
                self.scheduler.add_job(self._announce, DateTrigger(run_date=wanted[ident], timezone=dt.UTC),
                                       id=ident, name=f"announce {ident[len(DAY_JOB):]}", replace_existing=True)
            return sorted(wanted.values())

    def day_runs(self) -> list[dt.datetime]:
        """The run dates of the day jobs now scheduled."""
        return sorted(job.trigger.run_date for job in self.scheduler.get_jobs() if job.id.startswith(DAY_JOB))

    def request_plan(self, _position: int | None = None) -> None:
        """Re-derive the day jobs soon, on the scheduler's thread (the watcher calls this after appends).

        At once when the last plan is long enough ago, else when it will be (see ``PLAN_GAP_SECONDS``): the
        appends in between are covered by that one plan, which reads the log as it is by then.
        """
        if self.scheduler.state != STATE_STOPPED:
            gap = max(PLAN_GAP_SECONDS, PLAN_GAP_FACTOR * self._plan_seconds)
            delay = self._planned_at + gap - time.monotonic()
            run_date = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay) if delay > 0 else None
            # Two instances: while one plans, the next waits for it and then reads the log as it is by then,
            # so a request that finds both taken (and is skipped) is covered by the waiting one.
            self.scheduler.add_job(self._plan, trigger=DateTrigger(run_date=run_date, timezone=dt.UTC), id="plan-now",
                                   name="re-derive after an append", replace_existing=True, max_instances=2)

    def _announce(self) -> None:
        try:
            announce(self.store, self.clock)
        except Unavailable as error:
            _log.warning("announcing waits for the database: %s; trying again in %g s", error.detail, RETRY_SECONDS)
            run_date = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=RETRY_SECONDS)
            self.scheduler.add_job(self._announce, DateTrigger(run_date=run_date, timezone=dt.UTC),
                                   id="announce-retry", name="announce again", replace_existing=True)

    def _plan(self) -> None:
        """:meth:`plan` as a job: a database that is away is said in one line (the refresh and the next append
        plan again)."""
        try:
            self.plan()
        except Unavailable as error:
            _log.warning("re-deriving the day jobs waits for the database: %s", error.detail)

    def _backup(self, folder: Path) -> None:
        try:
            backups.scheduled(self.store, self.clock, folder, self.settings.backup_keep)
        except NotImplementedError as error:
            _log.warning("no backups from the service: %s", error)
            self.scheduler.remove_job("backup")
        except BackupFailed as error:  # nothing was kept; the next run tries again
            _log.error("the scheduled backup failed: %s", error)
