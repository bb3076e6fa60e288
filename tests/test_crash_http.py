"""Crash safety through the HTTP server: SIGKILL ``commitments serve`` while a client posts batches.

The store-level half is ``test_crash.py``; this one goes through everything a real
append goes through (uvicorn, litestar, the DTO, the thread pool, the store). After
every kill the database must hold each acknowledged batch exactly once, nothing of a
batch that was never acknowledged except possibly the whole of the one in flight,
gap-free positions, and projections and change records that equal a rebuild of the
log (they are written in the append's transaction, so a kill cannot separate them).
The batch that got no answer is re-sent after the restart: 200 if it had been stored,
201 if not, and one copy either way.
"""

from __future__ import annotations

import random
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from events import events_from_objects, open_store
from service.bootstrap import build_store
from service.settings import Settings
from tests.conftest import AUTH, registrations
from tests.crash_child import batch_objects
from tests.server import command, running_server, server_env

#: Kills, each at a random moment after the client starts posting (the store-level test does 24 more).
ROUNDS = 10
SEED = 20260107
#: Longest a round lets the client post before the kill, in seconds. Short, because each check rebuilds
#: every projection from the whole log, which grows with every round.
MAX_DELAY = 0.5
REGISTRATION_IDS = frozenset(e["id"] for e in registrations())
#: Projection tables whose rows name the log position that created them.
FACT_TABLES = ("stance_intervals", "condition_intervals", "memberships")


@dataclass
class Posting:
    """What the client saw: batches it started to send, those answered 2xx, and any other answer."""

    tried: list[int] = field(default_factory=list)
    acked: list[int] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    @property
    def unanswered(self) -> int | None:
        """The batch the client sent (or began to) and got no answer for, if any."""
        return self.tried[-1] if self.tried and self.tried[-1] not in self.acked else None


def post_batches(base: str, first: int, stop: threading.Event, posting: Posting) -> None:
    """Post batches ``first``, ``first + 1``, ... one at a time until stopped or the server stops answering."""
    with httpx.Client(base_url=base, timeout=30.0) as client:
        for n in range(first, first + 100_000):  # bounded; a round posts a few dozen at most
            if stop.is_set():
                return
            posting.tried.append(n)
            try:
                response = client.post("/events", json=batch_objects(n), headers=AUTH)
            except httpx.TransportError:
                return  # the server is gone: this batch has no answer
            if response.status_code != 201:
                posting.unexpected.append(f"batch {n}: {response.status_code} {response.text[:200]}")
                return
            posting.acked.append(n)


def batch_ids(n: int) -> set[str]:
    """The event ids of batch n."""
    return {obj["id"] for obj in batch_objects(n)}


def check_database(db: Path, acknowledged: set[int], unanswered: int | None) -> bool:
    """Assert what a crash may and may not leave behind; returns whether the unanswered batch is stored."""
    store = open_store(db)
    try:
        with store.reading() as tx:
            assert tx.fetchone("PRAGMA integrity_check")[0] == "ok"
            rows = tx.fetchall("SELECT position, id FROM events ORDER BY position")
            last = rows[-1][0] if rows else 0
            last_change = tx.fetchone("SELECT max(position) FROM changes")[0] or 0
            last_fact = max(tx.fetchone(f"SELECT max(created_pos) FROM {table}")[0] or 0 for table in FACT_TABLES)
            strays = tx.fetchall(
                "SELECT position FROM timeline WHERE position NOT IN (SELECT position FROM events)"
                " UNION SELECT event_id FROM changes WHERE event_id NOT IN (SELECT id FROM events)"
            )
    finally:
        store.close()
    assert [position for position, _ in rows] == list(range(1, len(rows) + 1)), "positions must be gap-free"
    counts = Counter(event_id for _, event_id in rows)
    assert max(counts.values()) == 1, "an event is stored twice"
    stored = set(counts)
    for n in sorted(acknowledged):
        assert batch_ids(n) <= stored, f"acknowledged batch {n} lost"
    allowed = set(REGISTRATION_IDS).union(*(batch_ids(n) for n in acknowledged))
    in_flight_stored = False
    if unanswered is not None:
        wanted = batch_ids(unanswered)
        assert stored & wanted in (set(), wanted), f"batch {unanswered} is partly stored"
        in_flight_stored = wanted <= stored
        allowed |= wanted
    assert stored <= allowed, f"events of unacknowledged batches are stored: {sorted(stored - allowed)[:5]}"
    # The projections and change records move with the log, never behind or ahead of it; that they equal
    # a rebuild of the log is for cli_verify to show.
    assert last_change <= last and last_fact <= last and strays == []
    return in_flight_stored


