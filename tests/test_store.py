"""The store contract: positions, recorded time, atomic batches, idempotency, compare-and-append, references.

Runs against every backend the ``store`` fixture provides.
"""

import datetime as dt
import multiprocessing
import os
import re
import threading
from pathlib import Path

import pytest

from events import Conflict, InvalidEvent, UnknownReference, open_store
from events.verify import log_checksum, verify
from tests.conftest import events, make, registrations


def stance(id_, actor="fr", topic="troops", stance_="committed", occurred="2026-01-06", **extra):
    return make("stance.stated", occurred, id=id_, actor=actor, topic=topic, stance=stance_, **extra)


def test_positions_are_gap_free_and_recorded_time_never_goes_back(registered, clock):
    first = registered.last_position()
    clock.advance(days=-30)  # a clock that jumps back must not make recorded time go back
    result = registered.append(events(stance("a"), stance("b")))
    assert [a.position for a in result.appended] == [first + 1, first + 2]
    stored = registered.read()
    assert [s.position for s in stored] == list(range(1, len(stored) + 1))
    assert all(x.recorded <= y.recorded for x, y in zip(stored, stored[1:]))
    assert stored[-1].recorded == stored[-2].recorded  # one append, one instant
    assert stored[-3].recorded < stored[-2].recorded


def test_ids_are_kept_or_assigned_time_sortable(registered):
    result = registered.append(events(make("stance.stated", actor="fr", topic="troops", stance="undecided"),
                                      make("stance.stated", actor="gb", topic="troops", stance="undecided")))
    first, second = (a.id for a in result.appended)
    assert re.fullmatch(r"[0-9A-Z]{26}", first) and first < second
    assert registered.get("reg-fr").event.actor == "fr"


def test_an_identical_retry_stores_nothing_and_returns_the_original_positions(registered):
    batch = events(stance("a"), stance("b", actor="gb"))
    original = registered.append(batch)
    again = registered.append(batch)
    assert again.appended == original.appended and not again.created
    assert again.last_position == original.last_position == registered.last_position()


def test_a_reused_id_with_other_content_is_a_conflict_and_nothing_is_stored(registered):
    registered.append(events(stance("a")))
    before = registered.last_position()
    with pytest.raises(Conflict):
        registered.append(events(stance("new"), stance("a", stance_="declined")))
    assert registered.last_position() == before


def test_compare_and_append(registered):
    last = registered.last_position()
    registered.append(events(stance("a")), expected_position=last)
    with pytest.raises(Conflict, match="expected the log to end at position"):
        registered.append(events(stance("b")), expected_position=last)
    assert registered.last_position() == last + 1


def test_unknown_references_reject_the_whole_batch_naming_each(registered):
    with registered.reading() as tx:
        checksum = log_checksum(tx)
    with pytest.raises(UnknownReference) as caught:
        registered.append(events(stance("ok"), stance("bad", actor="xx", topic="yy", conditions=["zz"])))
    messages = {e.message for e in caught.value.errors}
    assert messages == {"unknown actor 'xx'", "unknown topic 'yy'", "unknown condition 'zz'"}
    with registered.reading() as tx:
        assert log_checksum(tx) == checksum


def test_a_batch_checked_in_chunks_names_faults_by_their_place_in_the_whole_batch(registered, monkeypatch):
    monkeypatch.setattr("events.writing.append.APPEND_CHUNK", 2)
    with registered.reading() as tx:
        checksum = log_checksum(tx)
    batch = events(stance("c1"), stance("c2"), stance("c3"), stance("c4", actor="xx"), stance("c5"))
    with pytest.raises(UnknownReference) as caught:
        registered.append(batch)  # the fault is in the second chunk; the first chunk is already stored by then
    assert [(e.pointer, e.message) for e in caught.value.errors] == [("$[3].actor", "unknown actor 'xx'")]
    assert caught.value.detail == "$[3].actor: unknown actor 'xx'"
    with registered.reading() as tx:
        assert log_checksum(tx) == checksum


def test_a_batch_in_chunks_is_still_one_append_with_one_recorded_instant(registered, monkeypatch):
    monkeypatch.setattr("events.writing.append.APPEND_CHUNK", 2)
    last = registered.last_position()
    result = registered.append(events(*(stance(f"k{n}") for n in range(5)), stance("k0")))  # k0 twice: one copy
    assert [a.position for a in result.appended] == [last + n for n in range(1, 6)] + [last + 1]
    stored = registered.read(after=last)
    assert len(stored) == 5 and len({s.recorded for s in stored}) == 1


