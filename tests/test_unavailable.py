"""A database that is away for a moment answers 503 with Retry-After, on both backends, and the next request works.

Each backend maps its driver's transient failures to ``Unavailable``: SQLite a write lock
held past the busy timeout, PostgreSQL a lost connection (here: its backend terminated in
the middle of a request, as a restart or an administrator would).
"""

from __future__ import annotations

import sqlite3

import pytest
from litestar.testing import TestClient

from events import queries
from events.model.errors import Unavailable
from service.app import create_app
from service.settings import Settings
from tests.conftest import (
    AUTH,
    POSTGRES_URL,
    TOKEN,
    coalition_world,
    events,
    make,
    postgres_schema,
    registrations,
    require_postgres,
)


def stance(id_: str) -> dict:
    return make("stance.stated", "2026-01-07", id=id_, actor="fr", topic="troops", stance="committed")


def kill_own_connection(tx) -> None:
    """Terminate the PostgreSQL backend this transaction runs on, as a restart would."""
    tx.execute("SELECT pg_terminate_backend(pg_backend_pid())")


@pytest.fixture
def short_busy_timeout(monkeypatch):
    """SQLite writers give up after 0.2 s instead of 30 s (set before a store opens its connections)."""
    monkeypatch.setattr("events.store.sqlite.BUSY_TIMEOUT_MS", 200)


def hold_sqlite_write_lock(path) -> sqlite3.Connection:
    """Another process's writer, holding the file's write lock until rolled back."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_sqlite_a_write_lock_held_past_the_timeout_is_unavailable_then_appends_resume(tmp_path, clock,
                                                                                     short_busy_timeout):
    from events import open_store

    store = open_store(tmp_path / "busy.db", clock=clock)
    try:
        store.append(events(*registrations()))
        other = hold_sqlite_write_lock(tmp_path / "busy.db")
        with pytest.raises(Unavailable, match="busy"):
            store.append(events(stance("s1")))
        other.rollback()
        other.close()
        assert store.append(events(stance("s1"))).created
        assert store.last_position() == len(registrations()) + 1
    finally:
        store.close()


def test_postgres_a_connection_killed_mid_read_is_unavailable_and_the_next_read_works(clock):
    require_postgres()
    from tests.conftest import open_postgres

    with postgres_schema() as schema:
        store = open_postgres(schema, clock, pool_size=2)
        try:
            store.append(events(*registrations()))
            with pytest.raises(Unavailable, match="unavailable"), store.reading() as tx:
                kill_own_connection(tx)
            with pytest.raises(Unavailable), store.writing() as tx:
                kill_own_connection(tx)
            assert store.last_position() == len(registrations())
            assert store.append(events(stance("s1"))).created
        finally:
            store.close()


def test_sqlite_over_http_a_held_write_lock_answers_503_with_retry_after_then_201(tmp_path, clock,
                                                                                  short_busy_timeout):
    settings = Settings(database=str(tmp_path / "busy.db"), token=TOKEN, write_burst=100, write_rate=100.0)
    with TestClient(create_app(settings, clock=clock)) as client:
        assert client.post("/events", json=coalition_world(), headers=AUTH).status_code == 201
        other = hold_sqlite_write_lock(tmp_path / "busy.db")
        try:
            refused = client.post("/events", json=stance("s1"), headers=AUTH)
        finally:
            other.rollback()
            other.close()
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert int(refused.headers["retry-after"]) >= 1 and refused.json()["status"] == 503
        assert client.get("/events/s1").status_code == 404  # nothing of it was stored
        assert client.post("/events", json=stance("s1"), headers=AUTH).status_code == 201


def test_postgres_over_http_a_connection_killed_mid_request_answers_503_then_the_next_request_works(
        clock, monkeypatch):
    require_postgres()
    with postgres_schema() as schema:
        settings = Settings(database=f"{POSTGRES_URL}?schema={schema}&pool_size=2", token=TOKEN, write_burst=100,
                            write_rate=100.0, answer_cache_bytes=0)
        with TestClient(create_app(settings, clock=clock)) as client:
            assert client.post("/events", json=coalition_world(), headers=AUTH).status_code == 201
            original = queries.stances
            killed = []

            def stances_on_a_dying_connection(tx, *args, **kwargs):
                if not killed:
                    killed.append(True)
                    kill_own_connection(tx)
                return original(tx, *args, **kwargs)

            monkeypatch.setattr(queries, "stances", stances_on_a_dying_connection)
            refused = client.get("/actors/fr/stances", params={"at": "2026-01-07"})
            assert killed and refused.status_code == 503, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert int(refused.headers["retry-after"]) >= 1
            answered = client.get("/actors/fr/stances", params={"at": "2026-01-07"})
            assert answered.status_code == 200, answered.text
            assert client.post("/events", json=stance("s1"), headers=AUTH).status_code == 201
