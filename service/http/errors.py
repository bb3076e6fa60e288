"""Every error as RFC 9457 problem details (``application/problem+json``).

The core's errors (invalid events and dates, unknown references, conflicts, things not
found), litestar's own (parameter validation, auth, routing, body size) and anything
unexpected all leave through :func:`problem`, so a client sees one error format.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ExceptionHandlersMap

from events import CommitmentError, Conflict, InvalidEvent, NotFound
from events.model.errors import FieldError, TooLarge, Unavailable
from events.model.inbound import choices_of, plain_message
from events.proposals import OwnProposal
from service.documents import Problem, ProblemField

PROBLEM_MEDIA_TYPE = "application/problem+json"
#: Problem types are tag URIs (RFC 4151): stable identifiers that need no server to resolve.
TYPE_PREFIX = "tag:commitment-timeline,2026:problem:"
#: A 422 for a batch of thousands of bad events lists this many faults, then says how many more there were.
MAX_LISTED_ERRORS = 100

_log = logging.getLogger("service.http")


def problem_type(title: str) -> str:
    """The problem type URI for a title: ``Invalid event`` -> ``...:problem:invalid-event``."""
    return TYPE_PREFIX + "-".join(title.lower().replace("'", "").split())


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    """A problem response; ``title`` defaults to the status phrase, ``errors`` lists each bad field."""
    title = title or HTTPStatus(status).phrase
    faults = [ProblemField(e.pointer, e.message) for e in (errors or [])[:MAX_LISTED_ERRORS]]
    if errors and len(errors) > MAX_LISTED_ERRORS:
        faults.append(ProblemField("$", f"... and {len(errors) - MAX_LISTED_ERRORS} more faults"))
    body = Problem(type=problem_type(title), title=title, status=status, detail=detail, errors=faults)
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def status_of(error: CommitmentError) -> int:
    """The HTTP status of a core error."""
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, OwnProposal):
        return 403
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, Unavailable):
        return 503
    if isinstance(error, TooLarge):
        return 413
    if isinstance(error, InvalidEvent):
        return 422
    return 400


def on_commitment_error(_: Request, error: CommitmentError) -> Response[Problem]:
    """Core errors: 422 invalid input, 404 not found, 409 conflict."""
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, Unavailable) else None
    return problem(status_of(error), error.detail, title=error.title, errors=error.errors, headers=headers)


def _fault(request: Request, item: dict[str, Any]) -> FieldError:
    """One of litestar's validation faults, named as the client names it: ``format``, not ``format_``."""
    key, message = str(item.get("key") or ""), str(item.get("message", "invalid value"))
    handler = request.route_handler
    if key == "data" and message == "'data'":  # no body at all: litestar finds no ``data`` to decode
        expects = getattr(handler.resolve_data_dto(), "expects", "a JSON body")
        return FieldError("$", f"the body is empty; send {expects}")
    parameter = handler.parsed_fn_signature.parameters.get(key) if key else None
    if parameter is None:
        return FieldError(key or "$", plain_message(message))
    name = getattr(parameter.kwarg_definition, "name", None) or key
    return FieldError(name, plain_message(message, choices_of(parameter.annotation)))


def _validation_faults(request: Request, extra: Any) -> list[FieldError]:
    return [_fault(request, item) for item in (extra if isinstance(extra, list) else []) if isinstance(item, dict)]


def on_http_exception(request: Request, error: HTTPException) -> Response[Problem]:
    """Litestar's own errors (validation, auth, routing, limits) as problems, keeping their headers."""
    status = error.status_code
    if status >= 500:
        _log.error("server error: %s", error.detail, exc_info=error)
        return problem(status, "the server failed to answer; the error has been logged")
    detail = error.detail or HTTPStatus(status).phrase
    faults = _validation_faults(request, error.extra) if isinstance(error, ValidationException) else []
    if isinstance(error, ValidationException) and faults:
        detail = "; ".join(f"{f.pointer}: {f.message}" for f in faults[:3])
    return problem(status, detail, errors=faults, headers=error.headers)


def on_unexpected(_: Request, error: Exception) -> Response[Problem]:
    """Anything else is a bug: log it with its traceback, tell the client nothing internal."""
    _log.error("unhandled error", exc_info=error)
    return problem(500, "the server failed to answer; the error has been logged")


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    CommitmentError: on_commitment_error,
    HTTPException: on_http_exception,
    Exception: on_unexpected,
}

_DESCRIPTIONS = {
    400: "Malformed request: a parameter of the wrong type or out of range, or a body that is empty or not JSON",
    401: "A bearer key is missing, unknown, wrong or revoked (writes always need one; reads only in private mode)",
    403: "The key's role does not allow this route (or review is required: send the events to `/proposals`)",
    404: "Nothing with that id (or no such path)",
    409: "Conflict: `If-Match` names a position that is no longer the log's end, or an id is reused",
    413: "The body or the batch is too large, or the answer asked for (a panel) would be",
    415: "The body is not `application/json`",
    422: "Well-formed but invalid: a bad date, a body field that is unknown, missing or wrong, or a reference to "
         "an id the log does not hold; `errors` names each",
    503: "The database is unreachable or busy for now; nothing was stored; retry after `Retry-After` seconds",
    429: "Too many writes, or too many requests with a wrong token, from this client address; retry after"
         " `Retry-After` seconds",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem responses an operation can give."""
    return {
        status: ResponseSpec(
            data_container=Problem, media_type=PROBLEM_MEDIA_TYPE, description=_DESCRIPTIONS[status],
            generate_examples=False,
        )
        for status in statuses
    }


#: What every read can answer besides success (401 and 429 in private mode: a missing or wrong token).
READ_PROBLEMS = (400, 401, 422, 429)
