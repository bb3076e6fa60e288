"""Settings from the environment and flags, and the wiring in ``service.bootstrap``."""

import datetime as dt
from pathlib import Path

import pytest

from events import FixedClock, SystemClock
from service import settings
from service.bootstrap import build_store, open_services
from service.settings import Settings, SettingsError, build_clock


def test_defaults():
    settings = Settings.from_env({})
    assert settings.database == "./data/commitments.db" and settings.port == 8000
    assert settings.max_body_bytes == 1024 * 1024 and settings.max_batch_events == 10_000
    assert not settings.read_requires_token and settings.token is None


def test_environment_then_flags():
    env = {"COMMITMENTS_DATABASE_URL": "sqlite:///./x.db", "COMMITMENTS_PORT": "9000",
           "COMMITMENTS_PRIVATE_READS": "yes", "COMMITMENTS_MAX_BATCH_EVENTS": "5", "COMMITMENTS_HOST": ""}
    settings = Settings.from_env(env, port=9100, host=None)
    assert settings.database == "sqlite:///./x.db" and settings.port == 9100 and settings.host == "127.0.0.1"
    assert settings.read_requires_token and settings.max_batch_events == 5


@pytest.mark.parametrize(
    ("env", "words"),
    [({"COMMITMENTS_PORT": "eighty"}, "COMMITMENTS_PORT='eighty'"),
     ({"COMMITMENTS_PRIVATE_READS": "maybe"}, "use 1 or 0"),
     ({"COMMITMENTS_WRITE_RATE": "0"}, "write_rate must be positive"),
     ({"COMMITMENTS_TOKEN": "short"}, "at least 16 characters")],
)
def test_bad_settings_say_what_to_use(env, words):
    with pytest.raises(SettingsError, match=words.replace("(", r"\(")):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("database", "path"),
    [("./data/c.db", Path("data/c.db")), ("sqlite:///./data/c.db", Path("data/c.db")),
     ("sqlite:////srv/c.db", Path("/srv/c.db")), ("sqlite:///srv/c.db", Path("srv/c.db")), (":memory:", None),
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


def test_a_renamed_variable_is_refused_rather_than_ignored():
    with pytest.raises(SettingsError, match="COMMITMENTS_PRIVATE_READS"):
        Settings.from_env({"COMMITMENTS_READ_REQUIRES_TOKEN": "1"})
    with pytest.raises(SettingsError, match="'optional' or 'required'"):
        Settings.from_env({"COMMITMENTS_REVIEW": "sometimes"})
    assert Settings.from_env({"COMMITMENTS_REVIEW": "required"}).review == "required"


def test_every_setting_has_one_variable_with_help():
    """The variables are those the service has always read (deployments set them), each documented."""
    rows = settings.variables()
    assert [(row.variable, row.name) for row in rows] == [
        ("COMMITMENTS_DATABASE_URL", "database"), ("COMMITMENTS_HOST", "host"), ("COMMITMENTS_PORT", "port"),
        ("COMMITMENTS_TOKEN", "token"), ("COMMITMENTS_TOKEN_FILE", "token_file"),
        ("COMMITMENTS_PRIVATE_READS", "read_requires_token"), ("COMMITMENTS_REVIEW", "review"),
        ("COMMITMENTS_MAX_BODY_BYTES", "max_body_bytes"),
        ("COMMITMENTS_MAX_BATCH_EVENTS", "max_batch_events"), ("COMMITMENTS_WRITE_RATE", "write_rate"),
        ("COMMITMENTS_WRITE_BURST", "write_burst"), ("COMMITMENTS_AUTH_FAILURE_BURST", "auth_failure_burst"),
        ("COMMITMENTS_AUTH_FAILURE_RATE", "auth_failure_rate"), ("COMMITMENTS_CLOCK", "clock"),
        ("COMMITMENTS_SEED_IF_EMPTY", "seed_if_empty"), ("COMMITMENTS_DURABLE", "durable"),
        ("COMMITMENTS_ANSWER_CACHE_BYTES", "answer_cache_bytes"), ("COMMITMENTS_WRITER_PROCESS", "writer_process"),
        ("COMMITMENTS_FEED_POLL_SECONDS", "feed_poll_seconds"),
        ("COMMITMENTS_FEED_HEARTBEAT_SECONDS", "feed_heartbeat_seconds"),
        ("COMMITMENTS_FEED_RETRY_MS", "feed_retry_ms"), ("COMMITMENTS_FEED_PAGE_SIZE", "feed_page_size"),
        ("COMMITMENTS_FEED_WRITE_TIMEOUT_SECONDS", "feed_write_timeout_seconds"),
        ("COMMITMENTS_WEBHOOK_TIMEOUT_SECONDS", "webhook_timeout_seconds"),
        ("COMMITMENTS_WEBHOOK_BACKOFF_SECONDS", "webhook_backoff_seconds"),
        ("COMMITMENTS_WEBHOOK_BACKOFF_CAP_SECONDS", "webhook_backoff_cap_seconds"),
        ("COMMITMENTS_WEBHOOK_LOG_KEEP", "webhook_log_keep"),
        ("COMMITMENTS_WEBHOOK_CONCURRENCY", "webhook_concurrency"),
        ("COMMITMENTS_SCHEDULE_REFRESH_SECONDS", "schedule_refresh_seconds"), ("COMMITMENTS_BACKUP_DIR", "backup_dir"),
        ("COMMITMENTS_BACKUP_INTERVAL_HOURS", "backup_interval_hours"), ("COMMITMENTS_BACKUP_KEEP", "backup_keep"),
    ]
    defaults = Settings()
    for row in rows:
        assert row.help.strip() and getattr(defaults, row.name) == row.default, row.variable


@pytest.mark.parametrize(
    ("env", "message"),
    [({"COMMITMENTS_ANSWER_CACHE_BYTES": "lots"}, "use e.g. 33554432 (0: keep no answers)"),
     ({"COMMITMENTS_FEED_HEARTBEAT_SECONDS": "0"}, "setting feed_heartbeat_seconds must be positive; use e.g. 15"),
     ({"COMMITMENTS_BACKUP_INTERVAL_HOURS": "-1"}, "setting backup_interval_hours must be positive; use e.g. 24"),
     ({"COMMITMENTS_WRITE_BURST": "0"}, "setting write_burst must be positive; use e.g. 30"),
     ({"COMMITMENTS_PORT": "70000"}, "setting port must be positive; use e.g. 8000"),
     ({"COMMITMENTS_TOKEN_FILE": ""}, None), ({"COMMITMENTS_DURABLE": " Off "}, None)],
)
def test_each_declaration_gives_the_messages_it_always_gave(env, message):
    if message is None:
        Settings.from_env(env)
        return
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(env)
    assert str(raised.value).endswith(message)
