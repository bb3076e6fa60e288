"""Rebuild: replay the whole log through the projector, one original append at a time.

The events of one append share a recorded instant (the store makes recorded instants
strictly increasing between appends), so grouping by it reproduces the original
appends, and with them the same change records in the same order; announcements are
replayed at the log positions where the watermark advanced live. The log is read in
pages and each append is fed to the projector in chunks, so a million-event import
replays in bounded memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events import announcements
from events.batch import replayed
from events.projections.projector import AppendProjection
from events.store import log

#: Events read from the log at a time.
PAGE = 5000


def replay(tx: Any, progress: Callable[[int, int], None] | None = None) -> int:
    """Project every event in the log again (projection tables must be empty); returns the count."""
    total = log.last_position(tx)
    announced = announcements.Replay(tx)
    projection: AppendProjection | None = None
    recorded = None
    after = 0
    while stored := log.read(tx, after=after, limit=PAGE):
        chunk: list = []
        for item in stored:
            if item.recorded != recorded:
                if chunk:
                    projection.add(replayed(tx, chunk))
                    chunk = []
                if projection is not None:
                    projection.finish()
                announced.until(item.position - 1)
                today = max(item.recorded[:10], announced.through or "")
                projection = AppendProjection(tx, item.position, item.recorded, today=today)
                recorded = item.recorded
            chunk.append(item.event)
        projection.add(replayed(tx, chunk))
        after = stored[-1].position
        if progress:
            progress(after, total)
    if projection is not None:
        projection.finish()
    announced.until(total)
    return after
