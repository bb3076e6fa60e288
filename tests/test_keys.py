"""API keys with roles: stored as salted hashes, issued and revoked by the CLI and ``/keys``, checked on every request.

The matrix of every route × role × refused key is in ``test_auth_routes.py``.
"""

from __future__ import annotations

import contextlib
import logging

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from events import Conflict, InvalidEvent, NotFound, keys, open_store
from service import cli
from service.app import create_app
from tests.conftest import AUTH, coalition_world, make, open_postgres, postgres_schema, require_postgres


def stance(id_, actor="fr"):
    return make("stance.stated", "2026-01-05", id=id_, actor=actor, topic="troops", stance="committed")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def every_text(store) -> str:
    """Every value of every table of the store's database, as one text."""
    with store.reading() as tx:
        tables = [row[0] for row in tx.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")] \
            if type(store.database).__name__ == "PostgresDatabase" else \
            [row[0] for row in tx.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return "\n".join(repr(tx.fetchall(f"SELECT * FROM {table}")) for table in tables)


# --- the core ------------------------------------------------------------------------------------


def test_a_key_is_stored_only_as_a_salted_hash_and_checks_against_it(store):
    view, key = keys.issue(store, "alice", "editor")
    assert (view.name, view.role, view.last_used, view.revoked) == ("alice", "editor", None, None)
    key_id, secret = keys.split_key(key)
    text = every_text(store)
    assert secret not in text and key not in text and key_id in text
    with store.reading() as tx:
        stored = keys.by_id(tx, key_id)
    assert keys.secret_matches(stored, secret) and not keys.secret_matches(stored, secret[:-1] + "x")
    _, other = keys.issue(store, "bob", "editor")
    with store.reading() as tx:
        salts = {keys.by_id(tx, keys.split_key(k)[0]).salt for k in (key, other)}
    assert len(salts) == 2


def test_names_roles_and_revocation_are_checked(store):
    keys.issue(store, "alice", "editor")
    with pytest.raises(Conflict):
        keys.issue(store, "alice", "reviewer")
    for name, role, pointer in [("Alice", "editor", "$.name"), ("admin", "editor", "$.name"),
                                ("carol", "boss", "$.role"), ("", "editor", "$.name")]:
        with pytest.raises(InvalidEvent) as refused:
            keys.issue(store, name, role)
        assert pointer in [e.pointer for e in refused.value.errors]
    with pytest.raises(NotFound):
        keys.withdraw(store, "nobody")
    with pytest.raises(Conflict):
        keys.withdraw(store, "admin")
    revoked = keys.withdraw(store, "alice")
    assert revoked.revoked is not None and keys.withdraw(store, "alice").revoked == revoked.revoked
    again, _ = keys.issue(store, "alice", "reviewer")  # a revoked name may get a new key
    assert again.role == "reviewer" and again.revoked is None
    assert [(k.name, k.role) for k in keys.listing(store)] == [("alice", "reviewer")]


def test_roles_rise():
    assert keys.allows("admin", "reviewer") and keys.allows("reviewer", "editor") and keys.allows("editor", "reader")
    assert not keys.allows("editor", "reviewer") and not keys.allows("reader", "editor")
    assert not keys.allows("nobody", "reader")


# --- over HTTP -------------------------------------------------------------------------------------


def issue(client, name, role) -> str:
    answer = client.post("/keys", json={"name": name, "role": role}, headers=AUTH)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["name"], body["role"]) == (name, role) and body["created"]
    return body["key"]


def test_keys_over_http_open_what_their_role_allows(service_world):
    editor, reader = issue(service_world, "ed", "editor"), issue(service_world, "rita", "reader")
    assert service_world.post("/events", json=stance("s1"), headers=bearer(editor)).status_code == 201
    refused = service_world.post("/events", json=stance("s2"), headers=bearer(reader))
    assert refused.status_code == 403 and "reader" in refused.json()["detail"]
    assert service_world.get("/keys", headers=bearer(editor)).status_code == 403
    assert service_world.get("/subscriptions", headers=bearer(editor)).status_code == 403
    listed = service_world.get("/keys", headers=AUTH).json()["keys"]
    assert [(k["name"], k["role"]) for k in listed] == [("ed", "editor"), ("rita", "reader")]
    assert all("key" not in k for k in listed)
    assert service_world.post("/keys", json={"name": "ed", "role": "admin"}, headers=AUTH).status_code == 409
    bad = service_world.post("/keys", json={"name": "x", "role": "boss", "extra": 1}, headers=AUTH)
    assert bad.status_code == 422 and bad.json()["type"].endswith("invalid-key")


