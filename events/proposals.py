"""Proposals: batches of events waiting for a reviewer, kept in the store's database beside the log (not in it).

An editor proposes a batch (ids are given to events without one, so that every preview and
the final append name the same events); a reviewer accepts it, which appends it in the same
transaction that marks it accepted, attributed to the reviewer (``recorded_by``) and the
proposer (``proposed_by``), or rejects it with a reason. A proposal that no longer applies
(the log moved, and the batch now conflicts or names what the log does not hold) cannot be
accepted: :class:`ProposalConflict`, with its faults.

Every state change (opened, accepted, rejected) is a row of ``proposal_log`` numbered
``max + 1`` under the write lock, like change records: ``GET /proposals/feed?after=N``
pages through them. They are not change records: those are derived from the log, which a
proposal is not in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import msgspec

from events.model.catalog import Event, encode
from events.model.clock import format_instant
from events.model.errors import CommitmentError, Conflict, FieldError, InvalidEvent, NotFound
from events.model.ids import new_id
from events.model.inbound import decode_inbound
from events.preview import preview
from events.store.store import EventStore
from events.tables.log import AppendResult, Attribution
from events.tables.tx import Tx, scalar
from events.writing.append import append_events

Status = Literal["open", "accepted", "rejected"]
STATUSES: tuple[Status, ...] = ("open", "accepted", "rejected")
MAX_NOTE = 2000
_COLUMNS = "id, status, proposed_by, created, note, events, decided_by, decided, reason"


class Proposal(msgspec.Struct, frozen=True):
    """A proposal as stored: its events (a JSON array, ids given) and where its review stands."""

    id: str
    status: str
    proposed_by: str
    created: str
    note: str | None
    events: str
    decided_by: str | None = None
    decided: str | None = None
    reason: str | None = None

    def batch(self) -> list[Event]:
        """The proposed events, decoded strictly as they were when proposed."""
        return decode_inbound(self.events.encode())


class ProposalChange(msgspec.Struct, frozen=True):
    """One state change of a proposal, as ``GET /proposals/feed`` pages them: opened, accepted or rejected."""

    seq: int
    proposal: str
    status: str
    by: str
    at: str
    reason: str | None = None


class ProposalConflict(Conflict):
    """A proposal that cannot be accepted or rejected now: decided already, or it no longer applies (its faults)."""


class OwnProposal(CommitmentError):
    """Under required review, a proposal accepted by the key that proposed it (answered with 403)."""

    title = "Forbidden"


class InvalidProposal(InvalidEvent):
    """A proposal or a decision the service cannot accept (a note or reason too long or empty; 422)."""

    title = "Invalid proposal"


def _row(row: tuple[object, ...]) -> Proposal:
    return Proposal(*row)  # type: ignore[arg-type]


def _get(tx: Tx, proposal_id: str) -> Proposal:
    row = tx.fetchone(f"SELECT {_COLUMNS} FROM proposals WHERE id = ?", (proposal_id,))
    if row is None:
        raise NotFound(f"no proposal with id '{proposal_id}'")
    return _row(row)


def _note_change(tx: Tx, proposal_id: str, status: str, by: str, at: str, reason: str | None = None) -> None:
    seq = (scalar(tx, "SELECT max(seq) FROM proposal_log") or 0) + 1
    tx.execute("INSERT INTO proposal_log (seq, proposal, status, by_name, at, reason) VALUES (?, ?, ?, ?, ?, ?)",
               (seq, proposal_id, status, by, at, reason))


def _checked_text(text: str | None, field: str, *, required: bool) -> str | None:
    if text is None or not text.strip():
        if required:
            raise InvalidProposal(f"$.{field}: must say why", [FieldError(f"$.{field}", "must say why")])
        return None
    if len(text) > MAX_NOTE or "\x00" in text:
        message = f"must be at most {MAX_NOTE} characters, without NUL"
        raise InvalidProposal(f"{field}: {message}", [FieldError(field, message)])
    return text


def propose(store: EventStore, events: Sequence[Event], proposed_by: str, note: str | None = None) -> Proposal:
    """Store a batch as an open proposal (events without an id get one now). A batch the log would refuse now is
    refused as the append would refuse it: a proposal starts out applying, and only the log moving on can change
    that."""
    note = _checked_text(note, "note", required=False)
    with_ids = [event if event.id is not None else msgspec.structs.replace(event, id=new_id()) for event in events]
    if not with_ids:
        raise InvalidProposal("$: a proposal needs at least one event", [FieldError("$", "no events")])
    preview(store, with_ids, refuse=True)
    body = b"[" + b",".join(encode(event) for event in with_ids) + b"]"
    created = format_instant(store.clock.now())
    proposal = Proposal(f"p-{new_id().lower()}", "open", proposed_by, created, note, body.decode())
    with store.writing() as tx:
        tx.execute(f"INSERT INTO proposals ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, NULL)",
                   (proposal.id, proposal.status, proposed_by, created, note, proposal.events))
        _note_change(tx, proposal.id, "open", proposed_by, created)
    return proposal


def get(store: EventStore, proposal_id: str) -> Proposal:
    """One proposal; raises NotFound."""
    with store.reading() as tx:
        return _get(tx, proposal_id)


def listing(store: EventStore, status: str | None = None) -> list[Proposal]:
    """The proposals (with one status), oldest first."""
    sql, params = f"SELECT {_COLUMNS} FROM proposals", []
    if status is not None:
        sql, params = sql + " WHERE status = ?", [status]
    with store.reading() as tx:
        return [_row(r) for r in tx.fetchall(sql + " ORDER BY created, id", params)]


def _open(tx: Tx, proposal_id: str) -> Proposal:
    proposal = _get(tx, proposal_id)
    if proposal.status != "open":
        raise ProposalConflict(f"proposal '{proposal_id}' was {proposal.status} by {proposal.decided_by} at"
                               f" {proposal.decided}; only an open proposal can be decided")
    return proposal


def accept(store: EventStore, proposal_id: str, reviewer: str, *, not_by_proposer: bool) -> AppendResult:
    """Append an open proposal's events and mark it accepted, in one transaction; ``not_by_proposer`` (review is
    required) refuses its own proposer with :class:`OwnProposal`. A batch the log now refuses is a
    :class:`ProposalConflict` naming its faults, and the proposal stays open."""
    with store.writing() as tx:
        proposal = _open(tx, proposal_id)
        if not_by_proposer and proposal.proposed_by == reviewer:
            raise OwnProposal(f"review is required: '{reviewer}' proposed '{proposal_id}', another reviewer must"
                              " accept it")
        try:
            result = append_events(tx, store.clock, store.database.after_append, proposal.batch(),
                                   by=Attribution(reviewer, proposal.proposed_by))
        except (InvalidEvent, Conflict) as refused:
            raise ProposalConflict(f"proposal '{proposal_id}' no longer applies: {refused.detail}",
                                   list(refused.errors) or [FieldError("$", refused.detail)]) from None
        decided = format_instant(store.clock.now())
        tx.execute("UPDATE proposals SET status = 'accepted', decided_by = ?, decided = ? WHERE id = ?",
                   (reviewer, decided, proposal_id))
        _note_change(tx, proposal_id, "accepted", reviewer, decided)
        return result


def reject(store: EventStore, proposal_id: str, reviewer: str, reason: str) -> Proposal:
    """Mark an open proposal rejected, with the reviewer's reason."""
    checked = _checked_text(reason, "reason", required=True)
    with store.writing() as tx:
        _open(tx, proposal_id)
        decided = format_instant(store.clock.now())
        tx.execute("UPDATE proposals SET status = 'rejected', decided_by = ?, decided = ?, reason = ? WHERE id = ?",
                   (reviewer, decided, checked, proposal_id))
        _note_change(tx, proposal_id, "rejected", reviewer, decided, checked)
        return _get(tx, proposal_id)


def changes(store: EventStore, after: int = 0, limit: int = 100) -> list[ProposalChange]:
    """The proposals' state changes after sequence number ``after``, in order."""
    with store.reading() as tx:
        rows = tx.fetchall("SELECT seq, proposal, status, by_name, at, reason FROM proposal_log WHERE seq > ?"
                           " ORDER BY seq LIMIT ?", (after, limit))
    return [ProposalChange(*row) for row in rows]
