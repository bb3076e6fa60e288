"""``commitments backup``: a checked copy on demand, never a success it did not make.

The copy is SQLite's ``VACUUM INTO`` through ``store.backup``, checked before it takes its
name: ``PRAGMA integrity_check`` and a log from position 1 to the end the database had. A
copy that fails the check is refused (and deleted) whatever made it fail: a damaged file, a
log with a gap, a log that ends elsewhere than the database's.
"""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from events import open_store, verify
from events.store import BackupFailed
from events.store import sqlite as sqlite_store
from events.store.sqlite import SqliteDatabase, check_copy
from service import cli
from tests.conftest import POSTGRES_URL, coalition_world, events

CLOCK = "2026-01-12T12:00:00Z"


def run(database, *args: str, expect: int = 0, env: dict[str, str] | None = None):
    result = CliRunner().invoke(cli.main, ["--database", str(database), *args],
                                env={"COMMITMENTS_CLOCK": CLOCK, "COMMITMENTS_BACKUP_DIR": "", **(env or {})})
    assert result.exit_code == expect, (result.output, result.exception)
    return result


@pytest.fixture
def database(tmp_path):
    """A database file holding the small world."""
    path = tmp_path / "data" / "commitments.db"
    store = open_store(path)
    store.append(events(*coalition_world()))
    store.close()
    return path


def test_a_backup_goes_to_the_backup_folder_checked_and_opens_as_the_same_log(database):
    output = run(database, "backup").output
    made = database.parent / "backups" / "commitments-20260112T120000Z.db"
    assert output.startswith(f"Backed up the log through position {len(coalition_world())} to {made} (")
    assert "integrity checked" in output
    copy = open_store(made)
    try:
        assert verify(copy) == [] and copy.last_position() == len(coalition_world())
    finally:
        copy.close()
    assert sorted(p.name for p in made.parent.iterdir()) == [made.name]  # no temporary file left


def test_a_backup_goes_where_it_is_told_and_never_overwrites(database, tmp_path):
    named = tmp_path / "offsite" / "before-upgrade.db"
    assert f"to {named} " in run(database, "backup", str(named)).output
    folder = tmp_path / "folder"
    folder.mkdir()
    assert f"to {folder / 'commitments-20260112T120000Z.db'} " in run(database, "backup", str(folder)).output
    before = named.read_bytes()
    refused = run(database, "backup", str(named), expect=2)
    assert "exists; a backup never overwrites a file" in refused.output and named.read_bytes() == before


def test_a_copy_that_fails_its_check_is_refused_and_nothing_is_kept(database, monkeypatch):
    def check_a_damaged_copy(path):
        """The copy gets a page overwritten (a disk error, say) before the real check reads it."""
        with open(path, "r+b") as handle:
            handle.seek(2 * 4096)
            handle.write(b"\xff" * 4096)
        return check_copy(path)

    monkeypatch.setattr(sqlite_store, "check_copy", check_a_damaged_copy)
    result = run(database, "backup", expect=1)
    assert result.output.startswith("Error: the backup failed, nothing was kept: the copy ")
    assert len(result.output.strip().splitlines()) == 1
    assert list((database.parent / "backups").iterdir()) == []


def test_a_copy_whose_log_ends_elsewhere_is_refused(database, tmp_path, monkeypatch):
    monkeypatch.setattr(SqliteDatabase, "backup", lambda self, path: (path.write_bytes(b"made"), 3)[1])
    target = tmp_path / "short.db"
    result = run(database, "backup", str(target), expect=1)
    assert f"the copy's log ends at position 3, the database's was at {len(coalition_world())}" in result.output
    assert not target.exists()


def test_the_check_refuses_a_damaged_file_and_a_log_with_a_gap(database, tmp_path):
    good = tmp_path / "good.db"
    store = open_store(database)
    try:
        assert store.backup(good) == store.last_position() == check_copy(good)
    finally:
        store.close()
    gap = tmp_path / "gap.db"
    gap.write_bytes(good.read_bytes())
    with sqlite3.connect(gap) as conn:
        conn.execute("DELETE FROM events WHERE position = 3")
    conn.close()
    last = len(coalition_world())
    with pytest.raises(BackupFailed, match=f"holds {last - 1} events but ends at position {last}"):
        check_copy(gap)
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(good.read_bytes()[:8192] + b"\x00" * 100 + good.read_bytes()[8292:])
    with pytest.raises(BackupFailed, match="the copy (fails SQLite's integrity check|cannot be read)"):
        check_copy(damaged)
    with pytest.raises(BackupFailed, match="cannot be (opened|read)"):
        check_copy(tmp_path / "missing.db")


def test_on_postgresql_the_command_names_pg_dump_in_one_line():
    result = CliRunner().invoke(cli.main, ["--database", POSTGRES_URL, "backup"], env={"COMMITMENTS_CLOCK": CLOCK})
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and "pg_dump --format=custom" in result.output
    assert POSTGRES_URL not in result.output  # a URL may hold a password: the advice names the variable
