"""Measurement 4: HTTP against ``commitments serve`` with 32 concurrent connections on 127.0.0.1.

* ``GET /actors/{id}/stances?at=`` for seeded random actors and days of the log;
* durable single-event ``POST /events`` (a new ``stance.stated`` each, dated today).

``wrk`` (Debian's package) drives the load when installed; else the bounded httpx
client of ``loadgen.py``. Both the client's and the server's CPU use are recorded: on a
2-core machine the load generator competes with the server, and the report must say
so if the client, not the service, was the limit.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from events import open_store
from tests.benchmarks import loadgen
from tests.benchmarks.backends import Database
from tests.benchmarks.bench_queries import log_ranges
from tests.benchmarks.common import LOGS, Figure, log, median, percentile, repeat, rng, run_child
from tests.benchmarks.generate import ACTORS, STANCES, TOPICS
from tests.benchmarks.server import Server, cpu_seconds

WRK_SCRIPTS = Path(__file__).with_name("wrk")
CONNECTIONS = 32
#: wrk threads: the machine has 2 cores, and the server needs one of them.
WRK_THREADS = 2
PATHS = 2000


@dataclass
class Load:
    """One load run's outcome, whichever client produced it."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    status_errors: int
    socket_errors: int
    client_cpu: float
    client: str


def _wrk(server: Server, script: str, seconds: float, args: list[str]) -> Load:
    command = ["wrk", "-t", str(WRK_THREADS), "-c", str(CONNECTIONS), "-d", f"{max(1, round(seconds))}s",
               "--timeout", "10s", "-s", str(WRK_SCRIPTS / script), server.base, "--", *args]
    done = run_child(command, timeout=seconds + 60)
    line = next(x for x in done.stdout.splitlines() if x.startswith("BENCH-JSON "))
    data = json.loads(line.removeprefix("BENCH-JSON "))
    return Load(data["requests"], data["duration_us"] / 1e6, data["p50_us"] / 1000, data["p99_us"] / 1000,
                data["status_errors"], data["socket_errors"], done.cpu, "wrk")


def _httpx(server: Server, make: Callable[[int], loadgen.Request], seconds: float) -> Load:
    result = loadgen.run(server.base, make, connections=CONNECTIONS, seconds=seconds, headers=server.headers())
    latencies = result.latencies or [float("nan")]
    return Load(len(result.latencies), result.elapsed, percentile(latencies, 50), percentile(latencies, 99),
                result.status_errors, result.socket_errors, result.client_cpu, "httpx")


def _figures(key: str, label: str, loads: list[Load], server_cpu: list[float], database: Database, size: int,
             unit: str, note: str) -> list[Figure]:
    """Throughput, p50 and p99 of ``loads`` (one per run): each the median over the runs."""
    rates = [load.requests / load.seconds for load in loads]
    client_cores = median([load.client_cpu / load.seconds for load in loads])
    extra = {"client": loads[0].client, "connections": CONNECTIONS, "requests": [x.requests for x in loads],
             "seconds": [x.seconds for x in loads], "status_errors": sum(x.status_errors for x in loads),
             "socket_errors": sum(x.socket_errors for x in loads), "client_cpu_cores": client_cores,
             "server_cpu_cores": median([cpu / x.seconds for cpu, x in zip(server_cpu, loads)])}
    notes = [note] if note else []
    if extra["status_errors"] or extra["socket_errors"]:
        notes.append(f"{extra['status_errors']} non-2xx answers, {extra['socket_errors']} socket errors")
    if client_cores > 0.8:
        notes.append(f"client used {client_cores:.2f} cores: may be the limit")
    if loads[0].client != "wrk":
        notes.append("httpx client (wrk not installed): a lower bound")
    common = {"backend": database.backend, "size": size, "runs": len(loads), "extra": extra, "note": "; ".join(notes)}
    return [
        Figure(f"{key}_rate", f"{label} throughput", median(rates), unit, samples=rates, **common),
        Figure(f"{key}_p50", f"{label} p50", median([x.p50_ms for x in loads]), "ms",
               samples=[x.p50_ms for x in loads], **common),
        Figure(f"{key}_p99", f"{label} p99", median([x.p99_ms for x in loads]), "ms",
               samples=[x.p99_ms for x in loads], **common),
    ]


def _stance_paths(database: Database, seed: int) -> list[str]:
    """Seeded random actors and days within the log's range, as request paths."""
    store = open_store(database.url)
    try:
        first_day, last_day, _, _ = log_ranges(store)
    finally:
        store.close()
    draw = rng("http-get", seed)
    span = (last_day - first_day).days
    return [f"/actors/{draw.choice(ACTORS)}/stances?at={first_day + dt.timedelta(days=draw.randint(0, span))}"
            for _ in range(PATHS)]


