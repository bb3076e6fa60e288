"""Token buckets per client address: a burst is allowed, then a steady rate.

Two limiters use them: the write budget (each accepted write takes a token; a refused one
gives it back) and the failed-authentication budget (each wrong token takes one; an
empty bucket refuses the client's requests that need the token until it refills).

Kept in memory, so each server process limits on its own; that is enough to stop one
client from flooding the single writer, or from guessing tokens at full speed.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class TokenBucket:
    """``capacity`` tokens, refilled at ``rate`` per second; each counted request takes one."""

    def __init__(self, capacity: int, rate: float, now: float):
        self.capacity = capacity
        self.rate = rate
        self.tokens = float(capacity)
        self.updated = now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait(self, now: float) -> float:
        """The seconds until a token is there (0.0: there is one now), taking nothing."""
        self._refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> float:
        """Take a token: 0.0 if there was one, else the seconds until there will be."""
        wait = self.wait(now)
        if wait == 0.0:
            self.tokens -= 1.0
        return wait

    def give_back(self) -> None:
        """Return a token taken for work that was then refused (never beyond the capacity)."""
        self.tokens = min(self.capacity, self.tokens + 1.0)


def whole_seconds(wait: float) -> int:
    """A wait as ``Retry-After`` says it: 0 for none, else whole seconds, at least 1."""
    return 0 if wait == 0.0 else max(1, math.ceil(wait))


class RateLimiter:
    """Token buckets by client key; the least recently seen clients are forgotten beyond ``max_clients``."""

    def __init__(self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 10_000):
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self._lock = threading.Lock()

    def _bucket(self, client: str, now: float) -> TokenBucket:
        bucket = self._buckets.get(client)
        if bucket is None:
            bucket = self._buckets[client] = TokenBucket(self.burst, self.rate, now)
            if len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(client)
        return bucket

    def retry_after(self, client: str) -> int:
        """Count one request for ``client``: 0 if allowed, else the whole seconds to wait (at least 1)."""
        now = self.clock()
        with self._lock:
            wait = self._bucket(client, now).take(now)
        return whole_seconds(wait)

    def waiting(self, client: str) -> int:
        """The whole seconds ``client`` must wait before its next counted request (0: none), counting nothing."""
        if client not in self._buckets:  # the usual case, asked on every request that needs the token: no lock
            return 0
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(client)
            wait = 0.0 if bucket is None else bucket.wait(now)
        return whole_seconds(wait)

    def give_back(self, client: str) -> None:
        """Undo one counted request of ``client`` (its work was refused); nothing if the client was forgotten."""
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is not None:
                bucket.give_back()
