"""A bounded asynchronous HTTP load generator (httpx), for when ``wrk`` is not installed.

``connections`` workers share one client with that many connections; each sends
requests back to back until ``max_requests`` have been sent in all or ``seconds`` have
passed, whichever comes first. It is slower than wrk (Python parses every response),
so its figures are a lower bound: the report says which client was used and how much
CPU it took.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx


@dataclass
class LoadResult:
    """What a load run saw: per-request latencies (ms), non-2xx answers, errors, wall and client CPU time."""

    latencies: list[float] = field(default_factory=list)
    status_errors: int = 0
    socket_errors: int = 0
    elapsed: float = 0.0
    client_cpu: float = 0.0


#: One request: (method, path, body or None).
Request = tuple[str, str, bytes | None]


async def _run(base: str, make: Callable[[int], Request], *, connections: int, seconds: float, max_requests: int,
               headers: dict[str, str]) -> LoadResult:
    result = LoadResult()
    counter = iter(range(max_requests))
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30.0) as client:
        start = time.perf_counter()
        end = start + seconds

        async def worker() -> None:
            for number in counter:  # shared iterator: the count bound holds across workers
                if time.perf_counter() >= end:
                    return
                method, path, body = make(number)
                sent = time.perf_counter()
                try:
                    answer = await client.request(method, path, content=body)
                except httpx.HTTPError:
                    result.socket_errors += 1
                    continue
                result.latencies.append((time.perf_counter() - sent) * 1000.0)
                if answer.status_code >= 300:
                    result.status_errors += 1

        await asyncio.gather(*(worker() for _ in range(connections)))
        result.elapsed = time.perf_counter() - start
    return result


def run(base: str, make: Callable[[int], Request], *, connections: int = 32, seconds: float = 10.0,
        max_requests: int = 1_000_000, headers: dict[str, str] | None = None) -> LoadResult:
    """Send requests made by ``make(number)`` with ``connections`` concurrent connections; bounded in count and time."""
    cpu = time.process_time()
    result = asyncio.run(_run(base, make, connections=connections, seconds=seconds, max_requests=max_requests,
                              headers=headers or {}))
    result.client_cpu = time.process_time() - cpu
    return result
