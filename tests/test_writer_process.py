"""The server's writer process: group commits in a child process, outcomes and errors back intact."""

from __future__ import annotations

import os
import pickle
import signal
import sqlite3

import pytest
from litestar.testing import TestClient

from events import open_store
from events.model.errors import FieldError, InvalidDate, InvalidEvent, Unavailable, UnknownReference
from service.app import create_app
from service.bootstrap import open_services
from service.writing.writer_process import WriterProcess
from tests.conftest import AUTH, POSTGRES_URL, events, make, postgres_schema, registrations, require_postgres

CLOCK = "2026-01-06T12:00:00Z"


@pytest.fixture
def writer(tmp_path):
    """A started writer process on a fresh database file (its clock frozen at the Paris summit)."""
    process = WriterProcess(str(tmp_path / "w.db"), clock=CLOCK)
    process.start()
    yield process
    process.stop()


def stance(event_id: str, actor: str = "fr") -> list:
    return events(make("stance.stated", "2026-01-05", id=event_id, actor=actor, topic="troops", stance="committed"))


def test_errors_keep_their_type_and_field_errors_through_pickle():
    for error in (InvalidEvent("bad", [FieldError("$[0].x", "wrong")]), InvalidDate("2026-13", "no month 13"),
                  Unavailable("busy")):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert (copy.detail, copy.errors, copy.args) == (error.detail, error.errors, error.args)
    assert pickle.loads(pickle.dumps(InvalidDate("2026-13", "no month 13"))).text == "2026-13"


def test_a_group_is_appended_in_the_child_and_each_request_gets_its_own_outcome(writer, tmp_path):
    assert writer.pid not in (None, os.getpid())
    outcomes = writer.append_group([
        (events(*registrations()), None),
        (stance("s-fr"), None),
        (stance("s-xx", actor="nobody"), None),  # refused alone
        (stance("s-gb", actor="gb"), 3),  # a stale expected position
    ])
    assert [type(o).__name__ for o in outcomes] == ["AppendResult", "AppendResult", "UnknownReference", "Conflict"]
    registered, stated, unknown, _ = outcomes
    assert stated.appended[0].position == registered.last_position + 1
    assert isinstance(unknown, UnknownReference)
    assert unknown.errors == [FieldError("$[0].actor", "unknown actor 'nobody'")]
    reader = open_store(tmp_path / "w.db")
    try:
        assert [e.event.id for e in reader.read()][-1] == "s-fr"
        assert reader.last_position() == stated.last_position
    finally:
        reader.close()


def test_a_dead_child_fails_its_group_with_503_and_the_next_group_starts_a_new_one(writer):
    writer.append_group([(events(*registrations()), None)])
    first = writer.pid
    os.kill(first, signal.SIGKILL)
    with pytest.raises(Unavailable, match="writer process stopped"):
        writer.append_group([(stance("s-fr"), None)])
    [retried] = writer.append_group([(stance("s-fr"), None)])  # the same ids: stored once
    assert retried.created and writer.pid not in (None, first)


def test_a_child_that_cannot_open_the_database_is_a_clear_error(tmp_path):
    (tmp_path / "a-directory.db").mkdir()
    with pytest.raises(Unavailable, match="cannot start the writer process"):
        WriterProcess(str(tmp_path / "a-directory.db")).start()


def test_the_server_appends_through_its_writer_process(service_settings):
    settings = service_settings.replace(clock=CLOCK)
    with TestClient(create_app(settings)) as api:
        writer = api.app.state.services.committer.writer
        assert writer is not None and writer.pid not in (None, os.getpid())
        assert api.post("/events", json=registrations(), headers=AUTH).status_code == 201
        response = api.post("/events", json=make("stance.stated", "2026-01-05", actor="fr", topic="troops",
                                                  stance="committed"), headers=AUTH)
        assert response.status_code == 201, response.text
        refused = api.post("/events", json=make("stance.stated", "2026-01-05", actor="nobody", topic="troops",
                                                 stance="committed"), headers=AUTH)
        assert refused.status_code == 422 and "unknown actor 'nobody'" in refused.json()["detail"]
        stances = api.get("/actors/fr/stances", params={"at": "2026-01-06"}).json()
        assert [s["stance"] for s in stances["stances"]] == ["committed"]
        pid = writer.pid
    assert writer.pid is None  # stopped with the app
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_the_writer_process_is_only_used_where_a_child_sees_the_same_store_and_clock(service_settings, clock):
    def uses_process(settings, **kwargs) -> bool:
        services = open_services(settings, **kwargs)
        try:
            return services.committer.writer is not None
        finally:
            services.close()

    assert uses_process(service_settings)
    assert not uses_process(service_settings.replace(writer_process=False))
    assert not uses_process(service_settings.replace(database=":memory:"))
    assert not uses_process(service_settings, clock=clock)  # a clock object a test moves: the child cannot follow


def test_the_writer_process_appends_to_postgresql_too():
    require_postgres()
    with postgres_schema() as schema:
        url = f"{POSTGRES_URL}?schema={schema}&pool_size=2"
        process = WriterProcess(url, clock=CLOCK)
        process.start()
        try:
            registered, stated, unknown = process.append_group(
                [(events(*registrations()), None), (stance("s-fr"), None), (stance("s-xx", actor="nobody"), None)])
        finally:
            process.stop()
        assert isinstance(unknown, UnknownReference)
        reader = open_store(url)
        try:
            assert reader.last_position() == stated.last_position == registered.last_position + 1
            assert reader.get("s-fr").position == stated.last_position
        finally:
            reader.close()


def test_an_unexpected_failure_in_the_child_fails_the_group_with_503_and_is_logged(tmp_path, capfd):
    writer = WriterProcess(str(tmp_path / "w.db"), clock=CLOCK)
    writer.start()  # here, not in a fixture: the child inherits the stderr that capfd reads
    try:
        writer.append_group([(events(*registrations()), None)])
        with sqlite3.connect(tmp_path / "w.db") as conn:  # a disk-like failure while the group writes
            conn.execute("CREATE TRIGGER explode BEFORE INSERT ON events WHEN NEW.id = 's-boom'"
                         " BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END")
        with pytest.raises(Unavailable, match="nothing of it was stored"):
            writer.append_group([(stance("s-fr"), None), (stance("s-boom", actor="gb"), None)])
        [after] = writer.append_group([(stance("s-de", actor="de"), None)])  # the same child goes on
    finally:
        writer.stop()
    assert "simulated write failure" in capfd.readouterr().err
    reader = open_store(tmp_path / "w.db")
    try:
        stored = [e.event.id for e in reader.read()]
        assert stored[-1] == "s-de" and "s-fr" not in stored  # the failed group was rolled back whole
    finally:
        reader.close()
