"""The background work of a running app, started and stopped by its lifespan, in order.

One :class:`~service.live.watcher.ChangeWatcher` per app notices new change records; the feed
hub (SSE subscribers), the webhook dispatcher and the scheduler all hang off it. Built
by :func:`service.bootstrap.build_background`, which is where the store and the clock
are handed in.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from service.live.dispatcher import WebhookDispatcher
from service.live.pages import PageReader
from service.live.scheduler import JobScheduler
from service.live.subscribers import FeedHub
from service.live.watcher import ChangeWatcher


@dataclass
class Background:
    """The watcher, the feed's readers and subscribers, the webhook dispatcher and the scheduler."""

    watcher: ChangeWatcher
    reader: PageReader
    hub: FeedHub
    dispatcher: WebhookDispatcher
    scheduler: JobScheduler

    async def start(self) -> None:
        """Scheduler first (it announces days that passed while down), then the watcher, then deliveries."""
        await asyncio.to_thread(self.scheduler.start)
        try:
            await self.watcher.start()
            self.watcher.on_append.append(self.scheduler.request_plan)
            await self.dispatcher.start()
        except BaseException:  # leave no thread running behind a failed start
            await self.watcher.stop()
            await asyncio.to_thread(self.scheduler.stop)
            raise

    async def stop(self) -> None:
        """Stop in reverse order; each part lets its current piece of work finish."""
        await self.dispatcher.stop()
        await self.watcher.stop()
        await asyncio.to_thread(self.scheduler.stop)
