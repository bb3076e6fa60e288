"""The soak: ``commitments serve`` under mixed traffic for a long while, then checks that nothing leaked or was lost.

``make soak`` (``python -m tests.soak.run --minutes 30``; not part of ``make test``). On 127.0.0.1, against
an SQLite database in a temporary folder:

* writers append stances (many backdated), corrections of earlier ones, small batches, and identical
  retries of acknowledged events (each must answer 200 and store nothing);
* readers ask for the stance matrix, one actor's stances, histories and the change list, at random days,
  half of them with a random ``known_at``;
* SUBSCRIBERS SSE clients follow ``/feed``, each for a random while, then leave and another comes; each
  starts after the change it joined at (or resumes where a predecessor stopped) and must receive every
  change after it, once, in order;
* three webhook receivers: a prompt one; one that is sometimes slow (every answer takes 0.3-1 s during one
  minute of every five, which it cannot keep up with, and one answer in twenty takes 1-3 s the rest of the
  time); one that fails for 15 s of every 2 minutes (and one request in twenty);
* the scheduler's jobs: re-derived day jobs after appends, and a backup every few minutes.

Every ``SAMPLE_SECONDS`` it samples the server's RSS, open file descriptors and threads (the whole process tree),
the WAL's size and how far each receiver is behind. At the end: the slope of RSS and descriptors after warm-up
(a least-squares line, also over the second half alone), the WAL's largest size, p50/p99 latencies of the first
and last five minutes side by side for each kind of request, every subscriber's sequence, every receiver's
deliveries (all, in order; the most it was behind), and ``commitments verify``. Prints a Markdown report and
writes it with the raw samples to ``soak-results/``; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from tests.benchmarks.server import process_tree
from tests.conftest import AUTH, make, registrations
from tests.server import ROOT, Server, command, server_env, start_server

ACTORS = tuple(f"a{i:02d}" for i in range(30))
TOPICS = ("troops", "money", "air", "sea")
SUBSCRIBERS = 200
WRITERS = 4
READERS = 4
SAMPLE_SECONDS = 10.0
#: Seconds between one writer's appends (plus the answer's time): about WRITERS / this appends per second.
WRITE_PAUSE = 0.8
READ_PAUSE = 0.2
#: The kinds of request, as the report names them.
WRITES = ("append", "batch", "correction", "retry")
READS = ("matrix", "actor", "history", "changes")
RESULTS = ROOT / "soak-results"


# --- the server's resources ---------------------------------------------------------------------------------


def rss_bytes(pids: list[int], field_name: str = "VmRSS") -> int:
    """The sum of one ``/proc/<pid>/status`` memory field over ``pids``, in bytes."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(f"{field_name}:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def open_fds(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            continue
    return total


@dataclass
class Sample:
    """The server's resources at one moment (seconds since the traffic started)."""

    t: float
    rss: int
    fds: int
    wal: int
    changes: int
    threads: int = 0
    #: The server process's own RSS (the rest is its writer process and multiprocessing's helper).
    server_rss: int = 0
    #: The database file's size.
    db: int = 0
    #: Change records each receiver (prompt, slow, failing) was behind the log at this moment.
    behind: tuple[int, ...] = ()


def threads(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            continue
    return total


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    """The least-squares slope of ``(seconds, value)`` points, per hour (0 for fewer than two points)."""
    if len(points) < 2:
        return 0.0
    return statistics.linear_regression([p[0] for p in points], [p[1] for p in points]).slope * 3600


# --- the traffic ----------------------------------------------------------------------------------------------


@dataclass
class Stats:
    """What the clients saw."""

    started: float = field(default_factory=time.monotonic)
    #: (seconds since start, kind, latency in seconds, HTTP status)
    requests: list[tuple[float, str, float, int]] = field(default_factory=list)
    acked: dict[str, dict] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    retries: int = 0
    corrections: int = 0

    def record(self, kind: str, began: float, status: int) -> None:
        now = time.monotonic()
        self.requests.append((began - self.started, kind, now - began, status))


def stance_event(rng: random.Random, ident: str) -> dict:
    """A stance at a random day: most are backdated by months or years, some are for the coming weeks."""
    today = dt.date.today()
    if rng.random() < 0.8:
        day = today - dt.timedelta(days=rng.randrange(1, 900))
    else:
        day = today + dt.timedelta(days=rng.randrange(1, 40))
    return make("stance.stated", day.isoformat(), id=ident, actor=rng.choice(ACTORS), topic=rng.choice(TOPICS),
                stance=rng.choice(("supportive", "reluctant", "committed", "declined")))


async def write(client: httpx.AsyncClient, writer: int, stop: asyncio.Event, stats: Stats, seed: int) -> None:
    """Appends of every kind until stopped; a request without an answer is sent again with the same ids."""
    rng = random.Random(seed * 100 + writer)
    n = 0
    while not stop.is_set():
        roll = rng.random()
        if roll < 0.1 and stats.acked:  # an identical retry of an acknowledged event: 200, nothing stored
            body: Any = stats.acked[rng.choice(list(stats.acked))]
            kind, expected = "retry", 200
        elif roll < 0.2 and stats.acked:
            target = rng.choice([k for k in stats.acked if stats.acked[k]["type"] == "stance.stated"] or [None])
            if target is None:
                continue
            body = make("event.corrected", dt.date.today().isoformat(), id=f"w{writer}-{n}-fix", corrects=target,
                        replacement={"stance": rng.choice(("supportive", "reluctant", "committed", "declined"))})
            kind, expected = "correction", 201
        elif roll < 0.3:
            body = [stance_event(rng, f"w{writer}-{n}-{k}") for k in range(5)]
            kind, expected = "batch", 201
        else:
            body = stance_event(rng, f"w{writer}-{n}")
            kind, expected = "append", 201
        n += 1
        answered = False
        for _attempt in range(20):
            began = time.monotonic()
            try:
                response = await client.post("/events", json=body, headers=AUTH)
            except httpx.TransportError as error:
                stats.record(kind, began, 0)
                stats.faults.append(f"{kind}: {type(error).__name__} (retried)")
                await asyncio.sleep(0.5)
                continue
            stats.record(kind, began, response.status_code)
            if response.status_code == 503:
                await asyncio.sleep(0.5)
                continue
            # A new event answered 200 is the retry of a request whose first answer was lost: fine too.
            answered = response.status_code == expected or (kind != "retry" and response.status_code == 200)
            if not answered:
                stats.faults.append(f"{kind}: {response.status_code} {response.text[:200]}")
            break
        if not answered:
            continue
        if kind == "retry":
            stats.retries += 1
        elif kind == "correction":
            stats.corrections += 1
        else:
            for event in body if isinstance(body, list) else [body]:
                stats.acked[event["id"]] = event
        await asyncio.sleep(WRITE_PAUSE * rng.uniform(0.5, 1.5))


async def read(client: httpx.AsyncClient, reader: int, stop: asyncio.Event, stats: Stats, seed: int) -> None:
    """Reads at random days, half with a random ``known_at`` in the soak's past."""
    rng = random.Random(seed * 1000 + reader)
    # known_at is sent to the second: from the next whole second on, the registrations are known.
    began_at = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=1)
    while not stop.is_set():
        day = (dt.date.today() - dt.timedelta(days=rng.randrange(-30, 900))).isoformat()
        params: dict[str, str] = {"at": day}
        if rng.random() < 0.5:
            elapsed = (dt.datetime.now(dt.UTC) - began_at).total_seconds()
            known = began_at + dt.timedelta(seconds=rng.uniform(0, max(elapsed, 1)))
            params["known_at"] = known.strftime("%Y-%m-%dT%H:%M:%SZ")
        kind = READS[rng.randrange(len(READS))]
        if kind == "matrix":
            path = "/stances"
        elif kind == "actor":
            path = f"/actors/{rng.choice(ACTORS)}/stances"
        elif kind == "history":
            path, params = f"/history/{rng.choice(ACTORS)}/{rng.choice(TOPICS)}", {}
        else:
            path, params = "/changes", {"after": str(rng.randrange(0, 50)), "limit": "100"}
        began = time.monotonic()
        try:
            response = await client.get(path, params=params)
            stats.record(kind, began, response.status_code)
            if response.status_code != 200:
                stats.faults.append(f"GET {path} {params}: {response.status_code} {response.text[:200]}")
        except httpx.TransportError as error:
            stats.record(kind, began, 0)
            stats.faults.append(f"GET {path}: {type(error).__name__}")
        await asyncio.sleep(READ_PAUSE * rng.uniform(0.5, 1.5))


@dataclass
class Subscription:
    """One SSE client's visit: where it started and the change seqs it received."""

    start: int
    seqs: list[int] = field(default_factory=list)
    error: str | None = None

    def complete(self) -> bool:
        """Every change after ``start`` up to the last one received, once each, in order."""
        return self.seqs == list(range(self.start + 1, self.start + 1 + len(self.seqs)))


async def subscribe(client: httpx.AsyncClient, subscription: Subscription, leave: asyncio.Event) -> None:
    """Follow /feed from ``subscription.start`` until ``leave``; keeps the ids of change messages."""
    buffer = b""
    try:
        async with client.stream("GET", "/feed", headers={"Last-Event-ID": str(subscription.start)}) as response:
            if response.status_code != 200:
                subscription.error = f"feed answered {response.status_code}"
                return
            stream = response.aiter_bytes()
            while not leave.is_set():
                next_chunk = asyncio.ensure_future(stream.__anext__())
                waiter = asyncio.ensure_future(leave.wait())
                done, _ = await asyncio.wait({next_chunk, waiter}, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                if next_chunk not in done:
                    next_chunk.cancel()
                    break
                buffer += next_chunk.result()
                *messages, buffer = buffer.split(b"\n\n")
                for message in messages:
                    fields = dict(line.split(b": ", 1) for line in message.split(b"\n")
                                  if b": " in line and not line.startswith(b":"))
                    if fields.get(b"event") == b"stance-change":
                        subscription.seqs.append(int(fields[b"id"]))
    except (httpx.HTTPError, StopAsyncIteration) as error:
        subscription.error = f"{type(error).__name__}: {error}"


async def subscribers(base: str, count: int, stop: asyncio.Event, visits: list[Subscription], seed: int,
                      latest: list[int], final: asyncio.Event) -> None:
    """``count`` SSE clients at all times, each staying 10 s to 3 min; at ``stop`` those present stay until
    ``final`` (they must reach the last change first)."""
    rng = random.Random(seed)
    limits = httpx.Limits(max_connections=count * 2, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(60.0), limits=limits) as client:

        async def visitor(slot: int) -> None:
            while not stop.is_set():
                # Half start at the head, half resume a little way back (as a reconnecting client does).
                start = latest[0] if rng.random() < 0.5 else max(0, latest[0] - rng.randrange(0, 30))
                visit = Subscription(start)
                visits.append(visit)
                leave = asyncio.Event()
                stay = rng.uniform(10, 180)

                async def leave_later(event: asyncio.Event = leave, seconds: float = stay) -> None:
                    await asyncio.wait({asyncio.ensure_future(asyncio.sleep(seconds)),
                                        asyncio.ensure_future(stop.wait())}, return_when=asyncio.FIRST_COMPLETED)
                    if not stop.is_set():
                        event.set()
                    else:
                        await final.wait()
                        event.set()

                timer = asyncio.ensure_future(leave_later())
                await subscribe(client, visit, leave)
                timer.cancel()
                if visit.error and not stop.is_set():
                    await asyncio.sleep(1)

        await asyncio.gather(*(visitor(slot) for slot in range(count)))


class Receiver:
    """A webhook receiver: ``mode`` is prompt, slow (every answer 0.3-1 s during one minute of every five, one in
    twenty 1-3 s otherwise) or failing (500 for 15 s of every 2 minutes, and to one request in twenty)."""

    def __init__(self, mode: str, seed: int) -> None:
        self.mode = mode
        self.seqs: list[int] = []
        self.failures = 0
        self.born = time.monotonic()
        self.lock = threading.Lock()
        rng = random.Random(seed)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 204
                with receiver.lock:
                    pause = 0.0
                    if receiver.mode == "slow":
                        # A slow spell in the second minute of every five: fewer answers a second than records.
                        spell = 60 <= (time.monotonic() - receiver.born) % 300 < 120
                        pause = rng.uniform(0.3, 1.0) if spell else rng.uniform(1, 3) if rng.random() < 0.05 else 0.0
                    # Failing: down for 15 s of every 2 minutes (an outage of its own), and 5% of the rest.
                    outage = (time.monotonic() - receiver.born) % 120 < 15
                    if receiver.mode == "failing" and (outage or rng.random() < 0.05):
                        status = 500
                        receiver.failures += 1
                if pause:
                    time.sleep(pause)
                if status == 204:
                    with receiver.lock:
                        receiver.seqs.append(json.loads(body)["seq"])
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/{mode}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def behind(self, last: int) -> int:
        """Change records after the newest this receiver acknowledged, when the log's last is ``last``."""
        with self.lock:
            return max(0, last - max(self.seqs, default=0))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- the run -----------------------------------------------------------------------------------------------------


@contextmanager
def soak_server(folder: Path) -> Iterator[Server]:
    """The server under test: durable SQLite, quick feed heartbeats, short webhook backoff, a backup every 3 min."""
    env = server_env(COMMITMENTS_FEED_HEARTBEAT_SECONDS="5", COMMITMENTS_WEBHOOK_BACKOFF_SECONDS="0.5",
                     COMMITMENTS_WEBHOOK_BACKOFF_CAP_SECONDS="5", COMMITMENTS_WEBHOOK_TIMEOUT_SECONDS="5",
                     COMMITMENTS_BACKUP_INTERVAL_HOURS="0.05", COMMITMENTS_BACKUP_KEEP="3",
                     COMMITMENTS_SCHEDULE_REFRESH_SECONDS="60")
    server = start_server(folder / "soak.db", folder / "server.log", env=env)
    try:
        yield server
    finally:
        server.stop()


def percentiles(rows: list[tuple[float, str, float, int]], kinds: tuple[str, ...]) -> tuple[float, float, int]:
    """p50 and p99 in milliseconds, and the count, of the requests of ``kinds``."""
    values = sorted(r[2] for r in rows if r[1] in kinds)
    if not values:
        return float("nan"), float("nan"), 0
    return (values[len(values) // 2] * 1000, values[min(len(values) - 1, int(len(values) * 0.99))] * 1000,
            len(values))


async def traffic(server: Server, seconds: float, seed: int, stats: Stats, samples: list[Sample],
                  visits: list[Subscription], receivers: list[Receiver]) -> tuple[int, dict[str, float]]:
    """Run the traffic for ``seconds``, then let feeds and webhooks catch up; returns the last change seq and
    the seconds each receiver took after the traffic to reach it."""
    stop, final = asyncio.Event(), asyncio.Event()
    latest = [0]
    # Idle connections are dropped before uvicorn closes them (after 5 s): a request sent on a connection the
    # server is closing fails without an answer, which is HTTP keep-alive's race, not the service's doing.
    async with httpx.AsyncClient(base_url=server.base, timeout=httpx.Timeout(60.0),
                                 limits=httpx.Limits(max_connections=32, keepalive_expiry=2.0)) as client:
        world = registrations(actors=ACTORS, topics=TOPICS, conditions=("ceasefire",))
        assert (await client.post("/events", json=world, headers=AUTH)).status_code == 201
        for receiver in receivers:
            created = await client.post("/subscriptions", json={"url": receiver.url, "secret": "s" * 24},
                                        headers=AUTH)
            assert created.status_code == 201, created.text

        async def sample() -> None:
            wal = Path(str(server_db(server)) + "-wal")
            while not final.is_set():
                pids = process_tree(server.process.pid)
                try:
                    health = (await client.get("/health")).json()
                except httpx.TransportError as error:
                    stats.faults.append(f"GET /health: {type(error).__name__}")
                    await asyncio.sleep(1)
                    continue
                latest[0] = health["last_change"]
                samples.append(Sample(t=time.monotonic() - stats.started, rss=rss_bytes(pids), fds=open_fds(pids),
                                      wal=wal.stat().st_size if wal.exists() else 0, changes=health["last_change"],
                                      threads=threads(pids), behind=tuple(r.behind(latest[0]) for r in receivers),
                                      server_rss=rss_bytes([server.process.pid]),
                                      db=server_db(server).stat().st_size))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(final.wait(), SAMPLE_SECONDS)

        async def head() -> None:
            while not final.is_set():
                try:
                    latest[0] = (await client.get("/health")).json()["last_change"]
                except httpx.TransportError as error:
                    stats.faults.append(f"GET /health: {type(error).__name__}")
                await asyncio.sleep(1)

        stats.started = time.monotonic()
        tasks = [asyncio.ensure_future(sample()), asyncio.ensure_future(head())]
        tasks += [asyncio.ensure_future(write(client, w, stop, stats, seed)) for w in range(WRITERS)]
        tasks += [asyncio.ensure_future(read(client, r, stop, stats, seed)) for r in range(READERS)]
        feed = asyncio.ensure_future(subscribers(server.base, SUBSCRIBERS, stop, visits, seed, latest, final))
        await asyncio.sleep(seconds)
        stop.set()
        await asyncio.gather(*tasks[2:])
        last = (await client.get("/health")).json()["last_change"]
        # Those still connected must reach the last change; webhooks must deliver it (bounded waits).
        ended = time.monotonic()
        deadline = ended + 180
        present = [v for v in visits if v.error is None and (not v.seqs or v.seqs[-1] < last)]
        caught_up: dict[str, float] = {}
        while time.monotonic() < deadline:
            behind = [v for v in present if v.error is None and (v.seqs[-1] if v.seqs else v.start) < last]
            for r in receivers:
                if r.mode not in caught_up and r.behind(last) == 0:
                    caught_up[r.mode] = time.monotonic() - ended
            if not behind and len(caught_up) == len(receivers):
                break
            await asyncio.sleep(0.5)
        final.set()
        await feed
        await asyncio.gather(*tasks[:2])
        return last, caught_up


def server_db(server: Server) -> Path:
    return server.log.parent / "soak.db"


def report(args: argparse.Namespace, stats: Stats, samples: list[Sample], visits: list[Subscription],
           receivers: list[Receiver], last: int, caught_up: dict[str, float], verified: subprocess.CompletedProcess,
           seconds: float) -> tuple[str, bool]:
    """The Markdown report, and whether every check passed."""
    warm = min(300.0, seconds / 4)
    after_warmup = [s for s in samples if warm <= s.t <= seconds]
    second_half = [s for s in samples if seconds / 2 <= s.t <= seconds]
    window = min(300.0, seconds / 3)
    first = [r for r in stats.requests if r[0] < window]
    last_rows = [r for r in stats.requests if seconds - window <= r[0] < seconds]
    incomplete = [v for v in visits if not v.complete()]
    reached_end = [v for v in visits if v.seqs and v.seqs[-1] == last]
    server_errors = [r for r in stats.requests if r[3] >= 500 or r[3] == 0]
    webhooks_ok = True
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=False).stdout.strip()
    rows = [
        f"# Soak: {args.minutes:g} minutes, commit {commit}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `python -m tests.soak.run --minutes {args.minutes:g} --seed {args.seed}`; "
        f"{os.cpu_count()} CPUs, load average at the end {os.getloadavg()[0]:.1f}.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| requests | {len(stats.requests)} ({sum(r[1] in WRITES for r in stats.requests)} writes, "
        f"{sum(r[1] in READS for r in stats.requests)} reads) |",
        f"| events acknowledged / corrections / identical retries | {len(stats.acked)} / {stats.corrections} / "
        f"{stats.retries} |",
        f"| change records | {last} |",
        f"| 5xx or no answer | {len(server_errors)} |",
        f"| SSE visits (≤{SUBSCRIBERS} at a time) / incomplete / present at the end and reached the last change | "
        f"{len(visits)} / {len(incomplete)} / {len(reached_end)} |",
    ]
    for label, key, unit, scale in (("RSS", "rss", " MiB", 2**20), ("open descriptors", "fds", "", 1)):
        if not after_warmup:
            rows.append(f"| {label} | no samples after warm-up |")
            continue
        values = [getattr(s, key) / scale for s in after_warmup]
        rows.append(
            f"| {label} after warm-up ({warm:.0f} s): first → last (min-max), slope; slope of the second half | "
            f"{values[0]:.0f} → {values[-1]:.0f}{unit} ({min(values):.0f}-{max(values):.0f}), "
            f"{slope_per_hour([(s.t, getattr(s, key) / scale) for s in after_warmup]):+.1f}{unit}/h; "
            f"{slope_per_hour([(s.t, getattr(s, key) / scale) for s in second_half]):+.1f}{unit}/h |")
    if after_warmup:
        a, b = after_warmup[0], after_warmup[-1]
        rows.append(f"| after warm-up: the server process's RSS (without its writer); threads (max); database file | "
                    f"{a.server_rss / 2**20:.0f} → {b.server_rss / 2**20:.0f} MiB; {a.threads} → {b.threads} "
                    f"({max(s.threads for s in after_warmup)}); {a.db / 2**20:.0f} → {b.db / 2**20:.0f} MiB |")
    rows.append(f"| WAL, largest | {max((s.wal for s in samples), default=0) / 2**20:.1f} MiB |")
    for i, r in enumerate(receivers):
        distinct = set(r.seqs)
        missing = sorted(set(range(1, last + 1)) - distinct)
        in_order = list(dict.fromkeys(r.seqs)) == sorted(distinct)
        most = max((s.behind[i] for s in samples if s.t <= seconds and len(s.behind) > i), default=0)
        at_end = next((s.behind[i] for s in reversed(samples) if s.t <= seconds and len(s.behind) > i), 0)
        done = f"{caught_up[r.mode]:.0f} s" if r.mode in caught_up else "not within 180 s"
        webhooks_ok = webhooks_ok and not missing and in_order
        rows.append(f"| webhook receiver {r.mode}: records / repeats / in order; most behind during the traffic; "
                    f"at its end; caught up after it | {len(distinct)} of {last} / {len(r.seqs) - len(distinct)} / "
                    f"{'yes' if in_order else 'NO'}; {most}; {at_end}; {done}"
                    + (f" (missing {missing[:5]}...)" if missing else "") + " |")
    rows += [
        f"| `commitments verify` | {'passed' if verified.returncode == 0 else 'FAILED'} |",
        "",
        f"Latency, first {window / 60:.0f} min vs last {window / 60:.0f} min (ms; requests counted):",
        "",
        "| request | p50 / p99 first | p50 / p99 last |",
        "|---|---|---|",
    ]
    for kind in (*WRITES, *READS):
        p50a, p99a, na = percentiles(first, (kind,))
        p50b, p99b, nb = percentiles(last_rows, (kind,))
        rows.append(f"| {kind} | {p50a:.0f} / {p99a:.0f} ({na}) | {p50b:.0f} / {p99b:.0f} ({nb}) |")
    rows.append("")
    ok = (not incomplete and verified.returncode == 0 and webhooks_ok and not server_errors and not stats.faults)
    if incomplete:
        rows.append(f"Incomplete subscribers (first 3): {[(v.start, v.seqs[:5], v.error) for v in incomplete[:3]]}")
    if stats.faults:
        rows.append(f"Faults ({len(stats.faults)}, first 5): {stats.faults[:5]}")
    if verified.returncode != 0:
        rows.append(f"verify: {verified.stdout[-500:]} {verified.stderr[-500:]}")
    rows.append(f"Result: {'every check passed' if ok else 'FAILED'}")
    return "\n".join(rows), ok


def main() -> None:
    """Run the soak and print its report; exit 1 when a check fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="how long the traffic runs (default 30)")
    parser.add_argument("--seed", type=int, default=24, help="the traffic's random seed")
    parser.add_argument("--keep", action="store_true", help="keep the database folder afterwards")
    args = parser.parse_args()
    seconds = args.minutes * 60
    folder = Path(tempfile.mkdtemp(prefix="commitments-soak-"))
    stats, samples, visits = Stats(), [], []  # type: ignore[var-annotated]
    receivers = [Receiver(mode, args.seed + i) for i, mode in enumerate(("prompt", "slow", "failing"))]
    try:
        with soak_server(folder) as server:
            last, caught_up = asyncio.run(traffic(server, seconds, args.seed, stats, samples, visits, receivers))
        verified = subprocess.run([*command(), "verify", "--database", str(folder / "soak.db")], capture_output=True,
                                  text=True, env=server_env(), timeout=1800, check=False)
        RESULTS.mkdir(exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        # The raw figures first: a report that fails must not lose them.
        (RESULTS / f"soak-{stamp}.json").write_text(json.dumps({
            "samples": [asdict(s) for s in samples], "requests": stats.requests, "faults": stats.faults,
            "last": last, "caught_up": caught_up, "verify": verified.returncode,
            "receivers": {r.mode: r.seqs for r in receivers},
            "visits": [(v.start, len(v.seqs), v.complete(), v.error) for v in visits]}))
        text, ok = report(args, stats, samples, visits, receivers, last, caught_up, verified, seconds)
        kept = sorted(p.name for p in (folder / "backups").glob("*")) if (folder / "backups").exists() else []
        text += f"\nScheduled backups kept (the newest 3): {kept}"
        (RESULTS / f"soak-{stamp}.md").write_text(text + "\n")
        print(text)
    finally:
        for receiver in receivers:
            receiver.close()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
