"""Measurement 6: the same workload on the Python ``eventsourcing`` library (9.x, SQLite persistence).

The peer stores the same events (the same JSON objects, decoded from the same NDJSON
lines) as aggregate events: one aggregate per (actor, topic) for stances, per
condition, declaration, actor and topic, corrections on the aggregate of the event
they correct, and one "timeline" aggregate for meetings. The first event of a key
creates its aggregate (carrying the event), so the peer stores exactly one record per
event, like our log. Its SQLite recorder runs in WAL mode with SQLite's default
``synchronous=FULL`` (checked and recorded), so both sides are durable.

* append, batched: every ``batch`` events, ``app.save(*touched_aggregates)`` (one
  transaction); several batch sizes, the best is what we compare with;
* append, one event per transaction: ``app.save(aggregate)`` per event (bounded);
* replay: every notification read back in pages and decoded into domain events, and
  ``app.repository.get`` of every aggregate.

Our side of the comparison: the import and rebuild figures, plus :func:`ours_single`
(the store's ``append`` of one event at a time, in process, on our loaded database).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import msgspec

from events import events_from_objects, open_store
from tests.benchmarks.backends import SQLITE, Database, fresh
from tests.benchmarks.common import Deadline, Figure, log, median, repeat
from tests.benchmarks.datasets import continuation, lines

try:  # the `bench` extra; without it the comparison is skipped with a reason
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event
except ImportError:  # pragma: no cover - depends on the environment
    Application = None  # type: ignore[assignment,misc]

PAGE = 10_000


def unavailable() -> str | None:
    """Why the peer cannot be measured, or None."""
    if Application is None:
        return "the eventsourcing package is not installed (pip install -e '.[bench]')"
    return None


if Application is not None:

    class Entity(Aggregate):
        """Any subject of the log: created by its first event, then one ``Recorded`` event per later event."""

        @staticmethod
        def create_id(key: str, body: dict[str, Any] | None = None) -> uuid.UUID:
            """A stable id per key, so a key always maps to the same aggregate."""
            return uuid.uuid5(uuid.NAMESPACE_URL, key)

        @event("Opened")
        def __init__(self, key: str, body: dict[str, Any]):
            self.key = key
            self.events = 1
            self.last_type = body["type"]

        @event("Recorded")
        def record(self, body: dict[str, Any]) -> None:
            """Apply one more event of this subject."""
            self.events += 1
            self.last_type = body["type"]

    class CommitmentsPeer(Application):
        """The peer application: nothing but the repository and its notification log."""


def _application(path: str) -> Any:
    return CommitmentsPeer(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path})


def _synchronous(app: Any) -> int:
    with app.recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute("PRAGMA synchronous")
        return cursor.fetchone()[0]


def key_of(obj: dict[str, Any], owners: dict[str, str]) -> str:
    """The aggregate an event belongs to (``owners`` maps stance event ids to their key, for corrections)."""
    kind = obj["type"]
    if kind == "stance.stated":
        key = owners[obj["id"]] = f"stance:{obj['actor']}:{obj['topic']}"
        return key
    if kind == "event.corrected":
        return owners.get(obj["corrects"], "corrections")
    for field, prefix in (("condition", "condition"), ("declaration", "declaration"), ("actor", "actor"),
                          ("topic", "topic")):
        if field in obj:
            return f"{prefix}:{obj[field]}"
    return "timeline"


class Loaded:
    """A peer application with the dataset appended, and its aggregates (for later single-event appends)."""

    def __init__(self, app: Any, aggregates: dict[str, Any], owners: dict[str, str], seconds: float):
        self.app = app
        self.aggregates = aggregates
        self.owners = owners
        self.seconds = seconds

    def apply(self, obj: dict[str, Any]) -> Any:
        """Add one event to its aggregate (creating it if new); returns the aggregate."""
        key = key_of(obj, self.owners)
        aggregate = self.aggregates.get(key)
        if aggregate is None:
            aggregate = self.aggregates[key] = Entity(key, obj)
        else:
            aggregate.record(obj)
        return aggregate


def load(path: str, data: list[bytes], batch: int) -> Loaded:
    """Append every line, saving the touched aggregates every ``batch`` events (decoding included in the time)."""
    app = _application(path)
    loaded = Loaded(app, {}, {}, 0.0)
    decode = msgspec.json.decode
    start = time.perf_counter()
    touched: dict[str, Any] = {}
    for number, line in enumerate(data, start=1):
        aggregate = loaded.apply(decode(line))
        touched[aggregate.key] = aggregate
        if number % batch == 0:
            app.save(*touched.values())
            touched.clear()
    if touched:
        app.save(*touched.values())
    loaded.seconds = time.perf_counter() - start
    return loaded


def replay_notifications(app: Any) -> tuple[float, int]:
    """Read every notification in pages and turn it back into a domain event: (seconds, count)."""
    start = time.perf_counter()
    count, after = 0, 1
    while True:
        page = app.recorder.select_notifications(after, PAGE)
        if not page:
            break
        for notification in page:
            app.mapper.to_domain_event(notification)
        count += len(page)
        after = page[-1].id + 1
    return time.perf_counter() - start, count


def replay_aggregates(app: Any, ids: list[uuid.UUID]) -> float:
    """Reconstruct every aggregate from its events: seconds."""
    start = time.perf_counter()
    for aggregate_id in ids:
        app.repository.get(aggregate_id)
    return time.perf_counter() - start


def single(loaded: Loaded, objs: list[dict[str, Any]], seconds: float) -> tuple[float, int]:
    """One event per transaction: ``app.save(aggregate)`` after each (bounded): (events/s, events)."""
    deadline = Deadline(seconds)
    done = 0
    for obj in objs:
        if deadline.passed():
            break
        loaded.app.save(loaded.apply(obj))
        done += 1
    return done / deadline.elapsed(), done


def ours_single(database: Database, size: int, count: int, seconds: float) -> Figure:
    """Our store's ``append`` of one validated event at a time, in process, on the loaded ``database``."""
    objs = list(continuation(size, count))
    store = open_store(database.url)
    try:
        deadline = Deadline(seconds)
        done = 0
        for obj in objs:
            if deadline.passed():
                break
            store.append(events_from_objects([obj]))
            done += 1
        rate = done / deadline.elapsed()
    finally:
        store.close()
    log(f"ours single-event append: {rate:,.0f} events/s over {done} events")
    return Figure("ours_single", "ours: append 1 event per tx (in process)", rate, "events/s",
                  backend=database.backend, size=size, runs=1, extra={"events": done})