def cli_verify(db: Path) -> None:
    """``commitments verify`` as an operator runs it: exit 0 and 'consistent'.

    The command prints what :func:`events.verify.verify` finds (gaps in positions, recorded
    time going back, any projection table, change records included, that differs from a
    rebuild of the log), so this is that check too, run once per round because it replays
    the whole log.
    """
    result = subprocess.run([*command(), "--database", str(db), "verify"], env=server_env(), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and "consistent" in result.stdout, result.stdout + result.stderr


def resend(server, n: int, stored: bool, db: Path) -> None:
    """Re-send the batch that got no answer: one copy results, 200 (nothing new) if it had been stored, else 201."""
    with server.client() as client:
        response = client.post("/events", json=batch_objects(n), headers=AUTH)
    assert response.status_code == (200 if stored else 201), response.text
    answer = response.json()
    assert {a["id"] for a in answer["appended"]} == batch_ids(n) and answer["created"] is not stored
    store = open_store(db)  # a second connection to the live file: WAL lets it read beside the server
    try:
        positions = {s.event.id: s.position for s in store.read(after=answer["appended"][0]["position"] - 1)}
    finally:
        store.close()
    assert {a["id"]: a["position"] for a in answer["appended"]}.items() <= positions.items()


def test_sigkill_of_the_server_during_appends_loses_nothing_acknowledged_and_a_retry_stores_one_copy(tmp_path):
    db = tmp_path / "crash.db"
    store = open_store(db)
    store.append(events_from_objects(registrations()))
    store.close()
    rng = random.Random(SEED)
    acknowledged: set[int] = set()
    pending: tuple[int, bool] | None = None  # (batch, stored?) that got no answer before the last kill
    next_batch = 0
    outcomes = Counter()
    for round_ in range(ROUNDS):
        with running_server(db, log=tmp_path / f"server-{round_}.log") as server:
            if pending is not None:
                resend(server, *pending, db)
                acknowledged.add(pending[0])
                next_batch = pending[0] + 1
            posting, stop = Posting(), threading.Event()
            poster = threading.Thread(target=post_batches, args=(server.base, next_batch, stop, posting), daemon=True)
            poster.start()
            time.sleep(rng.uniform(0.02, MAX_DELAY))
            server.kill()
            stop.set()
            poster.join(timeout=60)
            assert not poster.is_alive(), "the client must notice that the server is gone"
        assert posting.unexpected == [], posting.unexpected
        acknowledged |= set(posting.acked)
        unanswered = posting.unanswered
        stored = check_database(db, acknowledged, unanswered)
        cli_verify(db)
        outcomes["in flight, stored" if stored else "in flight, not stored" if unanswered is not None else "idle"] += 1
        pending = None if unanswered is None else (unanswered, stored)
        next_batch = max(acknowledged, default=-1) + 1
    with running_server(db, log=tmp_path / "server-last.log") as server:
        if pending is not None:
            resend(server, *pending, db)
            acknowledged.add(pending[0])
        # An answer lost on the way back looks the same to the client as a kill after the commit, which
        # the random kills above may or may not have hit: the re-send of a stored batch is a 200.
        resend(server, max(acknowledged), True, db)
        server.stop()
    check_database(db, acknowledged, None)
    print(f"{ROUNDS} kills: {dict(outcomes)}; {len(acknowledged)} batches acknowledged")
    assert len(acknowledged) > ROUNDS, "the client should get appends done between kills"
    # A batch is nearly always in flight when the server dies: the client posts without pause.
    assert outcomes["idle"] < ROUNDS // 2


def test_appends_wait_for_the_disk_unless_durability_is_switched_off(tmp_path):
    """``synchronous=FULL`` (an acknowledged append survives power loss) by default; COMMITMENTS_DURABLE=0
    gives NORMAL (survives a process crash, may lose the last appends on power loss)."""
    for env, level in (({}, 2), ({"COMMITMENTS_DURABLE": "0"}, 1)):
        settings = Settings.from_env({**env, "COMMITMENTS_DATABASE_URL": str(tmp_path / "d.db")})
        store = build_store(settings, clock=None)
        try:
            with store.reading() as tx:
                assert tx.fetchone("PRAGMA synchronous")[0] == level
                assert tx.fetchone("PRAGMA journal_mode")[0] == "wal"
        finally:
            store.close()
