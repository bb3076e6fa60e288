"""Backups of an SQLite database: dated, checked copies in the backup folder, on demand or on schedule.

A backup is ``store.backup`` (``VACUUM INTO`` a new file, then checked: SQLite's integrity
check and the log's last position; see ``events/store/sqlite.py``), named after the instant
it was taken, so the names sort by time. ``commitments backup`` takes one now; the
scheduler (``service/live/scheduler.py``) takes one every ``backup_interval_hours`` and
keeps the newest ``backup_keep``, the first one shortly after start-up when the newest
backup is older than the interval. PostgreSQL databases are backed up with ``pg_dump``
(docs/deploy.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from events import Clock, EventStore

_log = logging.getLogger("service.backups")

PATTERN = "commitments-*.db"
#: How long after start-up the first scheduled backup is taken when one is due: the start itself goes first.
FIRST_DELAY = dt.timedelta(minutes=1)
#: What ``commitments backup`` says on PostgreSQL.
PG_DUMP_ADVICE = ("PostgreSQL databases are backed up with pg_dump, not by the service: "
                  "pg_dump --format=custom --file=commitments.dump \"$COMMITMENTS_DATABASE_URL\" (docs/deploy.md)")


@dataclass(frozen=True)
class Backup:
    """A checked backup: the file, and the log's last position in it."""

    path: Path
    position: int


def backup_name(instant: dt.datetime) -> str:
    """The file name of a backup taken at ``instant``: sorts by time."""
    return f"commitments-{instant.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}.db"


def destination(path: Path | None, folder: Path | None, now: dt.datetime) -> Path:
    """Where an on-demand backup goes: ``path`` itself, a dated file in it when it is a folder, or a dated file in the
    backup ``folder`` when no path is given (ValueError when there is none: an in-memory database)."""
    if path is None:
        if folder is None:
            raise ValueError("an in-memory database has no backup folder: name the file, e.g. commitments backup b.db")
        return folder / backup_name(now)
    return path / backup_name(now) if path.is_dir() else path


def take(store: EventStore, path: Path) -> Backup:
    """Copy the database to the new file ``path`` and check the copy (``store.backup``): BackupFailed otherwise,
    NotImplementedError on PostgreSQL."""
    return Backup(path, store.backup(path))


def rotate(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``folder``; returns what was deleted."""
    found = sorted(folder.glob(PATTERN))
    doomed = found[:-keep] if keep > 0 else found
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def scheduled(store: EventStore, clock: Clock, folder: Path, keep: int) -> Backup | None:
    """The scheduled backup: a dated, checked copy in ``folder``, keeping the newest ``keep``; None when another
    run holds the job. Raises NotImplementedError on PostgreSQL (use ``pg_dump``) and BackupFailed."""
    with store.exclusive("backup") as mine:
        if not mine:
            return None
        target = folder / backup_name(clock.now())
        if target.exists():  # two runs within one second: the first one's copy stands
            return None
        made = take(store, target)
        _log.info("backed up the log through position %d to %s", made.position, target)
        rotate(folder, keep)
        return made


def newest(folder: Path) -> Path | None:
    """The newest backup in ``folder`` (by name: the instant it was taken), or None."""
    found = sorted(folder.glob(PATTERN))
    return found[-1] if found else None


def first_scheduled(folder: Path, interval: dt.timedelta, now: dt.datetime) -> dt.datetime:
    """When the first scheduled backup after a start is due: an interval after the newest backup was written, but
    no sooner than :data:`FIRST_DELAY` from ``now`` (at once, that is, when it is older than the interval).

    Measured by the file's modification time: the scheduler runs by the real clock, whatever the service's is.
    """
    soonest = now + FIRST_DELAY
    last = newest(folder)
    if last is None:
        return soonest
    written = dt.datetime.fromtimestamp(last.stat().st_mtime, dt.UTC)
    return max(soonest, written + interval)
