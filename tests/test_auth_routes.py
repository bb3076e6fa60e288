"""Auth on every route, taken from the application's route table rather than listed by hand.

Every handler for a method other than GET, HEAD or OPTIONS changes something, so each one,
including routes added later, is tried without a token, with a wrong one, and with the
right length but one byte off: 401 with a ``WWW-Authenticate`` challenge, and every table
of the database as it was. Reads are tried on a real server (``/feed`` streams forever
in the in-process client): public by default, 401 without the token in private mode,
except the page, its assets, ``/health`` and ``/schema``; a read the handler marks as
needing a role (``opt={"role": "admin"}``, e.g. listing webhook subscriptions) is 401
without it in both modes.

Then every route that needs a role, with a key of every role and every kind of refused key
(none, not a key, unknown, a wrong secret, revoked keys of each role): 401, or 403 for a key in
force below the route's role, and nothing written; a key whose role suffices gets through.

The token file's mode (0600) and the constant-time comparison are tested in
``test_http_auth.py``.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

import httpx
import pytest

from events import events_from_objects, keys, open_store
from service.app import create_app
from service.settings import Settings
from tests.conftest import AUTH, TOKEN, coalition_world
from tests.server import running_server

READ_METHODS = {"GET", "HEAD", "OPTIONS"}
#: Open to anyone even in private mode (the page, its assets, health and the API's description hold no data).
PUBLIC_PAGE = "/"
PUBLIC_PREFIXES = ("/health", "/schema", "/static")
#: Values for path parameters, so that a request that got through would find something.
PATH_VALUES = {"event_id": "paris-summit", "actor_id": "fr", "topic_id": "troops", "file_path": "app.js",
               "path": "openapi.yaml"}


def _flip(char: str) -> str:
    return chr(ord(char) ^ 1)


#: Presented credentials that must not open a write.
WRONG = {
    "no-token": {},
    "wrong-token": {"Authorization": "Bearer not-the-token"},
    "last-byte-off": {"Authorization": f"Bearer {TOKEN[:-1]}{_flip(TOKEN[-1])}"},
    "first-byte-off": {"Authorization": f"Bearer {_flip(TOKEN[0])}{TOKEN[1:]}"},
}


def _route_table() -> list[tuple[str, str, dict]]:
    """(method, path template, handler opt) for every HTTP handler of the application."""
    app = create_app(Settings(database=":memory:", token=TOKEN))  # the store opens only on startup
    table = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            for method in sorted(getattr(handler, "http_methods", ())):
                table.append((method, route.path, dict(handler.opt)))
    # In a fixed order: the app's route order can vary between processes, and pytest-xdist's workers must collect
    # the same tests.
    return sorted(table, key=lambda row: (row[1], row[0]))


ROUTES = _route_table()
WRITES = [(method, path) for method, path, _ in ROUTES if method not in READ_METHODS]
READS = [(path, opt) for method, path, opt in ROUTES if method == "GET"]


def fill(template: str) -> str:
    """A concrete path for a template: ``/actors/{actor_id:str}`` -> ``/actors/fr``."""
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PATH_VALUES.get(m[1], "x-1"), template)


def body_for(path: str) -> object:
    """A body that would be accepted if the key were right (for /events and /proposals: new events)."""
    if path in ("/events", "/proposals"):
        return coalition_world()
    if path == "/keys":
        return {"name": "someone", "role": "reader"}
    if path.endswith("/reject"):
        return {"reason": "not so"}
    return {"url": "http://127.0.0.1:9/hook"}


def database_digest(path: str | Path) -> str:
    """A digest of every row of every table of an SQLite file."""
    digest = hashlib.sha256()
    with sqlite3.connect(path) as conn:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            digest.update(name.encode())
            for row in sorted(repr(r) for r in conn.execute(f'SELECT * FROM "{name}"')):
                digest.update(row.encode())
    conn.close()
    return digest.hexdigest()


def test_the_route_table_lists_the_writes_we_know_of():
    assert ("POST", "/events") in WRITES
    assert len(READS) >= 10


@pytest.mark.parametrize("presented", WRONG)
@pytest.mark.parametrize(("method", "path"), WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_every_write_route_refuses_a_missing_or_wrong_token_and_stores_nothing(service_api, method, path,
                                                                              presented):
    database = service_api.app.state.settings.database
    before = database_digest(database)
    response = service_api.request(method, fill(path), json=body_for(path), headers=WRONG[presented])
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert database_digest(database) == before


def test_the_right_token_does_open_the_write(service_api):
    """The control for the test above: the same body with the token is stored."""
    before = database_digest(service_api.app.state.settings.database)
    assert service_api.post("/events", json=body_for("/events"), headers=AUTH).status_code == 201
    assert database_digest(service_api.app.state.settings.database) != before


def status_of(client: httpx.Client, path: str, headers: dict[str, str]) -> int:
    """The status of a GET, reading only the head (an event stream never ends)."""
    with client.stream("GET", path, headers=headers) as response:
        return response.status_code


def _needs_token(path: str, opt: dict, private: bool) -> bool:
    if opt.get("role"):
        return True
    if path == PUBLIC_PAGE or path.startswith(PUBLIC_PREFIXES):
        return False
    return private


@pytest.fixture(scope="module")
def world_database(tmp_path_factory) -> Path:
    """A database file holding the small world (each server test copies nothing: reads change nothing)."""
    path = tmp_path_factory.mktemp("reads") / "reads.db"
    store = open_store(path)
    store.append(events_from_objects(coalition_world()))
    store.close()
    return path


@pytest.mark.parametrize("private", [False, True], ids=["public-by-default", "private-mode"])
def test_reads_answer_as_configured(world_database, private):
    refused, opened = [], []
    with running_server(world_database, private=private,
                        log=world_database.with_suffix(f".{private}.log")) as server, server.client(10.0) as client:
        before = database_digest(world_database)  # after the start, which records where the webhooks belong
        for path, opt in READS:
            url = fill(path)
            anonymous = status_of(client, url, {})
            with_token = status_of(client, url, AUTH)
            assert with_token != 401 and with_token < 500, (url, with_token)
            assert anonymous < 500, (url, anonymous)
            if _needs_token(path, opt, private):
                assert anonymous == 401, f"{url} answered {anonymous} without the token"
                refused.append(path)
            else:
                assert anonymous != 401, f"{url} needs a token it should not"
                opened.append(path)
    assert database_digest(world_database) == before
    assert "/health" in opened and ("/stances" in refused) is private


# --- every route that needs a role × every role × every refused key ------------------------------------------

def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


GUARDED = [(method, path, opt["role"]) for method, path, opt in ROUTES if opt.get("role")]


def test_the_guarded_routes_are_those_we_know_of():
    guarded = {(method, path) for method, path, _ in GUARDED}
    assert {("POST", "/events"), ("POST", "/keys"), ("POST", "/proposals/{proposal_id:str}/accept"),
            ("GET", "/subscriptions")} <= guarded
    assert all(role in keys.ROLES for _, _, role in GUARDED)


@pytest.mark.parametrize(("method", "path", "needed"), GUARDED, ids=[f"{m} {p}" for m, p, _ in GUARDED])
def test_every_role_and_every_refused_key_on_every_guarded_route(service_api, method, path, needed):
    """No key, a wrong key (well-formed or not) and a revoked key of each role: 401; a key in force whose role is
    below the route's: 403; and none of them writes anything. A key whose role suffices is let through."""
    store = service_api.app.state.services.store
    in_force = {role: keys.issue(store, f"{role}-key", role)[1] for role in keys.ROLES}
    revoked = {}
    for role in keys.ROLES:
        revoked[role] = keys.issue(store, f"{role}-gone", role)[1]
        keys.withdraw(store, f"{role}-gone")
    key_id, secret = keys.split_key(in_force["admin"])
    refused = {"no key": {}, "not a key": {"Authorization": "Bearer not-a-key"},
               "unknown key": {"Authorization": f"Bearer cmt_{'0' * 16}_{secret}"},
               "wrong secret": {"Authorization": f"Bearer cmt_{key_id}_{secret[:-1]}{_flip(secret[-1])}"},
               **{f"revoked {role}": bearer(key) for role, key in revoked.items()}}
    database = service_api.app.state.settings.database
    before = database_digest(database)
    url, body = fill(path), body_for(path)
    for name, headers in refused.items():
        response = service_api.request(method, url, json=body, headers=headers)
        assert response.status_code == 401, (name, response.text)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.headers["content-type"].startswith("application/problem+json")
    for role in keys.ROLES:
        if not keys.allows(role, needed):
            response = service_api.request(method, url, json=body, headers=bearer(in_force[role]))
            assert response.status_code == 403, (role, response.text)
            assert needed in response.json()["detail"]
    assert database_digest(database) == before, "a refused request wrote something"
    for role in keys.ROLES:
        if keys.allows(role, needed):
            response = service_api.request(method, url, json=body, headers=bearer(in_force[role]))
            assert response.status_code not in (401, 403), (role, response.text)
