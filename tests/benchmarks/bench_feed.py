"""Measurement 5: feed fan-out — many SSE subscribers while stance changes are appended.

``subscribers`` raw-socket clients (an asyncio ``Protocol`` each: no HTTP library in the
way, so the client stays cheap) hold ``GET /feed?after=<now>`` open. A thread appends
``rate`` stance changes per second with ``POST /events`` (each a ``stance.stated`` dated
today with a stance different from the key's current one, so each creates a change
record) and notes when each append was acknowledged. Every subscriber notes when each
change reached it (matched by event id). Reported: p50/p99 of acknowledgement ->
delivery over all (subscriber, change) pairs, deliveries missing, the server's peak RSS
(VmHWM), and the CPU both sides used — on two cores, if the client used most of one,
it may be the limit, and the figure's note says so.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import resource
import threading
import time
from dataclasses import dataclass, field

import httpx
import msgspec

from tests.benchmarks.backends import Database
from tests.benchmarks.common import Deadline, Figure, log, median, percentile, repeat, rng
from tests.benchmarks.generate import ACTORS, STANCES, TOPICS
from tests.benchmarks.server import HOST, Server, cpu_seconds, peak_rss_bytes

#: Keys the appenders cycle through: enough that no one key is hammered, few enough to read their stances first.
KEYS = 48
CONNECT_BATCH = 100
_EVENT_ID = b'"event_id":"'


class _Chunked:
    """Incremental decoder of HTTP/1.1 chunked transfer coding (what uvicorn sends for a stream)."""

    def __init__(self) -> None:
        self.raw = bytearray()
        self.left = -1  # bytes left in the current chunk; -1: a size line is next; 0: the chunk's CRLF is next

    def feed(self, data: bytes) -> bytes:
        """Take raw bytes, return the payload bytes decoded so far."""
        self.raw += data
        out = bytearray()
        raw = self.raw
        while True:
            if self.left == 0:
                if len(raw) < 2:
                    break
                del raw[:2]
                self.left = -1
            if self.left < 0:
                end = raw.find(b"\r\n")
                if end < 0:
                    break
                self.left = int(bytes(raw[:end]).split(b";")[0], 16) or -2  # -2: the last chunk
                del raw[:end + 2]
                if self.left == -2:
                    break
            take = min(self.left, len(raw))
            out += raw[:take]
            del raw[:take]
            self.left -= take
            if self.left > 0:
                break
        return bytes(out)


class Subscriber(asyncio.Protocol):
    """One feed connection: records (event id, arrival time) of every change message it receives."""

    def __init__(self, request: bytes, ready: asyncio.Future[None]):
        self.request = request
        self.ready = ready
        self.head = bytearray()
        self.body = bytearray()
        self.chunked: _Chunked | None = None
        self.headers_done = False
        self.received: list[tuple[bytes, float]] = []
        self.transport: asyncio.Transport | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:  # noqa: D102 - asyncio callback
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:  # noqa: D102 - asyncio callback
        now = time.perf_counter()  # first thing: the arrival time, before any parsing
        if not self.headers_done:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            head, data = bytes(self.head[:end]).lower(), bytes(self.head[end + 4:])
            if not head.startswith(b"http/1.1 200"):
                self._fail(f"feed answered {head.splitlines()[0].decode(errors='replace')}")
                return
            self.headers_done = True
            self.chunked = _Chunked() if b"transfer-encoding: chunked" in head else None
            if not self.ready.done():
                self.ready.set_result(None)
        self.body += self.chunked.feed(data) if self.chunked else data
        body = self.body
        while (end := body.find(b"\n\n")) >= 0:
            start = body.find(_EVENT_ID, 0, end)
            if start >= 0:
                start += len(_EVENT_ID)
                self.received.append((bytes(body[start:body.find(b'"', start)]), now))
            del body[:end + 2]

    def _fail(self, why: str) -> None:
        if not self.ready.done():
            self.ready.set_exception(RuntimeError(why))
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: D102 - asyncio callback
        self.closed = True
        if not self.ready.done():
            self.ready.set_exception(RuntimeError(f"feed connection closed before it answered: {exc}"))


@dataclass
class Appender:
    """The writers: ``rate`` stance changes per second for ``seconds``, noting each acknowledgement.

    ``threads`` threads (each with its own connection) share the schedule — append number
    n is due at ``start + n / rate`` and is sent at once when late — so one slow answer
    does not hold the rate down. Each thread owns its own keys, so "a different stance
    than the current one" holds without coordination.
    """

    server: Server
    rate: float
    seconds: float
    seed: int
    threads: int = 8
    acks: dict[bytes, float] = field(default_factory=dict)
    failures: int = 0
    elapsed: float = 0.0

    def run(self) -> None:
        """Append from ``threads`` threads until ``seconds`` have passed."""
        today = dt.datetime.now(dt.UTC).date().isoformat()  # the server's clock is the system clock (UTC)
        keys = [(ACTORS[i * 3 % len(ACTORS)], TOPICS[i % len(TOPICS)]) for i in range(KEYS)]
        with httpx.Client(base_url=self.server.base, timeout=30.0) as client:  # before the clock starts
            current = {key: _stance_today(client, key, today) for key in keys}
        prefix = f"feed{int(time.time())}"
        deadline = Deadline(self.seconds)
        workers = [threading.Thread(target=self._writer, args=(n, keys[n::self.threads], current, today, prefix,
                                                               deadline), name=f"feed-appender-{n}", daemon=True)
                   for n in range(self.threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(self.seconds + 60.0)
        # The rate achieved: appends acknowledged over the time until the last acknowledgement.
        self.elapsed = max(self.acks.values(), default=time.perf_counter()) - deadline.start

    def _writer(self, index: int, keys: list[tuple[str, str]], current: dict[tuple[str, str], str | None], today: str,
                prefix: str, deadline: Deadline) -> None:
        draw = rng(f"feed-{index}", self.seed)
        choices = [s for s in STANCES if s != "conditional"]  # conditional needs conditions
        with httpx.Client(base_url=self.server.base, headers=self.server.headers(), timeout=30.0) as client:
            turn = 0
            while True:
                number = turn * self.threads + index
                due = deadline.start + number / self.rate
                if due - deadline.start >= self.seconds:
                    return
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                key = keys[turn % len(keys)]
                stance = draw.choice([s for s in choices if s != current[key]])
                event_id = f"{prefix}-{number}"
                body = {"type": "stance.stated", "id": event_id, "occurred": today, "sources": [{"outlet": "Bench"}],
                        "summary": "feed benchmark", "actor": key[0], "topic": key[1], "stance": stance,
                        "conditions": []}
                answer = client.post("/events", content=msgspec.json.encode(body))
                acked = time.perf_counter()
                if answer.status_code == 201:
                    self.acks[event_id.encode()] = acked
                    current[key] = stance  # each thread owns its keys: no other thread touches this entry
                else:
                    self.failures += 1
                turn += 1


def _stance_today(client: httpx.Client, key: tuple[str, str], today: str) -> str | None:
    """The key's stance in effect today (None if it has none), so the first append can change it."""
    page = client.get(f"/actors/{key[0]}/stances", params={"at": today, "topic": key[1]}).json()
    return page["stances"][0]["stance"] if page.get("stances") else None