@contextmanager
def _removed_after(path: Path) -> Iterator[None]:
    """Delete ``path`` when the block ends (its content is reproducible from the seed)."""
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _measure_kind(server: Server, load: Callable[[int], Load], label: str, runs: int, budget: float
                  ) -> tuple[list[Load], list[float], int, str]:
    """``runs`` loads of one kind: the loads, the server's CPU seconds in each, how much the log grew, a note."""
    loads: list[Load] = []
    server_cpu: list[float] = []
    grew = 0

    def once(index: int) -> float:
        nonlocal grew
        before_cpu = cpu_seconds(server.pid) or 0.0
        before_pos = httpx.get(f"{server.base}/health").json()["last_position"]
        result = load(index)
        server_cpu.append((cpu_seconds(server.pid) or 0.0) - before_cpu)
        grew += httpx.get(f"{server.base}/health").json()["last_position"] - before_pos
        loads.append(result)
        log(f"{label}: run {index + 1}: {result.requests / result.seconds:,.0f}/s, p50 {result.p50_ms:.2f} ms, "
            f"p99 {result.p99_ms:.2f} ms ({result.client}; client {result.client_cpu / result.seconds:.2f} cores, "
            f"server {server_cpu[-1] / result.seconds:.2f} cores)")
        return result.requests / result.seconds

    _, note = repeat(runs, budget, once)
    return loads, server_cpu, grew, note


def measure(database: Database, size: int, *, seconds: float, seed: int, runs: int = 1, budget: float = 900.0
            ) -> list[Figure]:
    """Stance GETs, then durable single-event POSTs, ``runs`` loads of ``seconds`` each, against one server."""
    use_wrk = shutil.which("wrk") is not None
    paths = _stance_paths(database, seed)
    LOGS.mkdir(parents=True, exist_ok=True)
    paths_file = LOGS / f"stance-paths-{os.getpid()}.txt"  # per run: another run may be writing its own
    paths_file.write_text("\n".join(paths) + "\n")
    draw = rng("http-post", seed)
    prefix = f"http{int(time.time())}"  # new event ids on every benchmark run, so no POST is a retry
    today = dt.datetime.now(dt.UTC).date().isoformat()  # the server runs on the system clock (UTC)
    choices = [s for s in STANCES if s != "conditional"]  # conditional needs conditions

    def get(number: int) -> loadgen.Request:
        return "GET", paths[number % len(paths)], None

    def post_maker(run: int) -> Callable[[int], loadgen.Request]:
        def post(number: int) -> loadgen.Request:
            body = {"type": "stance.stated", "id": f"{prefix}r{run}-{number}", "occurred": today,
                    "sources": [{"outlet": "Bench Wire"}], "summary": "benchmark append",
                    "actor": draw.choice(ACTORS), "topic": draw.choice(TOPICS), "stance": draw.choice(choices),
                    "conditions": []}
            return "POST", "/events", json.dumps(body).encode()
        return post

    figures: list[Figure] = []
    server: Server

    def load_get(run: int, duration: float = seconds) -> Load:
        if use_wrk:
            return _wrk(server, "paths.lua", duration, [str(paths_file)])
        return _httpx(server, get, duration)

    def load_post(run: int) -> Load:
        if use_wrk:  # the run number in the id prefix: wrk's per-thread counters restart every run
            return _wrk(server, "post.lua", seconds, [server.token, f"{prefix}r{run}", today])
        return _httpx(server, post_maker(run), seconds)

    with _removed_after(paths_file):
        with Server(database.url, name="http") as server:
            load_get(0, 1)  # untimed warm-up: the first requests pay for imports and cold caches
            for load, key, label, unit in ((load_get, "http_stances", "HTTP GET /actors/{id}/stances", "req/s"),
                                           (load_post, "http_post", "HTTP POST /events (1 event, durable)",
                                            "events/s")):
                loads, server_cpu, grew, note = _measure_kind(server, load, label, runs, budget)
                batch = _figures(key, label, loads, server_cpu, database, size, unit, note)
                batch[0].extra["log_grew_by"] = grew  # for POST: every acknowledged append was stored
                figures += batch
        # The load repeats 2,000 questions, so after the first pass the server answers them from its answer
        # cache (kept until the log changes). The same GETs with the cache off show what each query costs.
        with Server(database.url, name="http-uncached", env={"COMMITMENTS_ANSWER_CACHE_BYTES": "0"}) as server:
            load_get(0, 1)
            label = "HTTP GET /actors/{id}/stances, answer cache off"
            loads, server_cpu, _, note = _measure_kind(server, load_get, label, runs, budget)
            figures += _figures("http_stances_uncached", label, loads, server_cpu, database, size, "req/s", note)
    return figures
