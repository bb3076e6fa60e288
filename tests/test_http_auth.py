"""Who may write (and read): the bearer token, its file, private mode, and the per-client write rate."""

import os
import stat

import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.bootstrap import resolve_token
from service.http.identity import token_matches
from service.http.ratelimit import RateLimiter, TokenBucket
from service.settings import Settings, SettingsError
from tests.conftest import AUTH, TOKEN, make, registrations


def assert_401(response):
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": TOKEN},
     {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer "},
     {"Authorization": "Bearer tökén".encode("latin-1")}],
    ids=["none", "wrong", "no-scheme", "basic", "empty", "non-ascii"],
)
def test_writes_need_the_bearer_token(service_api, headers):
    assert_401(service_api.post("/events", json=registrations(), headers=headers))
    assert service_api.get("/events").json()["events"] == []


def test_the_scheme_is_case_insensitive(service_api):
    response = service_api.post("/events", json=registrations(), headers={"Authorization": f"bearer {TOKEN}"})
    assert response.status_code == 201


def test_reads_are_public_by_default(service_world):
    assert service_world.get("/stances").status_code == 200


def test_private_mode_guards_reads_but_not_health_or_the_schema(service_settings, clock):
    app = create_app(service_settings.replace(read_requires_token=True), clock=clock)
    with TestClient(app) as client:
        for path in ("/events", "/actors", "/stances", "/conditions", "/changes", "/timeline", "/diff?from=2026-01-01"):
            assert_401(client.get(path))
            assert client.get(path, headers=AUTH).status_code == 200, path
        assert client.get("/health").status_code == 200
        assert client.get("/schema/openapi.json").status_code == 200


def test_token_comparison():
    assert token_matches(TOKEN, TOKEN)
    assert not token_matches(None, TOKEN)
    assert not token_matches(TOKEN[:-1], TOKEN)
    assert not token_matches("é" * 10, TOKEN)


def test_a_token_is_generated_once_beside_the_database_with_mode_0600(tmp_path):
    settings = Settings(database=str(tmp_path / "data" / "c.db"))
    first = resolve_token(settings)
    assert first.generated and first.path == tmp_path / "data" / "commitments.token"
    assert stat.S_IMODE(os.stat(first.path).st_mode) == 0o600
    assert len(first.value) >= 32
    second = resolve_token(settings)
    assert not second.generated and second.value == first.value
    assert [p.name for p in first.path.parent.iterdir()] == ["commitments.token"]  # no temporary file left


def test_a_configured_token_wins_and_nothing_is_written(tmp_path):
    settings = Settings(database=str(tmp_path / "c.db"), token=TOKEN)
    token = resolve_token(settings)
    assert token.value == TOKEN and not token.generated and not (tmp_path / "commitments.token").exists()


def test_an_in_memory_database_gets_a_fresh_unsaved_token():
    token = resolve_token(Settings(database=":memory:"))
    assert token.generated and token.path is None


def test_a_damaged_token_file_is_reported(tmp_path):
    (tmp_path / "commitments.token").write_text("short")
    with pytest.raises(SettingsError, match="too short"):
        resolve_token(Settings(database=str(tmp_path / "c.db")))


def test_the_app_uses_the_token_file_when_no_token_is_set(tmp_path, clock):
    settings = Settings(database=str(tmp_path / "c.db"))
    with TestClient(create_app(settings, clock=clock)) as client:
        token = (tmp_path / "commitments.token").read_text().strip()
        assert client.post("/events", json=registrations(), headers={"Authorization": f"Bearer {token}"}
                           ).status_code == 201


def test_writes_beyond_the_burst_get_429_with_retry_after(service_settings, clock):
    app = create_app(service_settings.replace(write_burst=2, write_rate=0.5), clock=clock)
    with TestClient(app) as client:
        assert client.post("/events", json=registrations(), headers=AUTH).status_code == 201
        assert client.post("/events", json=registrations(), headers=AUTH).status_code == 200
        limited = client.post("/events", json=registrations(), headers=AUTH)
        assert limited.status_code == 429
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert limited.headers["retry-after"] == "2"
        assert client.get("/events").status_code == 200  # reads are not limited


def test_a_token_bucket_refills_at_its_rate():
    bucket = TokenBucket(capacity=2, rate=1.0, now=0.0)
    assert bucket.take(0.0) == 0.0 and bucket.take(0.0) == 0.0
    assert bucket.take(0.0) == pytest.approx(1.0)
    assert bucket.take(0.5) == pytest.approx(0.5)
    assert bucket.take(1.0) == 0.0
    assert bucket.take(100.0) == 0.0 and bucket.take(100.0) == 0.0 and bucket.take(100.0) > 0


