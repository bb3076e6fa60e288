"""A child process for crash tests: appends numbered batches until it is killed.

It prints ``TRY n`` before and ``ACK n`` after each append (flushed), so the parent
knows which batches were acknowledged and which one was in flight when it killed us.
Batch contents are a pure function of n, so the parent can rebuild and re-send one.
"""

from __future__ import annotations

import sys

from events import events_from_objects, open_store

ACTORS = ("fr", "gb", "de")


def batch_objects(n: int) -> list[dict]:
    """Batch n as JSON objects (what an HTTP client posts): 1-7 stance statements, sometimes a correction."""
    size = 1 + (n * 7919) % 7
    objects = []
    for k in range(size):
        objects.append({"type": "stance.stated", "id": f"b{n}-{k}", "occurred": f"2026-01-{1 + (n + k) % 28:02d}",
                        "sources": [{"outlet": "crash test"}], "summary": "crash test", "actor": ACTORS[(n + k) % 3],
                        "topic": "troops", "stance": ("committed", "declined", "conditional")[k % 3],
                        "conditions": ["ceasefire"] if k % 3 == 2 else []})
    if n > 3 and n % 4 == 0:
        objects.append({"type": "event.corrected", "id": f"b{n}-fix", "occurred": "2026-01-20",
                        "sources": [{"outlet": "crash test"}], "summary": "fix", "corrects": f"b{n - 3}-0",
                        "replacement": {"stance": "reluctant"}})
    return objects


def batch(n: int) -> list:
    """The events of batch n (see :func:`batch_objects`)."""
    return events_from_objects(batch_objects(n))


def main() -> None:
    """Append batches from argv[2] on to the database argv[1], forever."""
    store = open_store(sys.argv[1])
    n = int(sys.argv[2])
    while True:
        print(f"TRY {n}", flush=True)
        store.append(batch(n))
        print(f"ACK {n}", flush=True)
        n += 1


if __name__ == "__main__":
    main()
