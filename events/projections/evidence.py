"""What a fact row cites: its fact's event and the correction that gave the row, with their sources and summaries.

The projector writes it into the row (``evidence``: the JSON of the list an answer shows), so
that answering reads no event bodies, which on a large log lie scattered over the file
(docs/performance.md has the cost). The copy cannot go stale: both events are in
the log before the row is written, the log never changes, and a correction writes new rows.
"""

from __future__ import annotations

from typing import Any

import msgspec

from events.model.catalog import Event, Source
from events.model.views import Evidence
from events.tables import log
from events.tables.tx import Tx

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(tuple[Evidence, ...]).decode


def _cited(event_id: str, sources: tuple[Source, ...], summary: str | None) -> dict[str, Any]:
    """One cited event in the shape of :class:`Evidence` (its fields in order), from the catalogue's sources."""
    return {"event_id": event_id, "sources": sources, "summary": summary}


def of_event(event: Event) -> str:
    """The evidence of a row asserted by ``event`` itself (no correction)."""
    return _encode([_cited(event.checked_id, event.sources, event.summary)]).decode()


def of_correction(tx: Tx, corrected_id: str, corrected_position: int, correction: Event) -> str:
    """The evidence of a row a correction gave: the corrected event as the log stored it, then the correction.

    The stored original, not the version in effect before this correction: an answer has always
    cited the log's own event, whichever corrections came between.
    """
    (sources, summary), = log.cited(tx, [corrected_id], [corrected_position]).values()
    return _encode([_cited(corrected_id, sources, summary),
                    _cited(correction.checked_id, correction.sources, correction.summary)]).decode()


def decode(text: str) -> tuple[Evidence, ...]:
    """The evidence list stored in a row."""
    return _decode(text)
