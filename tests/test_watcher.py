"""The change watcher stops when asked, whatever its wait was doing at that moment."""

from __future__ import annotations

import asyncio

from events import open_store
from service.live.watcher import ChangeWatcher


def test_stop_ends_the_watcher_even_when_a_kick_lands_together_with_the_cancellation(tmp_path, clock):
    """Python 3.11's ``asyncio.wait_for`` returns normally, swallowing a cancellation, when the awaited future
    completed in the same loop iteration; a watcher that only relied on the cancellation looped on, and the
    service's shutdown waited for it forever."""
    store = open_store(tmp_path / "log.db", clock=clock)

    async def scenario() -> bool:
        watcher = ChangeWatcher(store, poll_seconds=60)
        await watcher.start()
        for _ in range(5):  # let the watcher reach its wait for a kick
            await asyncio.sleep(0)
        watcher._kick.set()  # in this iteration, as a notification on an append would (poke defers it by one)
        stopping = asyncio.ensure_future(watcher.stop())
        await asyncio.wait({stopping}, timeout=10)  # a guard against hanging, not a speed check
        if stopping.done():
            return True
        watcher._task.cancel()  # clean up the watcher that did not stop (this cancellation has no kick beside it)
        await stopping
        return False

    try:
        assert asyncio.run(scenario())
    finally:
        store.close()
