"""Concurrent writers on one SQLite file: four processes appending through the store and the HTTP
server as a fifth, all at once; and compare-and-append (``If-Match``) when writers race for one position.

SQLite allows one writer at a time: each append takes ``BEGIN IMMEDIATE`` and waits (busy
timeout) for the others. What must hold afterwards: every acknowledged event stored
exactly once, positions contiguous, each writer's events in the order it appended them,
each batch on consecutive positions, and projections equal to a rebuild.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from pathlib import Path

import httpx

from events import events_from_objects, open_store
from events.verify import verify
from tests.conftest import AUTH, registrations
from tests.server import running_server

#: How long the writers append at once, in seconds.
DURATION = 5.0
#: A bound on the appends of one writer, whatever the speed of the machine.
MAX_APPENDS = 5000
STORE_WRITERS = ("p1", "p2", "p3", "p4")
ACTORS = ("fr", "gb", "de")


def batch_for(writer: str, n: int, first: int) -> list[dict]:
    """Append n of a writer: 1-3 stance statements with ids ``<writer>-<k>`` numbered on from ``first``."""
    return [{"type": "stance.stated", "id": f"{writer}-{first + k}", "occurred": f"2026-01-{1 + (n + k) % 28:02d}",
             "sources": [{"outlet": "concurrency test"}], "summary": "concurrency test",
             "actor": ACTORS[(n + k) % 3], "topic": ("troops", "money")[n % 2],
             "stance": ("committed", "declined", "undecided")[k % 3]}
            for k in range(1 + n % 3)]


def append_through_the_store(path: str, writer: str, start: object, results: str) -> None:
    """A writer process: open the file, wait for the others, append for DURATION, then report its ids."""
    store = open_store(path)
    acknowledged: list[list[str]] = []
    try:
        start.wait(timeout=120)  # every writer begins together, after its imports
        deadline = time.monotonic() + DURATION
        first = 0
        for n in range(MAX_APPENDS):
            if time.monotonic() >= deadline:
                break
            objects = batch_for(writer, n, first)
            store.append(events_from_objects(objects))
            acknowledged.append([obj["id"] for obj in objects])
            first += len(objects)
            # SQLite's lock is not fair: a writer in a tight loop takes it again before the busy handler of
            # a waiting one wakes up. A breath between appends, as any real writer has, lets them interleave.
            time.sleep(0.002)
    finally:
        store.close()
        Path(results).write_text(json.dumps(acknowledged))


def append_through_http(base: str, start: threading.Barrier, acknowledged: list[list[str]],
                        failures: list[str]) -> None:
    """The fifth writer: POST batches to the server for DURATION."""
    with httpx.Client(base_url=base, timeout=60.0) as client:
        start.wait(timeout=120)
        deadline = time.monotonic() + DURATION
        first = 0
        for n in range(MAX_APPENDS):
            if time.monotonic() >= deadline:
                return
            objects = batch_for("http", n, first)
            response = client.post("/events", json=objects, headers=AUTH)
            if response.status_code != 201:
                failures.append(f"{response.status_code} {response.text[:200]}")
                return
            acknowledged.append([obj["id"] for obj in objects])
            first += len(objects)


def test_four_processes_and_the_server_append_at_once_without_gaps_duplicates_or_reordering(tmp_path):
    db = tmp_path / "shared.db"
    store = open_store(db)
    store.append(events_from_objects(registrations()))
    store.close()
    ctx = multiprocessing.get_context("spawn")
    with running_server(db) as server:
        start = ctx.Barrier(len(STORE_WRITERS) + 1)  # the store writers and this process
        results = {name: tmp_path / f"{name}.json" for name in STORE_WRITERS}
        workers = [ctx.Process(target=append_through_the_store, args=(str(db), name, start, str(results[name])))
                   for name in STORE_WRITERS]
        http_acked: list[list[str]] = []
        failures: list[str] = []
        local_start = threading.Barrier(2)  # the HTTP writer thread starts when the processes do
        poster = threading.Thread(target=append_through_http, args=(server.base, local_start, http_acked, failures),
                                  daemon=True)
        try:
            for worker in workers:
                worker.start()
            poster.start()
            start.wait(timeout=120)
            local_start.wait(timeout=120)
            poster.join(timeout=DURATION + 120)
            for worker in workers:
                worker.join(timeout=DURATION + 120)
        finally:
            for worker in workers:
                if worker.is_alive():
                    worker.kill()
        assert not poster.is_alive() and failures == [], failures
        assert [worker.exitcode for worker in workers] == [0] * len(workers)
        server.stop()
    batches = {name: json.loads(results[name].read_text()) for name in STORE_WRITERS}
    batches["http"] = http_acked
    store = open_store(db)
    try:
        stored = store.read()
        problems = verify(store)
    finally:
        store.close()
    assert problems == []
    assert [s.position for s in stored] == list(range(1, len(stored) + 1)), "positions must be contiguous"
    position = {s.event.id: s.position for s in stored}
    recorded = {s.event.id: s.recorded for s in stored}
    assert len(position) == len(stored), "an id is stored twice"
    for writer, appended in batches.items():
        assert appended, f"writer {writer} got nothing appended in {DURATION} s"
        ids = [event_id for batch in appended for event_id in batch]
        assert set(ids) <= set(position), f"{writer}: acknowledged events missing"
        assert [position[i] for i in ids] == sorted(position[i] for i in ids), f"{writer}: events out of order"
        for batch in appended:  # one append: consecutive positions, one recorded instant
            assert [position[i] for i in batch] == list(range(position[batch[0]], position[batch[0]] + len(batch)))
            assert len({recorded[i] for i in batch}) == 1
    acknowledged = {i for appended in batches.values() for batch in appended for i in batch}
    registered = {e["id"] for e in registrations()}
    assert set(position) == acknowledged | registered, "something nobody acknowledged is stored"
    # The writers really did take turns: the log switches writer many times (fairness is not promised,
    # so the bound is loose).
    owners = [s.event.id.split("-")[0] for s in stored if s.event.id not in registered]
    switches = sum(1 for a, b in zip(owners, owners[1:]) if a != b)
    print(f"{len(stored)} events; appends per writer: { {w: len(b) for w, b in batches.items()} }; "
          f"{switches} switches")
    assert switches >= 10


#: Writers racing for one position per round, and rounds.
RACERS = 4
RACE_ROUNDS = 6


def race(base: str, body: list[dict], last: int, gate: threading.Barrier, answers: dict[int, httpx.Response],
         k: int) -> None:
    """One racer: wait at the gate with the others, then append only if the log still ends at ``last``."""
    with httpx.Client(base_url=base, timeout=60.0) as client:
        gate.wait(timeout=60)  # all requests leave together
        answers[k] = client.post("/events", json=body, headers={**AUTH, "If-Match": str(last)})


def test_compare_and_append_lets_exactly_one_of_racing_writers_win(tmp_path):
    db = tmp_path / "race.db"
    store = open_store(db)
    store.append(events_from_objects(registrations()))
    store.close()
    with running_server(db) as server, server.client() as reader:
        for round_ in range(RACE_ROUNDS):
            last = reader.get("/health").json()["last_position"]
            gate = threading.Barrier(RACERS)
            answers: dict[int, httpx.Response] = {}
            racers = [threading.Thread(target=race, daemon=True,
                                       args=(server.base, batch_for(f"race{round_}k{k}", k, 0), last, gate, answers, k))
                      for k in range(RACERS)]
            for racer in racers:
                racer.start()
            for racer in racers:
                racer.join(timeout=60)
            statuses = sorted(answers[k].status_code for k in range(RACERS))
            assert statuses == [201] + [409] * (RACERS - 1), statuses
            winner = next(k for k in range(RACERS) if answers[k].status_code == 201)
            won = answers[winner].json()
            assert won["appended"][0]["position"] == last + 1
            for k in range(RACERS):
                if k != winner:
                    assert answers[k].headers["content-type"].startswith("application/problem+json")
                    assert f"expected the log to end at position {last}" in answers[k].json()["detail"]
            assert reader.get("/health").json()["last_position"] == won["last_position"]
        server.stop()
    store = open_store(db)
    try:
        assert verify(store) == []
        racers_stored = [s.event.id for s in store.read() if s.event.id.startswith("race")]
    finally:
        store.close()
    # One winner per round, and only its events.
    assert len({event_id.split("-")[0] for event_id in racers_stored}) == RACE_ROUNDS


def test_a_compare_and_append_retried_after_a_lost_answer_stores_one_copy(service_world):
    """The first attempt was stored but its answer lost; the retry with the same If-Match finds the log moved.

    The retry is recognised as a retry (every event already stored, same content): 200 with the original
    positions, as a plain retry gets, and one copy.
    """
    last = service_world.get("/health").json()["last_position"]
    body = batch_for("cas-retry", 2, 0)
    headers = {**AUTH, "If-Match": str(last)}
    assert service_world.post("/events", json=body, headers=headers).status_code == 201
    retry = service_world.post("/events", json=body, headers=headers)
    assert retry.status_code == 200, retry.text
    assert service_world.get("/health").json()["last_position"] == last + len(body)
    for obj in body:
        assert service_world.get(f"/events/{obj['id']}").json()["position"] > last
