"""PostgreSQL goes away and comes back under load; the service, never restarted, loses nothing acknowledged.

A real ``commitments serve`` runs on a private cluster (``tests/pg_cluster.py``: stopping the shared
server would disturb every other test). Writers append one event per request with ids of their own and
retry whatever got no 2xx answer; an SSE client follows ``/feed``; a webhook receiver is subscribed.
Then the cluster stops (``fast``: a clean shutdown that disconnects every client; ``immediate``: a crash,
recovered at the next start). While it is down every answer is 503 with ``Retry-After`` and a problem,
``/health`` says the database is unreachable, and the feed keeps its clients. After the start, with the
same service process: each event exactly once, positions gap-free, the SSE client saw every change once
in order, the receiver got every change, ``commitments verify`` passes.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from httpx_sse import connect_sse

from events import open_store
from tests import pg_cluster
from tests.conftest import AUTH, make, registrations
from tests.live import wait_until
from tests.server import command, server_env, start_server

pytestmark = pytest.mark.timeout(120)
ACTORS = tuple(f"a{i:02d}" for i in range(8))
TOPICS = ("troops", "money")
WRITERS = 4
#: Every HTTP request's own limit: an answer that takes longer is a hang, and fails the test.
REQUEST_TIMEOUT = 20.0
#: Acknowledged appends before the cluster stops, and again after it is back, per writer.
BEFORE, AFTER = 5, 5


@pytest.fixture
def cluster():
    """A private PostgreSQL cluster, stopped and removed at the end."""
    reason = pg_cluster.missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with pg_cluster.private_cluster() as started:
        yield started


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers 204 and keeps every change record it was sent."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.bodies.append(json.loads(body))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def seqs(self) -> list[int]:
        with self.lock:
            return [body["seq"] for body in self.bodies]


@dataclass
class Observed:
    """What the clients saw: acknowledged ids, answers given while the database was down, faults."""

    acked: list[str] = field(default_factory=list)
    sent: set[str] = field(default_factory=set)
    unavailable: list[httpx.Response] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    #: Set when the test ends early: writers stop retrying.
    abort: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fault(self, text: str) -> None:
        with self.lock:
            self.faults.append(text)


def stance(writer: int, n: int) -> dict:
    """The n-th event of a writer: a stance that alternates, so that most appends change the present."""
    actor = ACTORS[(writer * 3 + n) % len(ACTORS)]
    return make("stance.stated", f"2025-{1 + n % 12:02d}-{1 + writer:02d}", id=f"w{writer}-{n}", actor=actor,
                topic=TOPICS[n % 2], stance=("supportive", "reluctant")[n % 2])


def check_unavailable(response: httpx.Response, observed: Observed, what: str) -> None:
    """A 503 must carry Retry-After and a problem; anything 5xx else is a fault."""
    if response.status_code == 503:
        if not (response.headers.get("retry-after", "").isdigit()
                and response.headers.get("content-type", "").startswith("application/problem+json")
                and response.json().get("status") == 503):
            observed.fault(f"{what}: a 503 without Retry-After or problem JSON: {response.headers} {response.text}")
        with observed.lock:
            observed.unavailable.append(response)
    elif response.status_code >= 500:
        observed.fault(f"{what}: {response.status_code} {response.text[:300]}")


def write(base: str, writer: int, stop: threading.Event, observed: Observed) -> None:
    """Append this writer's events one by one; an event without a 2xx answer is sent again, with its id."""
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as client:
        n = 0
        while not stop.is_set():
            event = stance(writer, n)
            with observed.lock:
                observed.sent.add(event["id"])
            while not observed.abort.is_set():
                try:
                    response = client.post("/events", json=event, headers=AUTH)
                except httpx.TimeoutException:
                    observed.fault(f"POST {event['id']}: no answer within {REQUEST_TIMEOUT} s")
                    return
                except httpx.TransportError:
                    time.sleep(0.1)  # the connection broke: unacknowledged, send it again
                    continue
                if response.status_code in (200, 201):
                    with observed.lock:
                        observed.acked.append(event["id"])
                    break
                check_unavailable(response, observed, f"POST {event['id']}")
                if response.status_code != 503:
                    observed.fault(f"POST {event['id']}: {response.status_code} {response.text[:300]}")
                    return
                time.sleep(0.2)  # shorter than Retry-After: the test wants to see the first success soon
            n += 1


def read(base: str, stop: threading.Event, observed: Observed) -> None:
    """Reads of every kind, all the time: each answers 200 or 503 with Retry-After, in time."""
    paths = ["/actors/a00/stances?at=2025-06-01", "/topics/troops/stances?at=2025-06-01&known_at=2026-01-01T00:00:00Z",
             "/events/w0-0", "/changes?after=0&limit=10", "/timeline"]
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as client:
        i = 0
        while not stop.is_set():
            path = paths[i % len(paths)]
            i += 1
            try:
                response = client.get(path)
            except httpx.TimeoutException:
                observed.fault(f"GET {path}: no answer within {REQUEST_TIMEOUT} s")
                return
            check_unavailable(response, observed, f"GET {path}")
            time.sleep(0.05)


@dataclass
class FeedLog:
    """The change seqs the SSE client received, in order, and how often it (re)connected."""

    seqs: list[int] = field(default_factory=list)
    connections: int = 0
    errors: list[str] = field(default_factory=list)


