"""Backup and restore: ``commitments export`` then ``commitments import`` into an empty database
reproduces the log, every projection and every change record.

The log is the seed timeline plus later appends at different recorded instants:
corrections, a retraction, backdated facts (dated months before they were recorded), a
fact dated in the future (its change record is written when its day arrives, by the next
append's catch-up) and a scheduled announcement run. The restore replays the export's
appends with their original recorded instants, so it must derive the same rows.

Not carried over: the ``watermarks`` table, the service's note of the days through which
announcements were made and at which log position. The export holds events only; the
restore makes its own notes (one per append instead of one per scheduled run too), and
the change records come out the same. A scheduled announcement made after the last
append reappears when the restored service's scheduler (or its next append) catches up.
The scheduled backup file is tested with the scheduler.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from events import FixedClock, open_store
from events.verify import checksums, log_checksum, verify
from service import cli, seeding, transfer
from tests.conftest import events, make

START = dt.datetime(2026, 1, 12, 9, 0, tzinfo=dt.UTC)


def later_history(store, clock: FixedClock) -> None:
    """Appends after the seed, each at its own recorded instant."""
    clock.advance(hours=3)
    store.append(events(make("event.corrected", "2026-01-12", id="fix-fr", corrects="2025-fr-troops-conditional",
                             replacement={"stance": "committed", "occurred": "2025-03/2026-01-04"})))
    clock.advance(days=1)
    store.append(events(  # backdated: dated months before it is recorded
        make("stance.stated", "2025-06~", id="late-pl", actor="pl", topic="financing", stance="supportive"),
        make("condition.changed", "2025-12-20", id="late-cf", condition="ratification", status="failed"),
    ))
    clock.advance(days=2, hours=5)
    store.append(events(make("event.corrected", "2026-01-15", id="retract-pl",
                             corrects="2026-01-06-pl-no-troops-in-ukraine", retracted=True)))
    clock.advance(minutes=30)
    store.append(events(  # dated in the future: announced only when 2026-02-01 comes
        make("stance.stated", "2026-02-01", id="future-it", actor="it", topic="troops-in-ukraine",
             stance="conditional", conditions=["ceasefire"]),
    ))
    clock.advance(days=10)
    store.announce_due()  # the scheduler's daily run: nothing is due yet
    clock.advance(days=15)
    store.append(events(make("stance.stated", "2026-02-05", id="after-it", actor="es", topic="troops-in-ukraine",
                             stance="reluctant")))


#: Bookkeeping of the announcement runs, not derived from the events alone (see the module docstring).
NOT_RESTORED = {"watermarks"}


def every_table(path: Path) -> dict[str, str]:
    """A digest per table of an SQLite file (rows in a stable order), except :data:`NOT_RESTORED`.

    A full-text index is compared by what it holds (every term of every row, by ``fts5vocab``), not by its
    segment pages, whose layout follows the order of writes and merges rather than the content."""
    out = {}
    with sqlite3.connect(path) as conn:
        fts = {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%'")}
        segments = {f"{name}_{part}" for name in fts for part in ("data", "idx")}
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            if name in NOT_RESTORED or name in segments:
                continue
            rows = sorted(repr(row) for row in conn.execute(f'SELECT * FROM "{name}"'))
            if name in fts:
                conn.execute(f'CREATE VIRTUAL TABLE temp."vocab_{name}" USING fts5vocab(main, "{name}", instance)')
                rows += sorted(repr(row) for row in conn.execute(f'SELECT * FROM temp."vocab_{name}"'))
            out[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    conn.close()
    return out


def digests(store) -> tuple[str, dict[str, str]]:
    """The log checksum and the projection checksums (change records included) of a store."""
    with store.reading() as tx:
        return log_checksum(tx), checksums(tx)


def run(*args: str, database: Path, input: bytes | None = None) -> str:
    """Run the CLI on a database; exit code 0."""
    result = CliRunner().invoke(cli.main, ["--database", str(database), *args], input=input,
                                env={"COMMITMENTS_CLOCK": "2026-03-01T00:00:00Z"})
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_export_then_import_into_an_empty_database_reproduces_every_table(tmp_path):
    clock = FixedClock(START)
    source = open_store(tmp_path / "source.db", clock=clock)
    try:
        seeding.load_seed(source)
        later_history(source, clock)
        assert verify(source) == []
        with source.reading() as tx:
            assert tx.fetchone("SELECT count(DISTINCT recorded) FROM events")[0] == 6
            assert tx.fetchone("SELECT count(*) FROM changes WHERE event_id = 'future-it'")[0] == 1
    finally:
        source.close()
    exported = run("export", database=tmp_path / "source.db").encode()
    restored = tmp_path / "restored.db"
    assert "in 6 appends" in run("import", "-", database=restored, input=exported)
    original = every_table(tmp_path / "source.db")
    assert {"events", "event_refs", "changes", "stance_intervals", "registry", "meta"} <= set(original)
    assert every_table(restored) == original
    again = open_store(restored)
    try:
        assert verify(again) == []
    finally:
        again.close()


def test_an_announcement_made_after_the_last_append_comes_back_when_the_restore_catches_up(tmp_path):
    clock = FixedClock(START)
    source = open_store(tmp_path / "source.db", clock=clock)
    try:
        seeding.load_seed(source)
        later_history(source, clock)
        source.append(events(make("stance.stated", "2026-02-20", id="future-nl", actor="nl",
                                  topic="troops-in-ukraine", stance="committed")))
        clock.advance(days=12)
        assert source.announce_due() > 0  # the scheduler's run on the day: future-nl takes effect
        today = clock.now().date()
        with source.reading() as tx:
            changes = checksums(tx)["changes"]
    finally:
        source.close()
    exported = run("export", database=tmp_path / "source.db").encode()
    run("import", "-", database=tmp_path / "restored.db", input=exported)
    restored = open_store(tmp_path / "restored.db")
    try:
        assert digests(restored)[1]["changes"] != changes  # not announced yet: the restore has no scheduler
        restored.announce_due(today)
        assert digests(restored)[1]["changes"] == changes
        assert verify(restored) == []
    finally:
        restored.close()


def test_a_backup_of_either_backend_restores_to_the_same_projections(store, clock, tmp_path):
    """From SQLite or PostgreSQL, through the export format, into SQLite: same log, projections and changes."""
    seeding.load_seed(store)
    later_history(store, clock)
    exported = b"".join(transfer.export_lines(store))  # what `commitments export` writes
    restored = tmp_path / "restored.db"
    run("import", "-", database=restored, input=exported)
    copy = open_store(restored)
    try:
        assert digests(copy) == digests(store)
    finally:
        copy.close()
    lines = [json.loads(line) for line in exported.splitlines()]
    assert [line["position"] for line in lines] == list(range(1, len(lines) + 1))


@pytest.mark.parametrize("damage", ["truncated-last-line", "edited-recorded-order"])
def test_a_damaged_backup_is_refused_whole(tmp_path, damage):
    """A backup cut short mid-line, or with an instant edited to go back in time, restores all or nothing."""
    clock = FixedClock(START)
    source = open_store(tmp_path / "source.db", clock=clock)
    try:
        seeding.load_seed(source)
        later_history(source, clock)
        lines = [line for line in transfer.export_lines(source)]
    finally:
        source.close()
    if damage == "truncated-last-line":
        data = b"".join(lines)[:-40]
        result = CliRunner().invoke(cli.main, ["--database", str(tmp_path / "r.db"), "import", "-"], input=data)
        assert result.exit_code == 2 and f"line {len(lines)}" in result.output
        store = open_store(tmp_path / "r.db")
        try:
            assert store.last_position() == 0
        finally:
            store.close()
    else:
        # recorded instants that go back are moved forward, never stored out of order
        edited = [json.loads(line) for line in lines]
        edited[-1]["recorded"] = "2000-01-01T00:00:00Z"
        data = b"".join(json.dumps(line).encode() + b"\n" for line in edited)
        run("import", "-", database=tmp_path / "r.db", input=data)
        store = open_store(tmp_path / "r.db")
        try:
            assert verify(store) == []
            assert store.read()[-1].recorded > store.read()[-2].recorded
        finally:
            store.close()
