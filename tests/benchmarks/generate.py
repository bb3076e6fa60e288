"""A seeded generator of realistic synthetic logs for benchmarks.

200 actors, 40 topics, 60 conditions; mostly ``stance.stated``, plus ``declaration.signed``
with 5-30 signatories, ``condition.changed``, timeline-only events, 5% backdated events
(dated before events already in the log) and 1% corrections.

    python -m tests.benchmarks.generate 100000 > log.ndjson
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections.abc import Iterator
from typing import Any

import msgspec

ACTORS = [f"a{n:03d}" for n in range(200)]
TOPICS = [f"t{n:02d}" for n in range(40)]
CONDITIONS = [f"c{n:02d}" for n in range(60)]
STANCES = ["hostile", "declined", "reluctant", "undecided", "supportive", "conditional", "committed", "delivered"]
START = dt.date(2000, 1, 1)
END = dt.date(2025, 6, 30)
SOURCE = [{"outlet": "Synthetic Wire", "url": "https://example.org/wire"}]


def _envelope(i: int, day: dt.date, type_: str, precision: int) -> dict[str, Any]:
    occurred = day.isoformat() if precision else day.isoformat()[:7]
    return {"type": type_, "id": f"ev{i:09d}", "occurred": occurred, "sources": SOURCE, "summary": f"synthetic {i}"}


def registrations() -> Iterator[dict[str, Any]]:
    """Actors, topics and conditions, dated before everything else."""
    for actor in ACTORS:
        yield {"type": "actor.registered", "id": f"reg-{actor}", "occurred": "1999", "sources": SOURCE,
               "summary": "registered", "actor": actor, "name": actor.upper(), "kind": "state"}
    for topic in TOPICS:
        yield {"type": "topic.defined", "id": f"reg-{topic}", "occurred": "1999", "sources": SOURCE,
               "summary": "defined", "topic": topic, "name": topic.upper()}
    for condition in CONDITIONS:
        yield {"type": "condition.declared", "id": f"reg-{condition}", "occurred": "1999-06", "sources": SOURCE,
               "summary": "declared", "condition": condition, "description": f"condition {condition}",
               "kind": "trigger"}


def generate(count: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """``count`` events (registrations included), deterministic for a given seed."""
    rng = random.Random(seed)
    regs = list(registrations())
    yield from regs
    day = START
    stance_ids: list[str] = []
    # Spread the log over START..END whatever its size, so no fact lies in the future (future-dated facts
    # change nothing until their day, which would make the change-record work look smaller than it is).
    advance = min(0.3, (END - START).days / max(count, 1))
    for i in range(count - len(regs)):
        if rng.random() < advance:
            day += dt.timedelta(days=1)
        when = day - dt.timedelta(days=rng.randint(30, 3000)) if rng.random() < 0.05 else day
        precise = rng.random() < 0.9
        roll = rng.random()
        if roll < 0.01 and stance_ids:
            target = rng.choice(stance_ids)
            event = _envelope(i, day, "event.corrected", 1)
            if rng.random() < 0.3:
                event["retracted"] = True
                stance_ids.remove(target)
            else:
                event["replacement"] = {"stance": rng.choice(STANCES)}
            event["corrects"] = target
        elif roll < 0.03:
            event = _envelope(i, when, "declaration.signed", precise)
            event.update(declaration=f"decl{i}", title=f"Declaration {i}",
                         signatories=rng.sample(ACTORS, rng.randint(5, 30)),
                         provisions=[{"topic": rng.choice(TOPICS), "stance": rng.choice(STANCES[4:]),
                                      "summary": "provision", "conditions": rng.sample(CONDITIONS, rng.randint(0, 2))}
                                     for _ in range(rng.randint(1, 3))])
        elif roll < 0.07:
            event = _envelope(i, when, "condition.changed", precise)
            event.update(condition=rng.choice(CONDITIONS), status=rng.choice(["pending", "met", "failed", "withdrawn"]))
        elif roll < 0.12:
            event = _envelope(i, when, "meeting.held", precise)
            event.update(title=f"Meeting {i}", place="Somewhere", participants=rng.sample(ACTORS, 4))
        else:
            event = _envelope(i, when, "stance.stated", precise)
            stance = rng.choice(STANCES)
            event.update(actor=rng.choice(ACTORS), topic=rng.choice(TOPICS), stance=stance,
                         conditions=rng.sample(CONDITIONS, rng.randint(1, 2)) if stance == "conditional" else [])
            stance_ids.append(event["id"])
        yield event


def main() -> None:
    """Write ``count`` synthetic events as NDJSON to stdout."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    encoder = msgspec.json.Encoder()
    out = sys.stdout.buffer
    for event in generate(count):
        out.write(encoder.encode(event) + b"\n")


if __name__ == "__main__":
    main()
