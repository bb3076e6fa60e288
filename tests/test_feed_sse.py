"""``GET /feed``: Server-Sent Events from a real server, resumed across dropped connections, exactly once.

The server runs in a thread on 127.0.0.1 (``tests/live.py``); changes are appended
through a store of the test's own (another writer, as a CLI import would be) or by a
second process, so the feed must find them in the database.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import subprocess
import sys
import threading

import httpx
import pytest
from httpx_sse import connect_sse

from events import open_store, queries
from service.live.pages import PageReader
from service.live.watcher import ChangeWatcher
from tests.conftest import POSTGRES_URL, events, make, open_postgres, postgres_schema, require_postgres
from tests.live import ACTORS, TOPICS, all_changes, live_server, settings_for, stance_batch, wait_until, world

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path):
    """A database (SQLite file or PostgreSQL schema) holding the registrations, and a store of the test's own
    on it: the feed's contract holds on both backends."""
    if request.param == "sqlite":
        url = str(tmp_path / "feed.db")
        store = open_store(url, durable=False)
        store.append(world())
        yield url, store
        store.close()
        return
    require_postgres()
    with postgres_schema() as schema:
        url = f"{POSTGRES_URL}?schema={schema}"
        store = open_store(url, durable=False)
        store.append(world())
        yield url, store
        store.close()


def read_stream(url, *, headers=None, params=None, until, limit=None):
    """Open the feed with httpx-sse and collect events until ``until(events)`` or ``limit`` stance changes."""
    got = []
    with httpx.Client(timeout=httpx.Timeout(10.0)) as client, \
            connect_sse(client, "GET", f"{url}/feed", headers=headers or {}, params=params or {}) as source:
        assert source.response.headers["content-type"].startswith("text/event-stream")
        for event in source.iter_sse():
            got.append(event)
            changes = [e for e in got if e.event == "stance-change"]
            if until(got) or (limit is not None and len(changes) >= limit):
                break
    return got


def change_events(got):
    return [e for e in got if e.event == "stance-change"]


def raw_messages(buffer: bytes) -> tuple[list[dict[str, str]], bytes]:
    """Complete SSE messages in ``buffer`` (fields by name) and the incomplete rest."""
    *blocks, rest = buffer.split(b"\n\n")
    messages = []
    for block in blocks:
        fields: dict[str, str] = {}
        for line in block.decode().split("\n"):
            if line and not line.startswith(":"):
                name, _, value = line.partition(": ")
                fields[name] = value
        messages.append(fields)
    return messages, rest


# --- exactly once, in order, across dropped connections ------------------------------------------


@pytest.mark.parametrize("seed", [20260106, 7])
def test_a_client_dropping_at_random_points_sees_every_change_once_in_order(database, seed):
    path, store = database
    rng = random.Random(seed)
    rounds = 40
    with live_server(settings_for(path)) as server:
        pauses = random.Random(seed + 1)  # the writer's own: Random is not for sharing between threads

        def append_rounds():
            for round_ in range(rounds):
                store.append(stance_batch(round_, actors=ACTORS[:10]))  # 20 change records per round
                threading.Event().wait(pauses.uniform(0, 0.03))

        writer = threading.Thread(target=append_rounds)
        writer.start()
        final = rounds * 10 * len(TOPICS)
        seen: list[dict] = []
        last = 0
        connections = 0
        while last < final:
            connections += 1
            if rng.random() < 0.5:
                # httpx-sse, dropped after a random number of events; resumed with Last-Event-ID
                budget = rng.randint(1, 60)
                got = read_stream(server.url, headers={"Last-Event-ID": str(last)},
                                  until=lambda g: (change_events(g) and int(change_events(g)[-1].id) >= final),
                                  limit=budget)
                for event in change_events(got):
                    data = json.loads(event.data)
                    assert int(event.id) == data["seq"]
                    seen.append(data)
                ids = [int(e.id) for e in got if e.id]
                last = max([last, *ids])
            else:
                # raw bytes, cut at a random byte (mid-message, usually); resumed with ?after=
                budget = rng.randint(1, 40_000)
                buffer = b""
                with httpx.Client(timeout=10.0) as client, \
                        client.stream("GET", f"{server.url}/feed", params={"after": last}) as response:
                    for chunk in response.iter_raw():
                        buffer += chunk
                        messages, _ = raw_messages(buffer)
                        if len(buffer) >= budget or any(int(m.get("id", 0)) >= final for m in messages):
                            break
                messages, _ = raw_messages(buffer[:budget])  # what arrived before the cut
                for message in messages:
                    if message.get("event") == "stance-change":
                        seen.append(json.loads(message["data"]))
                    if "id" in message:
                        last = int(message["id"])
        writer.join()
        assert connections > 5
        assert [c["seq"] for c in seen] == list(range(1, final + 1))  # each once, in order
        assert seen == all_changes(server.url)  # the same JSON as GET /changes