def test_a_key_of_any_role_learns_who_it_is(service_world):
    issued = {role: issue(service_world, f"{role}-1", role) for role in ("reader", "editor", "reviewer", "admin")}
    for role, key in issued.items():
        answer = service_world.get("/keys/me", headers=bearer(key))
        assert answer.status_code == 200 and answer.json() == {"name": f"{role}-1", "role": role}
    assert service_world.get("/keys/me", headers=AUTH).json() == {"name": "admin", "role": "admin"}
    assert service_world.get("/keys/me").status_code == 401
    assert service_world.get("/keys/me", headers={"Authorization": "Bearer not-a-key"}).status_code == 401
    assert service_world.delete("/keys/reader-1", headers=AUTH).status_code == 200
    assert service_world.get("/keys/me", headers=bearer(issued["reader"])).status_code == 401


def test_a_revoked_key_is_refused_from_the_next_request_on(service_world):
    editor = issue(service_world, "ed", "editor")
    assert service_world.post("/events?dry_run=true", json=stance("s1"), headers=bearer(editor)).status_code == 200
    revoked = service_world.delete("/keys/ed", headers=AUTH)
    assert revoked.status_code == 200 and revoked.json()["revoked"]
    after = service_world.post("/events", json=stance("s1"), headers=bearer(editor))
    assert after.status_code == 401 and after.headers["www-authenticate"].startswith("Bearer")
    assert service_world.get("/events/s1").status_code == 404
    assert service_world.delete("/keys/admin", headers=AUTH).status_code == 409
    assert service_world.delete("/keys/nobody", headers=AUTH).status_code == 404


def test_a_verified_key_is_remembered_so_scrypt_runs_once(service_world, monkeypatch):
    editor = issue(service_world, "ed", "editor")
    calls = []
    real = keys.secret_matches
    monkeypatch.setattr(keys, "secret_matches", lambda stored, secret: calls.append(1) or real(stored, secret))
    for n in range(3):
        assert service_world.post("/events", json=stance(f"s{n}"), headers=bearer(editor)).status_code == 201
    assert len(calls) == 1
    wrong = editor[:-1] + ("A" if editor[-1] != "A" else "B")
    assert service_world.post("/events", json=stance("s9"), headers=bearer(wrong)).status_code == 401


def test_review_required_sends_editors_to_proposals(service_settings, clock):
    with TestClient(create_app(service_settings.replace(review="required"), clock=clock)) as client:
        assert client.post("/events", json=coalition_world(), headers=AUTH).status_code == 201
        editor, reviewer = issue(client, "ed", "editor"), issue(client, "rev", "reviewer")
        refused = client.post("/events", json=stance("s1"), headers=bearer(editor))
        assert refused.status_code == 403 and "/proposals" in refused.json()["detail"]
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert client.post("/events?dry_run=true", json=stance("s1"), headers=bearer(editor)).status_code == 200
        assert client.post("/events", json=stance("s1"), headers=bearer(reviewer)).status_code == 201


def test_private_reads_need_a_key_of_any_role(service_settings, clock):
    with TestClient(create_app(service_settings.replace(read_requires_token=True), clock=clock)) as client:
        reader = issue(client, "rita", "reader")
        assert client.get("/stances").status_code == 401
        assert client.get("/stances", headers=bearer(reader)).status_code == 200
        client.delete("/keys/rita", headers=AUTH)
        assert client.get("/stances", headers=bearer(reader)).status_code == 401


