"""Crash safety of the store: SIGKILL at random moments during appends loses no acknowledged batch,
leaves no part of an unacknowledged one, keeps positions gap-free and projections equal to a rebuild;
re-sending the batch that got no answer stores exactly one copy."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from events import events_from_objects, open_store
from events.verify import verify
from tests.conftest import registrations
from tests.crash_child import batch

ROOT = Path(__file__).resolve().parent.parent


def _run_until_killed(db: Path, first: int, delay: float) -> tuple[set[int], int | None]:
    """Start the child, kill it after ``delay`` seconds; return acknowledged batches and the one in flight."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_child", str(db), str(first)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(child.stdout), daemon=True)
    reader.start()
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    reader.join(timeout=30)
    acked = {int(line.split()[1]) for line in lines if line.startswith("ACK")}
    tried = [int(line.split()[1]) for line in lines if line.startswith("TRY")]
    in_flight = tried[-1] if tried and tried[-1] not in acked else None
    return acked, in_flight


def test_sigkill_during_appends_never_loses_or_splits_a_batch(tmp_path):
    db = tmp_path / "crash.db"
    store = open_store(db)
    store.append(events_from_objects(registrations()))
    store.close()
    rng = random.Random(20260106)
    acknowledged: set[int] = set()
    next_batch = 0
    rounds = 24
    for round_ in range(rounds):
        acked, in_flight = _run_until_killed(db, next_batch, delay=0.25 + rng.random() * 0.6)
        acknowledged |= acked
        store = open_store(db)
        with store.reading() as tx:
            assert tx.fetchone("PRAGMA integrity_check")[0] == "ok"
            ids = [row[0] for row in tx.fetchall("SELECT id FROM events ORDER BY position")]
            positions = [row[0] for row in tx.fetchall("SELECT position FROM events ORDER BY position")]
        assert positions == list(range(1, len(positions) + 1)), "positions must be gap-free"
        assert len(ids) == len(set(ids))
        stored = set(ids)
        for n in acknowledged:
            assert {e.id for e in batch(n)} <= stored, f"acknowledged batch {n} lost"
        if in_flight is not None:
            wanted = {e.id for e in batch(in_flight)}
            present = wanted & stored
            assert present in (set(), wanted), f"batch {in_flight} is partly stored"
            # the client got no answer: it retries, and exactly one copy results
            store.append(batch(in_flight))
            with store.reading() as tx:
                count = tx.fetchone(
                    f"SELECT count(*) FROM events WHERE id IN ({','.join('?' * len(wanted))})", sorted(wanted)
                )[0]
            assert count == len(wanted)
            acknowledged.add(in_flight)
        if round_ % 6 == 5 or round_ == rounds - 1:
            assert verify(store) == []
        next_batch = max(acknowledged, default=-1) + 1
        store.close()
    assert len(acknowledged) > rounds, "the child should get some appends done between kills"
