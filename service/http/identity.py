"""Who a bearer key belongs to: the bootstrap token, or a stored key (``events/keys.py``).

scrypt costs tens of milliseconds, so a key whose secret was verified once is remembered by a
SHA-256 digest of the key, together with the stored hash it matched (a key issued again under
the same name has another hash, and is verified again). The memory saves only the hashing:
every request still reads the key's row by its public id, one primary-key lookup, so a key
revoked by any process (another service instance on PostgreSQL, the CLI) is refused from the
next request on. Requests without a key, and the bootstrap token, read nothing.

``last used`` is written at most once a minute per key, by a thread of its own, so that a
request never waits for the writer's lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from events import Clock, EventStore, keys

_log = logging.getLogger(__name__)
#: ``last used`` is kept to about this precision.
TOUCH_EVERY = dt.timedelta(minutes=1)


class Caller(NamedTuple):
    """The holder of the key a request presented: the name appends are attributed to, and its role (with the
    stored key's id and last use, for :meth:`KeyRing.note_use`; None for the bootstrap token)."""

    name: str
    role: str
    key_id: str | None = None
    last_used: str | None = None


def token_matches(presented: str | None, expected: str) -> bool:
    """Compare in constant time, so the answer's timing tells nothing about the token."""
    if presented is None:
        return False
    return hmac.compare_digest(presented.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


class KeyRing:
    """Identifies presented keys against the store's keys (and the bootstrap token), remembering verified ones."""

    def __init__(self, store: EventStore, clock: Clock, bootstrap_token: str, *, remembered: int = 10_000):
        self.store, self.clock, self.bootstrap_token = store, clock, bootstrap_token
        self.remembered = remembered
        self._verified: OrderedDict[bytes, str] = OrderedDict()  # digest of a key -> the stored hash it matched
        self._lock = threading.Lock()
        self._touching: set[str] = set()
        self._toucher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="key-last-used")

    def identify(self, presented: str) -> Caller | None:
        """The caller a presented key identifies, or None for a key that is unknown, wrong or revoked."""
        if token_matches(presented, self.bootstrap_token):
            return Caller(keys.BOOTSTRAP, "admin")
        parts = keys.split_key(presented)
        if parts is None:
            return None
        key_id, secret = parts
        with self.store.reading() as tx:
            stored = keys.by_id(tx, key_id)
        digest = hashlib.sha256(presented.encode()).digest()
        if stored is None or stored.revoked is not None:
            with self._lock:
                self._verified.pop(digest, None)
            return None
        with self._lock:
            known = self._verified.get(digest) == stored.hash
        if not known:
            if not keys.secret_matches(stored, secret):
                return None
            with self._lock:
                self._verified[digest] = stored.hash
                if len(self._verified) > self.remembered:
                    self._verified.popitem(last=False)
        return Caller(stored.name, stored.role, stored.key_id, stored.last_used)

    def note_use(self, caller: Caller) -> None:
        """Record that a stored key opened a route (at most once a minute per key, off the request's path)."""
        if caller.key_id is None:
            return
        now = self.clock.now()
        if caller.last_used is not None and keys.parse_used(caller.last_used) > now - TOUCH_EVERY:
            return
        with self._lock:
            if caller.key_id in self._touching:
                return
            self._touching.add(caller.key_id)
        self._toucher.submit(self._touch, caller.key_id, now)

    def _touch(self, key_id: str, now: dt.datetime) -> None:
        try:
            with self.store.writing() as tx:
                keys.touch(tx, key_id, now)
        except Exception:  # a busy or closed database: ``last used`` is a hint, the request is not failed for it
            _log.warning("could not note a key's last use", exc_info=True)
        finally:
            with self._lock:
                self._touching.discard(key_id)

    def close(self) -> None:
        """Finish the pending ``last used`` notes."""
        self._toucher.shutdown(wait=True)