def follow(base: str, stop: threading.Event, feed: FeedLog) -> None:
    """Follow /feed; on any break reconnect with Last-Event-ID, as a browser's EventSource does."""
    last = 0
    while not stop.is_set():
        try:
            with httpx.Client(timeout=httpx.Timeout(REQUEST_TIMEOUT)) as client, \
                    connect_sse(client, "GET", f"{base}/feed", headers={"Last-Event-ID": str(last)}) as source:
                if source.response.status_code != 200:
                    feed.errors.append(f"feed answered {source.response.status_code}")
                    time.sleep(0.2)
                    continue
                feed.connections += 1
                for event in source.iter_sse():
                    if event.event == "stance-change":
                        feed.seqs.append(int(event.id))
                        last = int(event.id)
                    if stop.is_set():
                        return
        except httpx.HTTPError as error:
            feed.errors.append(f"{type(error).__name__}: {error}")
            time.sleep(0.2)


def all_changes(base: str) -> list[int]:
    out, after = [], 0
    while True:
        page = httpx.get(f"{base}/changes", params={"after": after, "limit": 1000}, timeout=REQUEST_TIMEOUT).json()
        out += [c["seq"] for c in page["changes"]]
        if page["next_after"] == after:
            return out
        after = page["next_after"]


def acked_count(observed: Observed) -> int:
    with observed.lock:
        return len(observed.acked)


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_postgres_restart_under_load_loses_nothing_acknowledged_and_the_service_recovers(cluster, tmp_path: Path,
                                                                                           mode: str):
    database = f"{cluster.url}?pool_size=4"
    env = server_env(COMMITMENTS_FEED_HEARTBEAT_SECONDS="0.5", COMMITMENTS_FEED_POLL_SECONDS="0.05",
                     COMMITMENTS_WEBHOOK_BACKOFF_SECONDS="0.2", COMMITMENTS_WEBHOOK_BACKOFF_CAP_SECONDS="1",
                     COMMITMENTS_BACKUP_INTERVAL_HOURS="0")
    server = start_server(database, tmp_path / "server.log", env=env)
    receiver = Receiver()
    receiver.thread.start()
    stop_writing, stop_following = threading.Event(), threading.Event()
    observed, feed = Observed(), FeedLog()
    threads: list[threading.Thread] = []
    try:
        with server.client(timeout=REQUEST_TIMEOUT) as client:
            world = registrations(actors=ACTORS, topics=TOPICS, conditions=())
            assert client.post("/events", json=world, headers=AUTH).status_code == 201
            hook = client.post("/subscriptions", json={"url": receiver.url, "secret": "s" * 24}, headers=AUTH)
            assert hook.status_code == 201, hook.text
        threads = [threading.Thread(target=write, args=(server.base, w, stop_writing, observed))
                   for w in range(WRITERS)]
        threads += [threading.Thread(target=read, args=(server.base, stop_writing, observed)),
                    threading.Thread(target=follow, args=(server.base, stop_following, feed))]
        for thread in threads:
            thread.start()
        wait_until(lambda: acked_count(observed) >= WRITERS * BEFORE, timeout=60, what="appends before the stop")

        cluster.stop(mode)
        wait_until(lambda: observed.unavailable or observed.faults, timeout=30, what="a 503 while the database is down")
        connections_before = feed.connections
        health = httpx.get(f"{server.base}/health", timeout=REQUEST_TIMEOUT)
        assert health.status_code == 503, health.text
        assert health.headers["content-type"].startswith("application/problem+json")
        assert health.headers["retry-after"].isdigit()
        assert "unreachable" in health.json()["detail"], health.text
        # The feed stays open while the database is away: heartbeats keep coming (a change cannot).
        with httpx.Client(timeout=httpx.Timeout(REQUEST_TIMEOUT)) as client, \
                client.stream("GET", f"{server.base}/feed", headers={"Last-Event-ID": "0"}) as stream:
            assert stream.status_code == 200
            beats = 0
            for line in stream.iter_lines():
                beats += line.startswith(":")
                if beats >= 2:
                    break
        acked_while_down = acked_count(observed)
        cluster.start()

        wait_until(lambda: acked_count(observed) >= acked_while_down + WRITERS * AFTER, timeout=60,
                   what="appends after the database is back")
        stop_writing.set()
        for thread in threads[:-1]:
            thread.join(timeout=REQUEST_TIMEOUT * 2)
        assert not observed.faults, observed.faults

        changes = all_changes(server.base)
        wait_until(lambda: feed.seqs[-1:] == changes[-1:], timeout=30, what="the feed to reach the last change")
        stop_following.set()
        threads[-1].join(timeout=REQUEST_TIMEOUT * 2)
        wait_until(lambda: set(receiver.seqs()) >= set(changes), timeout=30, what="webhooks to deliver the backlog")
    finally:
        observed.abort.set()
        stop_writing.set()
        stop_following.set()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT * 2)
        server.kill()
        receiver.server.shutdown()
        receiver.server.server_close()

    assert feed.seqs == changes, "the SSE client saw each change once, in order"
    assert feed.connections >= connections_before >= 1
    delivered = receiver.seqs()
    first_seen = sorted(set(delivered), key=delivered.index)
    assert first_seen == changes, "webhooks arrive in order (a repeat after a lost answer is allowed)"
    assert observed.unavailable, "the outage was seen by the clients"

    store = open_store(database)
    try:
        with store.reading() as tx:
            ids = [row[0] for row in tx.fetchall("SELECT id FROM events ORDER BY position")]
            positions = [row[0] for row in tx.fetchall("SELECT position FROM events ORDER BY position")]
    finally:
        store.close()
    counts = Counter(ids)
    assert [i for i, n in counts.items() if n > 1] == []
    assert set(observed.acked) <= set(counts), "every acknowledged append is in the log"
    assert observed.sent <= set(counts), "every retried append landed"
    assert positions == list(range(1, len(positions) + 1)), "positions are gap-free"
    verified = subprocess.run([*command(), "verify", "--database", database], capture_output=True, text=True,
                              env=server_env(), timeout=60, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