def test_the_limiter_keeps_clients_apart_and_forgets_the_oldest():
    now = [0.0]
    limiter = RateLimiter(rate=1.0, burst=1, clock=lambda: now[0], max_clients=2)
    assert limiter.retry_after("a") == 0 and limiter.retry_after("a") == 1
    assert limiter.retry_after("b") == 0
    assert limiter.retry_after("c") == 0  # "a" is forgotten
    assert limiter.retry_after("a") == 0


def test_wrong_tokens_are_throttled_per_client_address_and_then_even_the_right_one_waits(service_settings, clock):
    app = create_app(service_settings.replace(auth_failure_burst=3, auth_failure_rate=0.5), clock=clock)
    with TestClient(app) as client:
        now = [0.0]
        client.app.state.auth_failures = RateLimiter(0.5, 3, clock=lambda: now[0])
        for _ in range(20):  # a forgotten header guesses nothing: refused, never throttled
            assert_401(client.post("/events", json=registrations()))
        wrong = {"Authorization": "Bearer wrong-token-0123456789"}
        for _ in range(3):
            assert_401(client.post("/events", json=registrations(), headers=wrong))
        for headers in (wrong, AUTH, {}):  # no answer tells a right guess from a wrong one now
            throttled = client.post("/events", json=registrations(), headers=headers)
            assert throttled.status_code == 429, throttled.text
            assert throttled.headers["content-type"].startswith("application/problem+json")
            assert throttled.headers["retry-after"] == "2" and "wrong token" in throttled.json()["detail"]
        assert client.get("/subscriptions", headers=AUTH).status_code == 429  # every route that needs the token
        assert client.get("/stances").status_code == 200  # public reads do not
        assert client.get("/events").json()["events"] == []
        now[0] += 2.0  # one failure's worth refilled
        assert client.post("/events", json=registrations(), headers=AUTH).status_code == 201


def test_private_reads_with_a_wrong_token_are_throttled_too(service_settings, clock):
    app = create_app(service_settings.replace(read_requires_token=True, auth_failure_burst=2), clock=clock)
    with TestClient(app) as client:
        wrong = {"Authorization": "Bearer wrong-token-0123456789"}
        assert [client.get("/stances", headers=wrong).status_code for _ in range(4)] == [401, 401, 429, 429]


def test_refused_writes_give_their_write_token_back(service_settings, clock):
    settings = service_settings.replace(write_burst=2, write_rate=0.01, max_body_bytes=10_000, max_batch_events=5)
    with TestClient(create_app(settings, clock=clock)) as client:
        refused = [
            client.post("/events", content=b"{not json", headers={**AUTH, "Content-Type": "application/json"}),
            client.post("/events", content=b"[]", headers={**AUTH, "Content-Type": "text/plain"}),
            client.post("/events", json=[{"type": "actor.registered"}] * 6, headers=AUTH),
            client.post("/events", content=b"[" + b" " * 20_000 + b"]", headers={**AUTH,
                                                                               "Content-Type": "application/json"}),
            client.post("/events", json=[make("stance.stated", actor="nobody", topic="none", stance="committed")],
                        headers=AUTH),
            client.post("/events", json=registrations()[:3], headers={**AUTH, "If-Match": "7"}),
            client.post("/subscriptions", json={"url": "ftp://example.org/x"}, headers=AUTH),
        ]
        assert [r.status_code for r in refused] == [400, 415, 413, 413, 422, 409, 422]
        # None of them counted: the whole burst is still there for accepted work.
        assert client.post("/events", json=registrations()[:3], headers=AUTH).status_code == 201
        assert client.post("/events", json=registrations()[3:], headers=AUTH).status_code == 201
        limited = client.post("/events", json=registrations(), headers=AUTH)
        assert limited.status_code == 429 and limited.headers["retry-after"]


def test_a_bucket_gives_back_no_more_than_its_capacity():
    now = [0.0]
    limiter = RateLimiter(rate=0.001, burst=2, clock=lambda: now[0])
    assert limiter.waiting("a") == 0 and limiter.retry_after("a") == 0
    limiter.give_back("a")
    limiter.give_back("a")
    limiter.give_back("never-seen")
    assert limiter.retry_after("a") == 0 and limiter.retry_after("a") == 0 and limiter.retry_after("a") > 0
    assert limiter.waiting("a") > 0 and limiter.waiting("never-seen") == 0
