"""Shared fixtures: fresh databases, a controllable clock, and small event builders."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from events import FixedClock, events_from_objects, open_store
from events.store import EventStore
from tests.postgres import unreachable

SUMMIT = dt.datetime(2026, 1, 6, 12, 0, tzinfo=dt.UTC)


def make(type_: str, occurred: str = "2026-01-06", **fields: Any) -> dict[str, Any]:
    """An inbound event object with a source and summary filled in."""
    return {"type": type_, "occurred": occurred, "sources": [{"outlet": "Test Wire"}], "summary": f"{type_} test",
            **fields}


def registrations(actors=("fr", "gb", "de", "coalition"), topics=("troops", "money"),
                  conditions=("ceasefire", "vote")) -> list[dict[str, Any]]:
    """Events registering the given actors, topics and conditions (ids prefixed reg-)."""
    out = []
    for actor in actors:
        kind = "coalition" if actor == "coalition" else "state"
        out.append(make("actor.registered", "2025", id=f"reg-{actor}", actor=actor, name=actor.upper(), kind=kind))
    for topic in topics:
        out.append(make("topic.defined", "2025", id=f"reg-{topic}", topic=topic, name=topic.title()))
    for condition in conditions:
        out.append(make("condition.declared", "2025-01", id=f"reg-{condition}", condition=condition,
                        description=f"the {condition}", kind="trigger"))
    return out


def events(*objects: dict[str, Any]):
    """Turn inbound objects into validated events."""
    return events_from_objects(list(objects))


@pytest.fixture
def clock() -> FixedClock:
    """A clock standing at the Paris summit; tests move it explicitly."""
    return FixedClock(SUMMIT)


POSTGRES_URL = os.environ.get("COMMITMENTS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be used for tests, or None when it can."""
    return unreachable(POSTGRES_URL)


def require_postgres() -> None:
    """Skip when PostgreSQL is unreachable, except in CI (CI=true), where that is a failure."""
    reason = postgres_unreachable()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required in CI but unreachable ({reason})")
    pytest.skip(f"PostgreSQL not reachable ({reason})")


def open_postgres(schema: str, clock: FixedClock | None = None, pool_size: int = 4) -> EventStore:
    """A store in one schema of the test database (another instance of it, when the schema is in use)."""
    from events.store.postgres import PostgresDatabase

    return EventStore(PostgresDatabase(POSTGRES_URL, schema=schema, pool_size=pool_size), clock)


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema name in the test database, dropped afterwards."""
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:12]}"
    try:
        yield schema
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path, clock) -> Iterator[EventStore]:
    """A fresh, empty store on each backend: the same contract tests run against both."""
    if request.param == "sqlite":
        opened = open_store(tmp_path / "log.db", clock=clock)
        yield opened
        opened.close()
        return
    require_postgres()
    with postgres_schema() as schema:
        opened = open_postgres(schema, clock)
        yield opened
        opened.close()


@pytest.fixture
def registered(store) -> EventStore:
    """A store holding the standard registrations."""
    store.append(events(*registrations()))
    return store


# --- The service (HTTP API and CLI) ----------------------------------------------------------------

#: The write token of test services.
TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def coalition_world() -> list[dict[str, Any]]:
    """A small timeline: registrations, a coalition with a later member, a summit, a declaration, stances."""
    return [
        *registrations(),
        make("group.founded", "2025-03", id="coalition-founded", group="coalition", founders=["fr", "gb"]),
        make("group.joined", "2025-06-01", id="de-joins", group="coalition", member="de"),
        make("stance.stated", "2025-12~", id="gb-money", actor="gb", topic="money", stance="committed",
             quantity={"amount": 3, "unit": "billion GBP"}),
        make("meeting.held", "2026-01-06", id="paris-summit", title="Paris summit", participants=["fr", "gb", "de"],
             tags=["summit"]),
        make("declaration.signed", "2026-01-06", id="paris-declaration", declaration="paris", title="Paris declaration",
             signatories=["fr", "gb"],
             provisions=[{"topic": "troops", "stance": "conditional", "summary": "troops after a ceasefire",
                          "conditions": ["ceasefire"]}],
             sources=[{"outlet": "Test Wire", "url": "https://example.org/paris"}]),
        make("stance.stated", "2026-01-06", id="de-troops", actor="de", topic="troops", stance="declined"),
    ]


@pytest.fixture
def service_settings(tmp_path):
    """Settings of a test service: a fresh database file, the test token, limits loose enough not to get in the way."""
    from service.settings import Settings

    return Settings(database=str(tmp_path / "service.db"), token=TOKEN, write_burst=1000, write_rate=1000.0)


@pytest.fixture
def service_api(service_settings, clock):
    """A TestClient on a fresh service whose clock stands at the Paris summit (``at`` defaults to 2026-01-06)."""
    from litestar.testing import TestClient

    from service.app import create_app

    with TestClient(create_app(service_settings, clock=clock)) as client:
        yield client


@pytest.fixture
def service_world(service_api):
    """The service holding :func:`coalition_world` (appended in one batch)."""
    response = service_api.post("/events", json=coalition_world(), headers=AUTH)
    assert response.status_code == 201, response.text
    return service_api


@pytest.fixture(params=["sqlite", "postgres"])
def world_api(request, tmp_path, clock):
    """A test service holding :func:`coalition_world`, on each backend (the HTTP contract tests run on both)."""
    from litestar.testing import TestClient

    from service.app import create_app
    from service.settings import Settings

    def serve(database: str):
        settings = Settings(database=database, token=TOKEN, write_burst=1000, write_rate=1000.0)
        with TestClient(create_app(settings, clock=clock)) as client:
            assert client.post("/events", json=coalition_world(), headers=AUTH).status_code == 201
            yield client

    if request.param == "sqlite":
        yield from serve(str(tmp_path / "service.db"))
        return
    require_postgres()
    with postgres_schema() as schema:
        yield from serve(f"{POSTGRES_URL}?schema={schema}")
