"""Webhooks belong to the database they were registered in: a copy of it starts with them paused.

A copy is a database whose recorded identity (``store.identity()``: an SQLite file's path and
host, a PostgreSQL server's system identifier, database and schema) is not its own. The
rule is checked on both backends in the core (``subscriptions.settle``), then end to end: a
server on a copied file delivers nothing until it is resumed, by HTTP or the CLI, while the
original goes on delivering, and a backup put back in place of the original is no copy.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from click.testing import CliRunner

from events import open_store, subscriptions
from events.store.sqlite import SqliteDatabase
from service import cli
from tests.conftest import AUTH, POSTGRES_URL, open_postgres, postgres_schema
from tests.live import ACTORS, live_server, settings_for, stance_batch, wait_until, world
from tests.test_webhooks import Receiver

pytestmark = pytest.mark.timeout(60)
CLOCK = "2026-01-12T12:00:00Z"


@contextlib.contextmanager
def copied(store, clock, tmp_path) -> Iterator:
    """A store on a copy of ``store``'s database: its backup at another path (SQLite), its tables in another
    schema of the same database (PostgreSQL)."""
    if isinstance(store.database, SqliteDatabase):
        target = tmp_path / "copy" / "copied.db"
        store.backup(target)
        copy = open_store(target, clock=clock)
        yield copy
        copy.close()
        return
    with postgres_schema() as target, psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{target}"')
        for table in ("meta", "subscriptions"):
            conn.execute(f'CREATE TABLE "{target}".{table} (LIKE "{store.database.schema}".{table} INCLUDING ALL)')
            conn.execute(f'INSERT INTO "{target}".{table} SELECT * FROM "{store.database.schema}".{table}')
        copy = open_postgres(target, clock)
        yield copy
        copy.close()


def test_a_copy_finds_its_webhooks_paused_and_the_original_does_not(store, clock, tmp_path):
    assert subscriptions.state(store) == subscriptions.WebhooksState(store.identity(), None)  # nothing recorded yet
    first = subscriptions.settle(store, clock.now())
    assert first.paused is None and subscriptions.settle(store, clock.now()) == first  # the original, again
    subscriptions.create(store, url="https://receiver.example/hook", now=clock.now(), after=0)
    original = store.identity()
    with copied(store, clock, tmp_path) as copy:
        assert copy.identity() != original
        before = subscriptions.state(copy)  # looking changes nothing
        assert before.copy_of == original and before.paused is None
        settled = subscriptions.settle(copy, clock.now())
        assert settled.paused is not None and original in settled.paused.reason
        assert copy.identity() in settled.paused.reason
        assert subscriptions.paused(copy) == settled.paused and subscriptions.state(copy).copy_of is None
        clock.advance(hours=1)
        assert subscriptions.settle(copy, clock.now()).paused == settled.paused  # still paused, the same pause
        resumed = subscriptions.resume(copy, clock.now())
        assert resumed.paused is None and subscriptions.settle(copy, clock.now()).paused is None  # home now
        paused = subscriptions.pause(copy, clock.now())
        assert paused.paused is not None and paused.paused.reason == "paused by an admin"
        assert [s.url for s in subscriptions.every(copy)] == ["https://receiver.example/hook"]  # kept
    assert subscriptions.settle(store, clock.now()).paused is None  # the original delivers on


@pytest.fixture
def original(tmp_path):
    """A database file with the world, served once so that its webhooks belong to it."""
    path = tmp_path / "live" / "original.db"
    store = open_store(path, durable=False)
    store.append(world())
    store.close()
    return path


def subscribed(path, receiver) -> str:
    """Register the receiver with a server on ``path``; returns the subscription id."""
    with live_server(settings_for(path)) as server:
        response = httpx.post(f"{server.url}/subscriptions", json={"url": receiver.url, "after": 0}, headers=AUTH)
        assert response.status_code == 201, response.text
        assert response.json()["paused"] is None
        return response.json()["subscription"]["id"]


def test_a_server_on_a_copied_file_delivers_nothing_until_resumed(original, tmp_path):
    with Receiver() as receiver:
        ident = subscribed(original, receiver)
        copied = tmp_path / "staging" / "copy.db"
        copied.parent.mkdir()
        shutil.copy(original, copied)
        store = open_store(copied, durable=False)
        store.append(stance_batch(0, actors=ACTORS[:1]))  # 2 change records, written in the copy
        store.close()
        with live_server(settings_for(copied)) as server:
            wait_until(lambda: server.background.dispatcher.rounds >= 1, what="the dispatcher's first round")
            assert receiver.requests == [] and server.background.dispatcher.lanes == {}  # a whole round, no lane
            listing = httpx.get(f"{server.url}/subscriptions", headers=AUTH).json()
            assert listing["paused"]["reason"].startswith("this database is a copy")
            assert str(original) in listing["paused"]["reason"] and str(copied) in listing["paused"]["reason"]
            jobs = {job.id for job in server.background.scheduler.scheduler.get_jobs()}
            assert {"announce-daily", "plan"} <= jobs  # the scheduler is not paused
            resumed = httpx.post(f"{server.url}/subscriptions/resume", headers=AUTH)
            assert resumed.status_code == 200 and resumed.json()["paused"] is None
            wait_until(lambda: len(receiver.delivered()) == 2, what="the deliveries after the resume")
            paused = httpx.post(f"{server.url}/subscriptions/pause", headers=AUTH).json()["paused"]
            assert paused["reason"] == "paused by an admin"
        with live_server(settings_for(copied)) as server:  # the copy is home now: a restart keeps its state
            assert httpx.get(f"{server.url}/subscriptions", headers=AUTH).json()["paused"] == paused
        with live_server(settings_for(original)) as server:  # the original never paused
            assert httpx.get(f"{server.url}/subscriptions", headers=AUTH).json()["paused"] is None
            assert httpx.get(f"{server.url}/subscriptions/{ident}", headers=AUTH).json()["delivered_through"] == 0


def test_a_backup_put_back_in_place_of_the_original_is_no_copy(original, tmp_path):
    with Receiver() as receiver:
        subscribed(original, receiver)
        store = open_store(original, durable=False)
        backup = tmp_path / "backups" / "b.db"
        store.backup(backup)
        store.close()
        original.unlink()
        shutil.copy(backup, original)  # the restore docs/feed.md describes
        store = open_store(original, durable=False)
        store.append(stance_batch(0, actors=ACTORS[:1]))
        store.close()
        with live_server(settings_for(original)):
            wait_until(lambda: len(receiver.delivered()) == 2, what="deliveries from the restored database")


def cli_run(database, *args: str, expect: int = 0) -> str:
    result = CliRunner().invoke(cli.main, ["--database", str(database), *args], env={"COMMITMENTS_CLOCK": CLOCK})
    assert result.exit_code == expect, (result.output, result.exception)
    return result.output


def test_the_cli_says_when_a_database_is_a_copy_and_pauses_and_resumes(original, tmp_path):
    with Receiver() as receiver:
        subscribed(original, receiver)
    copied = tmp_path / "copied.db"
    shutil.copy(original, copied)
    verified = cli_run(copied, "verify")  # what a restore's check of a backup prints
    assert "note: this database is a copy: its webhooks (1 subscriptions) were registered in" in verified
    assert "they start paused" in verified and "consistent" in verified
    status = cli_run(copied, "webhooks", "status")
    assert f"This database: SQLite file {copied.resolve()}" in status and "is a copy" in status
    assert cli_run(copied, "verify").count("note:") == 1  # looking changed nothing
    assert "Webhooks deliver again: 1 subscriptions" in cli_run(copied, "webhooks", "resume")
    assert "Webhooks deliver: 1 subscriptions." in cli_run(copied, "webhooks", "status")
    assert "note:" not in cli_run(copied, "verify")
    assert "Webhooks are paused since 2026-01-12T12:00:00" in cli_run(copied, "webhooks", "pause")
    assert "webhooks are paused since" in cli_run(copied, "verify")
    assert "Webhooks deliver: 1 subscriptions." in cli_run(original, "webhooks", "status")


def test_migrate_says_what_becomes_of_the_webhooks(original, tmp_path):
    with Receiver() as receiver:
        subscribed(original, receiver)
    target = tmp_path / "target.db"
    output = cli_run(original, "migrate", "--from", str(original), "--to", str(target))
    assert "Webhook subscriptions are not copied (1 in the source)" in output
    assert "paused" not in output  # a new database: its own home
    shutil.copy(original, tmp_path / "restored.db")  # a migrate into a copy of the source: a copy
    output = cli_run(original, "migrate", "--from", str(original), "--to", str(tmp_path / "restored.db"))
    assert "Webhooks of the target are paused: this database is a copy" in output
