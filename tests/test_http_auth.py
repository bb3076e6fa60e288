"""Who may write (and read): the bearer token, its file, private mode, and the per-client write rate."""

import os
import stat

import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.bootstrap import resolve_token
from service.http.auth import token_matches
from service.http.ratelimit import RateLimiter, TokenBucket
from service.settings import Settings, SettingsError
from tests.conftest import AUTH, TOKEN, registrations


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