def test_writes_are_rate_limited_per_key(service_settings, clock):
    settings = service_settings.replace(write_burst=2, write_rate=0.001)
    with TestClient(create_app(settings, clock=clock)) as client:
        assert client.post("/events", json=coalition_world(), headers=AUTH).status_code == 201
        store = client.app.state.services.store
        first, second = keys.issue(store, "ed", "editor")[1], keys.issue(store, "eve", "editor")[1]
        assert [client.post("/events", json=stance(f"s{n}"), headers=bearer(first)).status_code
                for n in range(3)] == [201, 201, 429]
        assert client.post("/events", json=stance("s2"), headers=bearer(second)).status_code == 201


def test_no_key_reaches_a_log_line(service_world, caplog):
    caplog.set_level(logging.DEBUG)
    editor = issue(service_world, "ed", "editor")
    service_world.post("/events", json=stance("s1"), headers=bearer(editor))
    service_world.delete("/keys/ed", headers=AUTH)
    service_world.post("/events", json=stance("s2"), headers=bearer(editor))
    secret = keys.split_key(editor)[1]
    assert caplog.records and not any(secret in record.getMessage() for record in caplog.records)


@pytest.fixture(params=["sqlite", "postgres"])
def two_instances(request, tmp_path, clock):
    """Two stores on one database, as two service instances (or the CLI and a server) hold them."""
    if request.param == "sqlite":
        pair = [open_store(tmp_path / "shared.db", clock=clock) for _ in range(2)]
        yield pair
        for opened in pair:
            opened.close()
        return
    require_postgres()
    with postgres_schema() as schema:
        pair = [open_postgres(schema, clock) for _ in range(2)]
        yield pair
        for opened in pair:
            opened.close()


def test_a_key_revoked_by_another_instance_is_refused_at_once(two_instances, service_settings, clock):
    first, second = two_instances
    with contextlib.ExitStack() as stack:
        clients = [stack.enter_context(TestClient(create_app(service_settings, store=s, clock=clock)))
                   for s in (first, second)]
        assert clients[0].post("/events", json=coalition_world(), headers=AUTH).status_code == 201
        editor = issue(clients[0], "ed", "editor")
        for client, n in zip(clients, range(2)):  # both instances verify (and remember) it
            assert client.post("/events", json=stance(f"s{n}"), headers=bearer(editor)).status_code == 201
        assert clients[1].delete("/keys/ed", headers=AUTH).status_code == 200
        assert clients[0].post("/events", json=stance("s3"), headers=bearer(editor)).status_code == 401


# --- the CLI ------------------------------------------------------------------------------------------


def test_the_cli_prints_a_key_once_on_its_last_line_and_lists_and_revokes(tmp_path, monkeypatch):
    monkeypatch.delenv("COMMITMENTS_DATABASE_URL", raising=False)
    database = tmp_path / "cli.db"
    open_store(database).close()

    def run(*args, expect=0):
        result = CliRunner().invoke(cli.main, ["--database", str(database), *args])
        assert result.exit_code == expect, result.output
        return result.output

    issued = run("keys", "add", "alice", "--role", "editor")
    key = issued.rstrip("\n").splitlines()[-1]
    assert keys.split_key(key) is not None
    listed = run("keys", "list")
    assert "alice" in listed and "editor" in listed and key not in listed and keys.split_key(key)[1] not in listed
    assert "already has a key" in run("keys", "add", "alice", "--role", "editor", expect=2)
    assert "--role" in run("keys", "add", "bob", "--role", "boss", expect=2)
    assert "Revoked" in run("keys", "revoke", "alice")
    assert "no key named" in run("keys", "revoke", "nobody", expect=2)
    store = open_store(database)
    assert [k.revoked is not None for k in keys.listing(store)] == [True]
    store.close()


def test_last_used_is_noted_after_a_key_opens_a_route_and_not_after_a_refusal(service_settings, clock):
    with TestClient(create_app(service_settings, clock=clock)) as client:
        store = client.app.state.services.store
        reader, editor = keys.issue(store, "rita", "reader")[1], keys.issue(store, "ed", "editor")[1]
        assert client.post("/events", json=coalition_world(), headers=bearer(editor)).status_code == 201
        assert client.post("/events", json=coalition_world(), headers=bearer(reader)).status_code == 403
    # the app has stopped, so the notes it had started are written
    store = open_store(service_settings.database)
    used = {k.name: k.last_used for k in keys.listing(store)}
    store.close()
    assert used["ed"] is not None and used["rita"] is None