def measure(size: int, runs: int, budget: float, *, batches: tuple[int, ...], single_count: int,
            single_seconds: float) -> list[Figure]:
    """Batched append at each batch size, one-event appends, and both replays, at ``size`` events."""
    kept: list[tuple[Database, Loaded | None]] = []  # the newest load: its app answers the later measurements
    try:
        figures = _appends(size, runs, budget, batches, kept)
        loaded = kept[0][1]
        assert loaded is not None  # _appends returned: the newest load finished
        figures += _replays(loaded, size, runs, budget)
        rate, done = single(loaded, list(continuation(size, single_count)), single_seconds)
        log(f"peer single-event append: {rate:,.0f} events/s over {done} events")
        figures.append(Figure("peer_single", "eventsourcing: append 1 event per save", rate, "events/s",
                              size=size, backend="eventsourcing", extra={"events": done}))
        return figures
    finally:
        _discard(kept)


def _discard(kept: list[tuple[Database, Loaded | None]]) -> None:
    """Close the applications and drop their databases."""
    for database, loaded in kept:
        if loaded is not None:
            loaded.app.close()
        database.drop()
    kept.clear()


def _appends(size: int, runs: int, budget: float, batches: tuple[int, ...], kept: list[tuple[Database, Loaded | None]]
             ) -> list[Figure]:
    """Batched appends of the whole dataset at each batch size; the best batch size as its own figure."""
    data = lines(size)
    figures: list[Figure] = []
    for batch in batches:

        def once(index: int, batch: int = batch) -> float:
            _discard(kept)  # at 1M events each load is a big file: keep only the newest
            database = fresh(SQLITE, f"peer_{size}")
            kept.append((database, None))  # so the file is dropped even if the load fails
            loaded = load(str(database.path), data, batch)
            kept[-1] = (database, loaded)
            log(f"peer batched ({batch}/save) {size:,}: run {index + 1}: {size / loaded.seconds:,.0f} events/s")
            return size / loaded.seconds

        values, note = repeat(runs, budget, once)
        figures.append(Figure(f"peer_batched_{batch}", f"eventsourcing: append, {batch:,} events per save",
                              median(values), "events/s", size=size, runs=len(values), samples=values, note=note,
                              backend="eventsourcing"))
    best = max(figures, key=lambda f: f.value or 0.0)
    figures.append(Figure("peer_batched_best", "eventsourcing: append, best batch size", best.value, "events/s",
                          size=size, backend="eventsourcing", extra={"batch": best.key.rsplit("_", 1)[1]}))
    return figures


def _replays(loaded: Loaded, size: int, runs: int, budget: float) -> list[Figure]:
    """Reading every event back: through the notification log, and aggregate by aggregate."""
    app = loaded.app
    ids = [aggregate.id for aggregate in loaded.aggregates.values()]
    notes: list[float] = []
    gets: list[float] = []

    def replay(index: int) -> float:
        seconds, count = replay_notifications(app)
        if count != size:
            raise RuntimeError(f"the peer's notification log holds {count} events, expected {size}")
        notes.append(size / seconds)
        gets.append(size / replay_aggregates(app, ids))
        log(f"peer replay {size:,}: run {index + 1}: notifications {notes[-1]:,.0f}/s, "
            f"repository.get {gets[-1]:,.0f}/s")
        return notes[-1]

    _, note = repeat(runs, budget, replay)
    common = {"size": size, "runs": len(notes), "note": note, "backend": "eventsourcing",
              "extra": {"aggregates": len(ids), "sqlite_synchronous": _synchronous(app)}}
    return [
        Figure("peer_replay_log", "eventsourcing: replay, notification log + decode", median(notes), "events/s",
               samples=notes, **common),
        Figure("peer_replay_get", "eventsourcing: replay, repository.get of every aggregate", median(gets),
               "events/s", samples=gets, **common),
        Figure("peer_replay_best", "eventsourcing: replay, best way", max(median(notes), median(gets)), "events/s",
               size=size, backend="eventsourcing"),
    ]
