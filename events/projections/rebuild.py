"""Rebuild: replay the whole log through the projector, one original append at a time.

The events of one append share a recorded instant (the store makes recorded instants
strictly increasing between appends), so grouping by it reproduces the original
batches, and with them the same change records in the same order; announcements are
replayed at the log positions where the watermark advanced live.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events import announcements
from events.batch import replayed
from events.projections.projector import project_batch
from events.store import log


def _project(tx: Any, batch: list, first_position: int, recorded: str, replay: announcements.Replay) -> None:
    replay.until(first_position - 1)
    today = max(recorded[:10], replay.through or "")
    project_batch(tx, replayed(tx, batch), first_position, recorded, today=today)


def replay(tx: Any, progress: Callable[[int, int], None] | None = None, page: int = 5000) -> int:
    """Project every event in the log again (projection tables must be empty); returns the count."""
    total = log.last_position(tx)
    announced = announcements.Replay(tx)
    done = 0
    after = 0
    batch: list = []
    batch_recorded = None
    batch_start = 1
    while True:
        stored = log.read(tx, after=after, limit=page)
        if not stored:
            break
        for item in stored:
            if item.recorded != batch_recorded and batch:
                _project(tx, batch, batch_start, batch_recorded, announced)
                done += len(batch)
                batch = []
            if not batch:
                batch_start = item.position
                batch_recorded = item.recorded
            batch.append(item.event)
        after = stored[-1].position
        if progress:
            progress(done, total)
    if batch:
        _project(tx, batch, batch_start, batch_recorded, announced)
        done += len(batch)
    announced.until(total)
    if progress:
        progress(done, total)
    return done
