"""``/proposals``: batches of events an editor proposes and a reviewer accepts or rejects (``events/proposals.py``).

``POST /proposals`` takes exactly what ``POST /events`` takes (``service/http/body.py``), or the
spreadsheet template as ``text/csv``, with an optional ``note`` query parameter.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import SecurityRequirement
from litestar.params import JSONBody, PathParameter, QueryParameter
from msgspec import Meta

from events import AnyEvent, AppendResult, Event, proposals
from events.proposals import MAX_NOTE, InvalidProposal, ProposalChange
from service import answers
from service.documents import PreviewDocument
from service.http.auth import EDIT, EDITOR, REVIEW, caller_of
from service.http.body import ProposalBody, RefusedBatch, StrictObject
from service.http.errors import problem_responses
from service.http.params import ID_PATTERN, MAX_PAGE, MAX_POSITION, Store

ProposalPath = Annotated[str, PathParameter(description="A proposal id, e.g. `p-01jq...`.", pattern=ID_PATTERN,
                                            max_length=128)]
Note = Annotated[str | None, QueryParameter(description="Why, for the reviewer (at most 2000 characters).",
                                            max_length=MAX_NOTE, min_length=1)]
StatusFilter = Annotated[Literal["open", "accepted", "rejected"] | None, QueryParameter(
    description="Only proposals with this status.")]
FeedAfter = Annotated[int, QueryParameter(ge=0, le=MAX_POSITION, description="Resume after this `seq` (0: from the"
                                                                              " start).",
                                          schema_extra={"minimum": 0, "maximum": MAX_POSITION})]
FeedLimit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description=f"At most this many (1-{MAX_PAGE}).")]
_SECURITY: list[SecurityRequirement] = [{"bearer": []}]


class ProposalDocument(msgspec.Struct, frozen=True):
    """A proposal: its events, who proposed it and when, where its review stands, and (while it is open) a fresh
    preview of what accepting it would do to the log as it stands now."""

    id: str
    status: str
    proposed_by: str
    created: str
    note: str | None
    events: list[AnyEvent]
    decided_by: str | None
    decided: str | None
    reason: str | None
    preview: PreviewDocument | None


class ProposalList(msgspec.Struct, frozen=True):
    """Proposals, oldest first (without previews: ask for one proposal to get its preview)."""

    proposals: list[ProposalDocument]


class ProposalFeed(msgspec.Struct, frozen=True):
    """The proposals' state changes (opened, accepted, rejected) in order; ask again with ``after=next_after``."""

    changes: list[ProposalChange]
    next_after: int


class Rejection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Why a proposal is rejected."""

    reason: Annotated[str, Meta(min_length=1, max_length=MAX_NOTE, description="Why, for the proposer")]


class RejectionBody(StrictObject[Rejection]):
    """``POST /proposals/{id}/reject`` bodies: 422 ``invalid-proposal`` for a missing or bad reason."""

    model = Rejection
    invalid = InvalidProposal
    expects = 'a rejection, e.g. {"reason": "the source does not say so"}'
    example = {"reason": "The source does not say so."}


def document(store: Store, proposal: proposals.Proposal, *, preview: bool) -> ProposalDocument:
    """A stored proposal as the API shows it; ``preview`` adds a dry run of it against the log now (open ones)."""
    batch = proposal.batch()
    previewed = answers.preview(store, batch) if preview and proposal.status == "open" else None
    return ProposalDocument(proposal.id, proposal.status, proposal.proposed_by, proposal.created, proposal.note,
                            batch, proposal.decided_by, proposal.decided, proposal.reason,  # type: ignore[arg-type]
                            previewed)


def _caller_name(request: Request) -> str:
    caller = caller_of(request.scope)
    assert caller is not None  # every route here needs a role
    return caller.name


class ProposalsController(Controller):
    """Proposals and their review."""

    path = "/proposals"
    tags = ["proposals"]

    @post("/", dto=ProposalBody, return_dto=None, opt=EDIT, security=_SECURITY, sync_to_thread=True,
          status_code=201, summary="Propose events",
          responses=problem_responses(400, 401, 403, 409, 413, 415, 422, 429))
    def propose(self, request: Request, data: JSONBody[list[Event]], store: Store,
                note: Note = None) -> ProposalDocument:
        """Propose a batch (one event or an array, as `POST /events` takes it; or the spreadsheet template as
        `Content-Type: text/csv`) for a reviewer to accept: stored beside the log, not in it. 201 with the
        proposal and a preview of accepting it now (`preview.problems` lists what the log would refuse)."""
        if isinstance(data, RefusedBatch):
            raise data.error
        return document(store, proposals.propose(store, data, _caller_name(request), note), preview=True)

    @get("/", opt=EDITOR, security=_SECURITY, sync_to_thread=True, summary="List proposals",
         responses=problem_responses(400, 401, 403, 429))
    def list_proposals(self, store: Store, status: StatusFilter = None) -> ProposalList:
        """The proposals, oldest first (`status=open` for the review queue), without previews."""
        return ProposalList([document(store, p, preview=False) for p in proposals.listing(store, status)])

    @get("/feed", opt=EDITOR, security=_SECURITY, sync_to_thread=True, summary="Proposals' state changes",
         responses=problem_responses(400, 401, 403, 429))
    def feed(self, store: Store, after: FeedAfter = 0, limit: FeedLimit = 100) -> ProposalFeed:
        """Each state change of every proposal (`open` when proposed, then `accepted` or `rejected`, with who and
        when) after sequence number `after`: poll with `after=next_after`."""
        found = proposals.changes(store, after, limit)
        return ProposalFeed(found, found[-1].seq if found else after)

    @get("/{proposal_id:str}", opt=EDITOR, security=_SECURITY, sync_to_thread=True, summary="One proposal",
         responses=problem_responses(400, 401, 403, 404, 429))
    def one(self, store: Store, proposal_id: ProposalPath) -> ProposalDocument:
        """One proposal; while it is open, with a fresh preview against the log as it stands now."""
        return document(store, proposals.get(store, proposal_id), preview=True)

    @post("/{proposal_id:str}/accept", opt=REVIEW, security=_SECURITY, sync_to_thread=True, status_code=201,
          summary="Accept a proposal",
          responses={200: ResponseSpec(AppendResult, description="Every event was already in the log: nothing"
                                                                 " appended"),
                     **problem_responses(400, 401, 403, 404, 409, 429)})
    def accept(self, request: Request, store: Store, proposal_id: ProposalPath) -> Response[AppendResult]:
        """Append an open proposal's events (recorded by the reviewer, proposed by its proposer) and mark it accepted,
        in one transaction; answered like `POST /events`. 409 with the faults when the log now refuses it (it stays
        open), or when it was decided already; 403 under `COMMITMENTS_REVIEW=required` for its own proposer."""
        required = request.app.state.settings.review == "required"
        result = proposals.accept(store, proposal_id, _caller_name(request), not_by_proposer=required)
        return Response(result, status_code=201 if result.created else 200)

    @post("/{proposal_id:str}/reject", dto=RejectionBody, return_dto=None, opt=REVIEW, security=_SECURITY,
          sync_to_thread=True, status_code=200, summary="Reject a proposal",
          responses=problem_responses(400, 401, 403, 404, 409, 415, 422, 429))
    def reject(self, request: Request, data: JSONBody[Rejection], store: Store,
               proposal_id: ProposalPath) -> ProposalDocument:
        """Reject an open proposal with a reason (409 when it was decided already)."""
        rejected = proposals.reject(store, proposal_id, _caller_name(request), data.reason)
        return document(store, rejected, preview=False)
