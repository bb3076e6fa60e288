"""Bulk work (imports, rebuilds): Python's cyclic garbage collector paused while it runs.

A large append keeps millions of small row dicts and lists alive until it commits. The
collector's full passes walk every live container, again and again as the append allocates,
and find nothing to free: projection rows hold no reference cycles. Pausing it saves much of
an import's CPU (docs/performance.md). Reference counting still frees
everything that is not in a cycle; the collector runs again as soon as the last bulk job ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_running = 0  # bulk jobs under way in this process (the collector setting is process-wide)
_was_enabled = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the duration (nestable, and safe across threads)."""
    global _running, _was_enabled
    with _lock:
        if _running == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _was_enabled:
                gc.enable()
