"""Rebuild: replay the whole log through the projector, one original append at a time.

The events of one append share a recorded instant (the store makes recorded instants
strictly increasing between appends), so grouping by it reproduces the original
appends, and with them the same change records in the same order; announcements are
replayed at the log positions where the watermark advanced live. The log is read in
pages and each append is fed to the projector in chunks.

The first append lands in emptied tables, so its fact rows and change records are worked
out key by key in one pass (``events/projections/key_by_key.py``) instead of being merged
into stored rows; for an imported log (one append) that is the whole log. Later appends
are projected as they were when appended.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from events.model.catalog import Event, EventCorrected
from events.model.inbound import corrected
from events.projections import key_by_key
from events.projections.projector import AppendProjection, Corrections
from events.tables import log
from events.tables.tx import Tx
from events.tables.versions import Version, current_version
from events.writing import announcements

#: Events read from the log at a time.
PAGE = 5000


def _corrections(tx: Tx, events: Sequence[Event]) -> Corrections:
    """What each correction among events read back from the log did: its target before and after it.

    The events were checked when they were appended, so nothing is checked again.
    """
    found: dict[str, tuple[Version, Version | None]] = {}
    versions: dict[str, Version] = {}
    for event in events:
        if isinstance(event, EventCorrected):
            target = versions.get(event.corrects) or current_version(tx, event.corrects)
            assert target is not None, f"the log holds a correction of '{event.corrects}', which it does not hold"
            after = None if event.retracted else Version(corrected(target.event, event), target.position)
            found[event.checked_id] = (target, after)
            versions[event.corrects] = after or Version(target.event, target.position, retracted=True)
    return found


def _finish(projection: AppendProjection, first: AppendProjection | None) -> None:
    """Finish an append: the first one key by key (the tables were empty), any other as it was appended."""
    if projection is first:
        key_by_key.finish(projection)
    else:
        projection.finish()


def replay(tx: Tx, progress: Callable[[int, int], None] | None = None) -> int:
    """Project every event in the log again (projection tables must be empty); returns the count."""
    total = log.last_position(tx)
    announced = announcements.Replay(tx)
    projection: AppendProjection | None = None
    first: AppendProjection | None = None
    recorded = None
    after = 0
    while stored := log.read(tx, after=after, limit=PAGE):
        chunk: list[Event] = []
        for item in stored:
            if item.recorded != recorded:
                if projection is not None:
                    if chunk:
                        projection.add(chunk, _corrections(tx, chunk))
                        chunk = []
                    _finish(projection, first)
                announced.until(item.position - 1)
                today = max(item.recorded[:10], announced.through or "")
                projection = AppendProjection(tx, item.position, item.recorded, today=today)
                first = first or projection
                recorded = item.recorded
            chunk.append(item.event)
        assert projection is not None  # the page's first event began one
        projection.add(chunk, _corrections(tx, chunk))
        after = stored[-1].position
        if progress:
            progress(after, total)
    if projection is not None:
        _finish(projection, first)
    announced.until(total)
    return after
