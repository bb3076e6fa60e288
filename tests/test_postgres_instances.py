"""Several service instances on one PostgreSQL: gap-free positions under concurrent writers, and an append
on instance A reaching SSE subscribers of instance B."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from httpx_sse import connect_sse

from events import events_from_objects, open_store
from events.verify import verify
from tests.conftest import POSTGRES_URL, make, postgres_schema, registrations, require_postgres

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "instances-test-token-0123456789"


def _writer(url: str, prefix: str, count: int) -> None:
    store = open_store(url)
    try:
        for i in range(count):
            store.append(events_from_objects([make("stance.stated", id=f"{prefix}-{i}", actor="fr", topic="troops",
                                                   stance=("committed", "declined")[i % 2])]))
    finally:
        store.close()


def test_concurrent_writers_get_gap_free_positions_in_commit_order():
    require_postgres()
    with postgres_schema() as schema:
        url = f"{POSTGRES_URL}?schema={schema}&pool_size=2"
        store = open_store(url)
        store.append(events_from_objects(registrations()))
        ctx = multiprocessing.get_context("spawn")
        workers = [ctx.Process(target=_writer, args=(url, f"w{n}", 30)) for n in range(3)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
            assert worker.exitcode == 0
        stored = store.read()
        assert [s.position for s in stored] == list(range(1, len(stored) + 1))
        assert all(a.recorded < b.recorded for a, b in zip(stored, stored[1:]) if a.recorded != b.recorded)
        for n in range(3):
            mine = [s.event.id for s in stored if s.event.id.startswith(f"w{n}-")]
            assert mine == [f"w{n}-{i}" for i in range(30)]
        assert verify(store) == []
        store.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "COMMITMENTS_DATABASE_URL": url, "COMMITMENTS_TOKEN": TOKEN, "PYTHONPATH": str(ROOT),
           "COMMITMENTS_FEED_POLL_SECONDS": "5"}  # long polling interval: prompt delivery must come from NOTIFY
    command = [str(Path(sys.executable).with_name("commitments")), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(command,
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_healthy(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode()[-2000:])
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("the instance did not become healthy in 30 s")


def test_an_append_on_one_instance_reaches_the_feed_of_another():
    require_postgres()
    with postgres_schema() as schema:
        url = f"{POSTGRES_URL}?schema={schema}"
        store = open_store(url)
        store.append(events_from_objects(registrations()))
        store.close()
        ports = [_free_port(), _free_port()]
        servers = [_serve(url, port) for port in ports]
        try:
            for port, server in zip(ports, servers):
                _wait_healthy(port, server)
            a, b = (f"http://127.0.0.1:{port}" for port in ports)
            with httpx.Client(timeout=httpx.Timeout(10.0, read=10.0)) as client, \
                    connect_sse(client, "GET", f"{b}/feed") as source:
                time.sleep(0.5)  # let the subscriber settle before the append
                started = time.monotonic()
                response = httpx.post(f"{a}/events", headers={"Authorization": f"Bearer {TOKEN}"},
                                      json=make("stance.stated", id="via-a", actor="gb", topic="troops",
                                                stance="committed"), timeout=10)
                assert response.status_code == 201, response.text
                for message in source.iter_sse():
                    if message.event == "stance-change" and json.loads(message.data)["event_id"] == "via-a":
                        break
                delay = time.monotonic() - started
            assert delay < 4.5, f"took {delay:.2f} s: the change should come by NOTIFY, not the 5 s poll"
        finally:
            for server in servers:
                server.kill()
                server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
