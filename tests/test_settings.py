"""Settings from the environment and flags, and the wiring in ``service.bootstrap``."""

import datetime as dt
from pathlib import Path

import pytest

from events import FixedClock, SystemClock
from service.bootstrap import build_store, open_services
from service.settings import Settings, SettingsError, build_clock


def test_defaults():
    settings = Settings.from_env({})
    assert settings.database == "./data/commitments.db" and settings.port == 8000
    assert settings.max_body_bytes == 1024 * 1024 and settings.max_batch_events == 10_000
    assert not settings.read_requires_token and settings.token is None


def test_environment_then_flags():
    env = {"COMMITMENTS_DATABASE_URL": "sqlite:///./x.db", "COMMITMENTS_PORT": "9000",
           "COMMITMENTS_READ_REQUIRES_TOKEN": "yes", "COMMITMENTS_MAX_BATCH_EVENTS": "5", "COMMITMENTS_HOST": ""}
    settings = Settings.from_env(env, port=9100, host=None)
    assert settings.database == "sqlite:///./x.db" and settings.port == 9100 and settings.host == "127.0.0.1"
    assert settings.read_requires_token and settings.max_batch_events == 5


@pytest.mark.parametrize(
    ("env", "words"),
    [({"COMMITMENTS_PORT": "eighty"}, "COMMITMENTS_PORT='eighty'"),
     ({"COMMITMENTS_READ_REQUIRES_TOKEN": "maybe"}, "use 1 or 0"),
     ({"COMMITMENTS_WRITE_RATE": "0"}, "write_rate must be positive"),
     ({"COMMITMENTS_TOKEN": "short"}, "at least 16 characters")],
)
def test_bad_settings_say_what_to_use(env, words):
    with pytest.raises(SettingsError, match=words.replace("(", r"\(")):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("database", "path"),
    [("./data/c.db", Path("data/c.db")), ("sqlite:///./data/c.db", Path("data/c.db")),
     ("sqlite:////srv/c.db", Path("/srv/c.db")), ("sqlite:///srv/c.db", Path("/srv/c.db")), (":memory:", None),
     ("sqlite://:memory:", None)],
)
def test_the_database_path_and_the_token_beside_it(database, path):
    settings = Settings(database=database)
    assert settings.database_path == path
    assert settings.token_path == (None if path is None else path.parent / "commitments.token")


def test_the_clock_is_the_system_clock_or_frozen():
    assert isinstance(build_clock(Settings()), SystemClock)
    frozen = build_clock(Settings(clock="2026-01-07T12:00:00Z"))
    assert isinstance(frozen, FixedClock) and frozen.now() == dt.datetime(2026, 1, 7, 12, tzinfo=dt.UTC)
    with pytest.raises(SettingsError, match="RFC 3339"):
        build_clock(Settings(clock="tomorrow"))


def test_services_own_only_the_store_they_open(tmp_path):
    services = open_services(Settings(database=str(tmp_path / "c.db")))
    assert services.owns_store and services.store.last_position() == 0
    services.close()
    handed = build_store(Settings(database=":memory:"), SystemClock())
    borrowed = open_services(Settings(), store=handed)
    borrowed.close()
    assert not borrowed.owns_store and handed.last_position() == 0  # still open
    handed.close()
