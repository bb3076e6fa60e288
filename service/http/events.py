"""``/events``: append events (one or a batch, atomically) and read the log."""

from __future__ import annotations

import asyncio

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from events import AppendResult, Attribution, Event
from events.store import UNATTRIBUTED
from service import answers
from service.documents import EventsPage, PreviewDocument, StoredEventDocument
from service.http.auth import EDIT, caller_of
from service.http.body import InboundEvents, RefusedBatch
from service.http.errors import READ_PROBLEMS, problem_responses
from service.http.params import (
    ActorFilter,
    After,
    Committer,
    DryRun,
    EventPath,
    EventType,
    IfMatch,
    Limit,
    RecordedBy,
    Store,
    TopicFilter,
    parse_if_match,
)


class EventsController(Controller):
    """The event log."""

    path = "/events"
    tags = ["events"]

    @post(
        "/",
        dto=InboundEvents,
        opt=EDIT,
        security=[{"bearer": []}],
        status_code=201,
        summary="Append events",
        description=(
            "Append one event object or a JSON array of them, atomically: all are stored or none. "
            "Events with an `id` already stored with the same content are not stored again: when every event "
            "was, the answer is 200 with their original positions (a safe retry). `If-Match: <position>` "
            "appends only if the log still ends at that position (else 409). With `dry_run=true` nothing is stored: "
            "the answer is 200 with the events the append would store (`would_append`, with their positions), the "
            "change records it would write (`changes`) and the faults that would refuse it (`problems`, empty when "
            "it would be accepted). Needs an editor's key (or above); under `COMMITMENTS_REVIEW=required` an editor "
            "gets 403 (its writes go to `/proposals`), a dry run excepted."
        ),
        responses={
            200: ResponseSpec(AppendResult | PreviewDocument,  # type: ignore[arg-type]
                              description="Every event was already stored: nothing appended (an `AppendResult`); or, "
                                          "with `dry_run=true`, what the append would do (a `PreviewDocument`)"),
            **problem_responses(400, 401, 403, 409, 413, 415, 422, 429),
        },
    )
    # ``data`` is what InboundEvents decodes: always a list (one event object is a batch of one). The DTO
    # documents the body as one event or an array of them (service/http/body.py).
    async def append(self, request: Request, data: JSONBody[list[Event]], committer: Committer, store: Store,
                     if_match: IfMatch = None, dry_run: DryRun = False) -> Response[AppendResult | PreviewDocument]:
        """Append a batch; 201 when something was new, 200 for a retry that found everything stored; with
        ``dry_run``, 200 with what the append would do, and nothing stored."""
        expected = parse_if_match(if_match)
        caller = caller_of(request.scope)
        if not dry_run and caller is not None and caller.role == "editor" \
                and request.app.state.settings.review == "required":
            raise PermissionDeniedException(detail="review is required: send the events to POST /proposals, where a"
                                                   " reviewer accepts them (a dry run here still previews them)")
        if dry_run:
            document = (answers.refused_preview(data.error) if isinstance(data, RefusedBatch)
                        else await asyncio.to_thread(answers.preview, store, data, expected))
            return Response(document, status_code=200)
        if isinstance(data, RefusedBatch):
            raise data.error
        by = UNATTRIBUTED if caller is None else Attribution(recorded_by=caller.name)
        result = await committer.append_async(data, expected_position=expected, by=by)
        return Response(result, status_code=201 if result.created else 200)

    @get("/", sync_to_thread=True, summary="Read the log", responses=problem_responses(*READ_PROBLEMS))
    def read(
        self,
        store: Store,
        after: After = 0,
        limit: Limit = 100,
        type_: EventType = None,
        actor: ActorFilter = None,
        topic: TopicFilter = None,
        recorded_by: RecordedBy = None,
    ) -> EventsPage:
        """Events after position `after`, in log order, each with its `position`, `recorded` instant and
        `recorded_by` (the key's name)."""
        return answers.events_page(store, after=after, limit=limit, type=type_, actor=actor, topic=topic,
                                   recorded_by=recorded_by)

    @get("/{event_id:str}", sync_to_thread=True, summary="Read one event",
         responses=problem_responses(*READ_PROBLEMS, 404))
    def one(self, store: Store, event_id: EventPath) -> StoredEventDocument:
        """One event by id, with its `position`, `recorded` instant and `recorded_by` (and `proposed_by` when it
        came from an accepted proposal)."""
        return answers.event(store, event_id)