def test_last_event_id_and_after_resume_right_after_n(database):
    path, store = database
    store.append(stance_batch(0, actors=ACTORS[:3]))  # 6 change records
    with live_server(settings_for(path)) as server:
        got = read_stream(server.url, params={"after": 2}, until=lambda g: False, limit=4)
        assert [int(e.id) for e in change_events(got)] == [3, 4, 5, 6]
        # A reconnecting browser sends Last-Event-ID while its URL still says ?after=: the header wins.
        got = read_stream(server.url, params={"after": 1}, headers={"Last-Event-ID": "4"}, until=lambda g: False,
                          limit=2)
        assert [int(e.id) for e in change_events(got)] == [5, 6]
        assert change_events(got)[0].data == json.dumps(all_changes(server.url)[4], separators=(",", ":"))
        bad = httpx.get(f"{server.url}/feed", headers={"Last-Event-ID": "four"})
        assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"


def test_a_filtered_stream_still_advances_so_a_resume_replays_nothing(database):
    path, store = database
    store.append(stance_batch(0, actors=ACTORS[:3]))  # seq 1-6: a00, a01, a02 x money, troops
    with live_server(settings_for(path)) as server:
        final = 6
        got = read_stream(server.url, params={"actor": "a00"}, until=lambda g: any(e.id == str(final) for e in g))
        assert {json.loads(e.data)["actor"] for e in change_events(got)} == {"a00"}
        assert got[-1].id == str(final) and got[-1].data == ""  # an id-only message past the filtered-out tail
        # Resuming from there: nothing is replayed; the next a00 change (after two a01 ones) arrives.
        store.append(stance_batch(1, actors=ACTORS[1:2]))  # seq 7-8, a01
        store.append(stance_batch(1, actors=ACTORS[:1]))  # seq 9-10, a00
        got = read_stream(server.url, params={"actor": "a00"}, headers={"Last-Event-ID": got[-1].id},
                          until=lambda g: False, limit=2)
        assert [int(e.id) for e in change_events(got)] == [9, 10]


def test_retry_hint_and_heartbeat_comments(database):
    path, _ = database
    with live_server(settings_for(path, feed_heartbeat_seconds=0.1, feed_retry_ms=1234)) as server:
        lines = []
        with httpx.Client(timeout=10.0) as client, client.stream("GET", f"{server.url}/feed") as response:
            assert response.headers["cache-control"] == "no-cache"
            for line in response.iter_lines():
                lines.append(line)
                if lines.count(": heartbeat") >= 2:
                    break
        assert lines[0] == "retry: 1234"


def test_a_change_appended_by_another_process_reaches_the_feed(database):
    path, store = database
    with live_server(settings_for(path)) as server:
        script = (
            "import sys; from events import open_store; from tests.live import stance_batch, ACTORS;"
            "s = open_store(sys.argv[1], durable=False); s.append(stance_batch(0, actors=ACTORS[:1])); s.close()"
        )
        result = {}

        def listen():
            result["got"] = read_stream(server.url, until=lambda g: False, limit=2)

        listener = threading.Thread(target=listen)
        listener.start()
        wait_until(lambda: server.background.hub.subscribers, what="the listener to connect")
        subprocess.run([sys.executable, "-c", script, str(path)], check=True, timeout=30)
        listener.join(timeout=20)
        got = change_events(result["got"])
        assert [json.loads(e.data)["event_id"] for e in got] == ["r0-a00-money", "r0-a00-troops"]


def test_commitments_tail_follows_the_database_and_prints_each_change_once(database):
    path, store = database
    store.append(stance_batch(0, actors=ACTORS[:2]))  # seq 1-4
    command = [sys.executable, "-c", "from service.cli import main; main()", "--database", str(path), "tail",
               "--json", "--after", "2", "--interval", "0.05", "--actor", "a01"]
    tail = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(iter(tail.stdout.readline, "")), daemon=True)
        reader.start()
        wait_until(lambda: len(lines) == 2, timeout=20, what="the changes already there")
        for round_ in (1, 2):  # appended while tail polls: a00's records are filtered out, a01's printed once
            store.append(stance_batch(round_, actors=ACTORS[:2]))
        wait_until(lambda: len(lines) == 6, timeout=20, what="the changes appended meanwhile")
    finally:
        tail.terminate()
        tail.wait(timeout=10)
    seqs = [json.loads(line)["seq"] for line in lines]
    assert seqs == [3, 4, 7, 8, 11, 12]
    with store.reading() as tx:
        assert [r.seq for r in queries.changes(tx, after=2, limit=100, actor="a01")[0]] == seqs