def test_references_may_be_defined_in_the_same_batch(store):
    store.append(events(*registrations(actors=("fr",), topics=(), conditions=()),
                        make("topic.defined", "2025", topic="new-topic", name="New"),
                        stance("a", topic="new-topic")))
    assert store.last_position() == 3


def test_an_id_can_be_defined_only_once(registered):
    with pytest.raises(Conflict):
        registered.append(events(make("actor.registered", "2025", actor="fr", name="France again", kind="state")))


def test_reads_by_type_actor_topic_and_recorded_instant(registered, clock):
    clock.advance(hours=1)
    registered.append(events(stance("a"), stance("b", actor="gb", topic="money")))
    assert [s.event.id for s in registered.read(type="stance.stated")] == ["a", "b"]
    assert [s.event.id for s in registered.read(actor="gb")] == ["reg-gb", "b"][1:]
    assert [s.event.id for s in registered.read(topic="money")] == ["b"]
    assert [s.event.id for s in registered.read_since(clock.now() - dt.timedelta(minutes=1))] == ["a", "b"]
    assert [s.position for s in registered.read(after=2, limit=2)] == [3, 4]


def test_corrections_must_target_a_correctable_event(registered):
    registered.append(events(stance("a")))
    with pytest.raises(UnknownReference):
        registered.append(events(make("event.corrected", corrects="nope", retracted=True)))
    with pytest.raises(InvalidEvent, match="registration cannot be retracted"):
        registered.append(events(make("event.corrected", corrects="reg-fr", retracted=True)))
    with pytest.raises(UnknownReference, match="unknown actor 'xx'"):
        registered.append(events(make("event.corrected", corrects="a", replacement={"actor": "xx"})))
    registered.append(events(make("event.corrected", id="c1", corrects="a", retracted=True)))
    with pytest.raises(InvalidEvent, match="already retracted"):
        registered.append(events(make("event.corrected", corrects="a", retracted=True)))
    with pytest.raises(InvalidEvent, match="cannot be corrected"):
        registered.append(events(make("event.corrected", corrects="c1", replacement={"summary": "x"})))


def test_durable_by_default(registered):
    if type(registered.database).__name__ != "SqliteDatabase":
        pytest.skip("SQLite pragmas; PostgreSQL commits synchronously unless durable=False")
    with registered.reading() as tx:
        assert tx.fetchone("PRAGMA synchronous")[0] == 2  # FULL
        assert tx.fetchone("PRAGMA journal_mode")[0] == "wal"


def test_sqlite_starts_the_write_ahead_log_again_under_steady_appends(tmp_path, clock, monkeypatch):
    # Appends back to back, as under steady POSTs: a commit lands during every PASSIVE checkpoint, so without
    # a RESTART now and then SQLite never starts the log over (this loop left a 130 MB log behind).
    from events.store import sqlite as backend

    monkeypatch.setattr(backend, "WAL_RESTART_BYTES", 256 * 1024)
    store = open_store(tmp_path / "w.db", clock=clock)
    store.database._checkpointer = backend._Checkpointer(store.database.path, interval=0.01)
    try:
        store.append(events(*registrations()))
        # One statement a day: statements of one day would compete with each other (docs/as-of.md), which this
        # test of the write-ahead log does not need.
        first_day = dt.date(2020, 1, 1)
        for n in range(1500):
            day = (first_day + dt.timedelta(days=n)).isoformat()
            store.append(events(stance(f"w{n}", stance_="committed" if n % 2 else "declined", occurred=day)))
        assert os.path.getsize(f"{store.database.path}-wal") < 16 * 1024 * 1024
    finally:
        store.close()
    reopened = open_store(tmp_path / "w.db", clock=clock)
    try:
        assert reopened.last_position() == len(registrations()) + 1500 and verify(reopened) == []
    finally:
        reopened.close()