async def _connect(server: Server, count: int, after: int, timeout: float, subscribers: list[Subscriber]) -> None:
    """Open ``count`` subscribers into ``subscribers``, ``CONNECT_BATCH`` at a time, each waited for until its
    response headers arrive (the caller closes them all, also when this fails half-way)."""
    loop = asyncio.get_running_loop()
    request = (f"GET /feed?after={after} HTTP/1.1\r\nHost: {HOST}:{server.port}\r\n"
               "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n").encode()
    deadline = Deadline(timeout)
    for first in range(0, count, CONNECT_BATCH):
        batch = []
        for _ in range(min(CONNECT_BATCH, count - first)):
            ready: asyncio.Future[None] = loop.create_future()
            _, protocol = await loop.create_connection(lambda r=ready: Subscriber(request, r), HOST, server.port)
            batch.append(protocol)
            subscribers.append(protocol)
        await asyncio.wait_for(asyncio.gather(*(s.ready for s in batch)), max(1.0, timeout - deadline.elapsed()))


def _raise_file_limit(needed: int) -> None:
    """Each subscriber is a socket here and one in the server (which inherits this limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


async def _run(server: Server, subscribers: int, rate: float, seconds: float, drain: float, seed: int) -> dict:
    """One run: connect the subscribers, append for ``seconds``, wait up to ``drain`` for the last deliveries."""
    after = httpx.get(f"{server.base}/health").json()["last_change"]  # only live changes, not the history
    clients: list[Subscriber] = []
    try:
        await _connect(server, subscribers, after, 120.0, clients)
        log(f"feed: {len(clients)} subscribers connected; appending {rate:g}/s for {seconds:g} s")
        appender = Appender(server, rate, seconds, seed)
        cpu_client, cpu_server = time.process_time(), cpu_seconds(server.pid) or 0.0
        started = time.perf_counter()
        thread = threading.Thread(target=appender.run, name="feed-appenders", daemon=True)
        thread.start()
        while thread.is_alive():  # keep the event loop (the subscribers) running while the threads append
            await asyncio.sleep(0.05)
        drained = Deadline(drain)
        expected = len(appender.acks)
        while not drained.passed() and any(len(c.received) < expected for c in clients):
            await asyncio.sleep(0.05)
        wall = time.perf_counter() - started
        cpu_client = time.process_time() - cpu_client
        cpu_server = (cpu_seconds(server.pid) or 0.0) - cpu_server
        closed_early = sum(c.closed for c in clients)  # before we close them ourselves
    finally:
        for client in clients:
            if client.transport is not None:
                client.transport.close()
    delays = [(arrived - appender.acks[event_id]) * 1000.0
              for client in clients for event_id, arrived in client.received if event_id in appender.acks]
    return {"delays": delays, "expected": expected * len(clients), "appended": expected,
            "append_failures": appender.failures, "append_rate": expected / appender.elapsed if appender.elapsed else 0,
            "subscribers": len(clients), "closed_early": closed_early, "wall": wall,
            "client_cpu_cores": cpu_client / wall, "server_cpu_cores": cpu_server / wall,
            "peak_rss": peak_rss_bytes(server.pid)}


def measure(database: Database, size: int, *, subscribers: int, rate: float, seconds: float, seed: int,
            runs: int = 1, budget: float = 900.0, drain: float = 10.0) -> list[Figure]:
    """p50/p99 acknowledgement-to-delivery delay and the server's peak RSS under ``subscribers`` SSE clients.

    Each run starts its own server (so each peak RSS is that run's); the delays are the
    medians over the runs, the RSS the highest.
    """
    _raise_file_limit(subscribers * 2 + 256)
    results: list[dict] = []

    def once(index: int) -> float:
        with Server(database.url, name=f"feed-{index + 1}") as server:
            result = asyncio.run(_run(server, subscribers, rate, seconds, drain, seed + index))
        delays = result.pop("delays")
        result["missing"] = result["expected"] - len(delays)
        result["p50"] = percentile(delays, 50) if delays else None
        result["p99"] = percentile(delays, 99) if delays else None
        result["max_ms"] = max(delays) if delays else None
        results.append(result)
        p50, p99 = (float("nan") if x is None else x for x in (result["p50"], result["p99"]))
        log(f"feed: run {index + 1}: p50 {p50:.1f} ms, p99 {p99:.1f} ms over {len(delays)} deliveries "
            f"({result['missing']} missing); server peak RSS "
            f"{(result['peak_rss'] or 0) / 1e6:.0f} MB; client {result['client_cpu_cores']:.2f} cores, "
            f"server {result['server_cpu_cores']:.2f} cores")
        return p99

    _, note = repeat(runs, budget, once)
    notes = [note] if note else []
    missing = sum(r["missing"] for r in results)
    if missing:
        notes.append(f"{missing} of {sum(r['expected'] for r in results)} deliveries missing after a {drain:g} s drain")
    if (slowest := min(r["append_rate"] for r in results)) < rate * 0.95:
        notes.append(f"appends reached only {slowest:.1f}/s")
    if (busiest := max(r["client_cpu_cores"] for r in results)) > 0.8:
        notes.append(f"client used {busiest:.2f} cores: may be the limit")
    extra = {"runs": results, "rate_asked": rate, "subscribers": subscribers, "seconds": seconds}
    common = {"backend": database.backend, "size": size, "runs": len(results), "extra": extra,
              "note": "; ".join(notes)}
    rss = [r["peak_rss"] for r in results if r["peak_rss"] is not None]
    figures = []
    for q in (50, 99):
        values = [r[f"p{q}"] for r in results if r[f"p{q}"] is not None]
        figures.append(Figure(f"feed_p{q}", f"feed: append ack -> delivery p{q} ({subscribers} subscribers)",
                              median(values) if values else None, "ms", samples=values, **common))
    figures.append(Figure("feed_rss", f"feed: server peak RSS ({subscribers} subscribers, max of runs)",
                          max(rss) / 1e6 if rss else None, "MB", samples=[x / 1e6 for x in rss], **common))
    return figures