# --- a client that does not read ------------------------------------------------------------------


def test_a_client_that_never_reads_holds_one_page_at_most_and_is_cut_off(database):
    path, store = database
    page = 50
    settings = settings_for(path, feed_page_size=page, feed_write_timeout_seconds=1.0)
    with live_server(settings, send_buffer=16384) as server:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a tiny window: the server must wait for us
        sock.connect(("127.0.0.1", server.port))
        sock.sendall(f"GET /feed HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
        hub = server.background.hub
        subscriber = wait_until(lambda: next(iter(hub.subscribers), None), what="the subscriber")
        rounds = 50  # 50 x 40 records of ~330 bytes: about 660 kB the client never reads
        for round_ in range(rounds):
            store.append(stance_batch(round_))
        final = rounds * len(ACTORS) * len(TOPICS)
        # The subscriber stops where the socket is full, and the write timeout then cuts it off.
        wait_until(lambda: subscriber not in hub.subscribers, timeout=40, what="the stuck client to be cut off")
        assert subscriber.peak_buffered <= page  # never more than one page in hand, though 2000 were waiting
        assert subscriber.position < final  # it really was stuck, not done
        assert server.background.reader.keep * page < final  # and the shared page cache is bounded too
        sock.close()
        assert httpx.get(f"{server.url}/health").status_code == 200


# --- the shared machinery, without a server -----------------------------------------------------


def test_subscribers_at_one_position_share_one_database_read(database):
    path, store = database
    store.append(stance_batch(0))

    async def scenario():
        watcher = ChangeWatcher(store, poll_seconds=0.02)
        await watcher.start()
        try:
            reader = PageReader(store, watcher, size=200)
            pages = await asyncio.gather(*[reader.page(0) for _ in range(50)])
            assert {id(p) for p in pages} == {id(pages[0])} and len(pages[0].records) == 40
            assert reader.reads == 1
            store.append(stance_batch(1))  # the head moves: the short page at 0 is read again, once
            await asyncio.wait_for(watcher.wait_beyond(40, 10), 10)
            again = await asyncio.gather(*[reader.page(0) for _ in range(50)])
            assert len(again[0].records) == 80 and reader.reads == 2
        finally:
            await watcher.stop()

    asyncio.run(scenario())


def test_a_heartbeat_does_not_end_a_wait_for_a_change(database):
    _, store = database

    async def scenario():
        watcher = ChangeWatcher(store, poll_seconds=0.01, tick_seconds=0.02)
        await watcher.start()
        try:
            waiting = asyncio.ensure_future(watcher.wait_beyond(watcher.latest_change, 30))
            for _ in range(3):  # heartbeats wake every waiter of next_wake; this one must wait on
                await watcher.next_wake()
            assert not waiting.done()
            await asyncio.to_thread(store.append, stance_batch(0))
            assert await asyncio.wait_for(waiting, 30)
            waiting = asyncio.ensure_future(watcher.wait_beyond(watcher.latest_change, 30))
            await watcher.next_wake()
            await watcher.stop()  # wakes the waiter, which finds nothing new and stops waiting
            assert await asyncio.wait_for(waiting, 5) is False
        finally:
            await watcher.stop()

    asyncio.run(scenario())


def test_postgres_notify_wakes_the_watcher_without_waiting_for_a_poll(clock):
    require_postgres()
    with postgres_schema() as schema:
        store = open_postgres(schema, clock)
        try:
            store.append(events(*[make("actor.registered", "2025", id="reg-fr", actor="fr", name="FR", kind="state"),
                                  make("topic.defined", "2025", id="reg-t", topic="t", name="T")]))

            async def scenario():
                watcher = ChangeWatcher(store, poll_seconds=60)  # polling alone would take a minute
                await watcher.start()
                try:
                    assert await asyncio.to_thread(watcher.listening.wait, 10)
                    await asyncio.to_thread(store.append, events(
                        make("stance.stated", "2026-01-05", id="fr-t", actor="fr", topic="t", stance="supportive")))
                    assert await watcher.wait_beyond(0, 20)
                    with store.reading() as tx:
                        assert watcher.latest_change == queries.last_change(tx) == 1
                finally:
                    await watcher.stop()

            asyncio.run(scenario())
        finally:
            store.close()