def test_sqlite_checkpoints_the_write_ahead_log_on_its_own_thread(tmp_path, clock):
    store = open_store(tmp_path / "c.db", clock=clock)
    store.append(events(*registrations()))
    with store.reading() as tx:
        assert tx.fetchone("PRAGMA wal_autocheckpoint")[0] == 0  # not inside the writer's COMMIT
    for n in range(20):
        store.append(events(stance(f"w{n}")))
    checkpointer = store.database._checkpointer._thread
    assert checkpointer is not None and checkpointer.is_alive()
    store.close()
    assert not checkpointer.is_alive()
    reopened = open_store(tmp_path / "c.db", clock=clock)
    try:
        assert reopened.last_position() == len(registrations()) + 20 and verify(reopened) == []
        with reopened.reading() as tx:
            assert tx.fetchone("PRAGMA integrity_check")[0] == "ok"
    finally:
        reopened.close()


def test_verify_finds_nothing_wrong_after_appends_and_corrections(registered):
    registered.append(events(stance("a"), stance("b", occurred="2025-12")))
    registered.append(events(make("event.corrected", corrects="a", replacement={"occurred": "2025-11~"})))
    assert verify(registered) == []


def _append_many(path: str, prefix: str, count: int) -> None:
    store = open_store(path)
    for i in range(count):
        store.append(events(stance(f"{prefix}-{i}", actor="fr" if prefix == "p1" else "gb")))
    store.close()


def test_two_processes_append_to_one_file_without_gaps_or_duplicates(tmp_path):
    path = str(tmp_path / "shared.db")
    seed = open_store(path)
    seed.append(events(*registrations()))
    seed.close()
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_append_many, args=(path, f"p{n}", 40)) for n in (1, 2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    store = open_store(path)
    stored = store.read()
    assert [s.position for s in stored] == list(range(1, len(stored) + 1))
    for prefix in ("p1", "p2"):
        mine = [s.event.id for s in stored if s.event.id.startswith(prefix)]
        assert mine == [f"{prefix}-{i}" for i in range(40)]
    assert verify(store) == []
    store.close()


def test_group_commit_keeps_requests_independent(registered):
    before = registered.last_position()
    results = registered.append_group([
        (events(stance("g1")), None),
        (events(stance("bad", actor="nobody")), None),
        (events(stance("g2")), before + 1),  # compare-and-append sees the first request's event
        (events(stance("g3")), before),  # stale: conflict
    ])
    assert [type(r).__name__ for r in results] == ["AppendResult", "UnknownReference", "AppendResult", "Conflict"]
    assert [s.event.id for s in registered.read(after=before)] == ["g1", "g2"]
    recorded = [s.recorded for s in registered.read(after=before)]
    assert recorded[0] == recorded[1]  # one append: one recorded instant
    assert verify(registered) == []


def test_a_compare_and_append_retry_is_answered_as_a_retry(registered):
    last = registered.last_position()
    first = registered.append(events(stance("cas")), expected_position=last)
    again = registered.append(events(stance("cas")), expected_position=last)  # the answer was lost; resend
    assert again.appended == first.appended and not again.created
    with pytest.raises(Conflict):
        registered.append(events(stance("cas-2")), expected_position=last)


def _open_files_under(folder: Path) -> int:
    """This process's open descriptors on files in ``folder`` (the database, its WAL and shared memory)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith(str(folder)):
                count += 1
        except OSError:
            continue
    return count


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc (Linux)")
def test_sqlite_closes_the_connection_of_a_thread_that_ended(tmp_path):
    # Worker pools end idle threads and start new ones: each new thread opens a connection, and the connection of
    # one that ended used to stay open for good (its descriptors and page cache: the soak's RSS crept up).
    store = open_store(tmp_path / "log.db", durable=False)
    store.append(events(*registrations()))

    def read_in_a_new_thread() -> None:
        thread = threading.Thread(target=store.last_position)
        thread.start()
        thread.join()

    read_in_a_new_thread()
    steady = _open_files_under(tmp_path)
    for _ in range(20):
        read_in_a_new_thread()
    # Two descriptors a connection: 20 threads used to leave 40 more. SQLite may keep a closed connection's
    # descriptor for reuse while another connection of the process holds a lock on the file: a few, not 40.
    assert _open_files_under(tmp_path) <= steady + 3
    assert store.last_position() > 0  # this thread's connection, and the others', still work
    store.close()
    assert _open_files_under(tmp_path) == 0
