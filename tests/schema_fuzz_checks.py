"""Schemathesis hooks for tests/test_http_schema_fuzz.py (loaded by the CLI through ``SCHEMATHESIS_HOOKS``).

One check replaces schemathesis's ``positive_data_acceptance`` (a request the schema allows
must not be refused): the same check, except for refusals that no schema can foresee
because they depend on what the log holds or on two values together. Such a 422 passes
only when every fault it lists is one of these:

* a reference to an id the log does not hold (``unknown actor 'x'``);
* an id the log already defines, or a correction the corrected event does not allow
  (a correction's ``replacement`` fields are checked against the corrected event's type);
* ``to`` before ``from``, or an interval that ends before it starts;
* a date-time whose UTC offset moves it out of the years 0001 to 9999 (its day and offset together);
* an editor's ruling on competing reports naming one event twice, or an event that states no stance of the ruling's
  actor on its topic (docs/events.md, ``dispute.settled`` and ``change.confirmed``).

* ``as_of_position`` past the log's end.

Besides these 422s, two refusals pass: a search query the query language cannot read (400
``invalid-query``: a grammar of quotes, operators and words that a pattern would state only
unreadably), and a panel too large to send (413 ``answer-too-large``: dates and the log's
actor-topic pairs together).

docs/api.md says the same to clients. Any other refusal of a schema-valid request fails the run.

A second check replaces ``negative_data_rejection`` (a request the schema forbids must be
refused) in one case the issue of previews sets: ``POST /events?dry_run=true`` answers a
batch the append would refuse with 200 and the faults in ``problems`` (docs/api.md, "Preview
an append"). Such an answer passes only when ``problems`` is not empty; any other acceptance
of a schema-violating request fails the run.
"""

from __future__ import annotations

import json
import re

import schemathesis
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

#: Faults decided by the log's contents or by two values together (see the module docstring).
BEYOND_THE_SCHEMA = re.compile("|".join([
    r"unknown (actor|topic|condition|claim|declaration|event) '.*'",
    r".* is already defined by event '.*'; correct that event instead",
    r"a correction cannot be corrected; correct the original event",
    r"event '.*' is already retracted",
    r"a registration cannot be retracted \(other events name it\); correct it",
    r"a correction cannot change the id an event defines",
    r"'to' \(.*\) is before 'from' \(.*\); swap them",
    r"the interval '.*' ends before it starts; use e\.g\. .*",
    r"a ruling needs two different events",
    r"'.*' falls outside the years 0001 to 9999 in UTC",
    r"event '.*' states no stance of .* on .*",
    r"as_of_position=\d+ is past the log's end \(\d+\)",
]))
#: Refusals of another status that no schema can foresee (see the module docstring): status -> problem type ending.
OTHER_REFUSALS = {400: ":invalid-query", 413: ":answer-too-large"}


#: The fields of a correction's replacement, which the corrected event's type decides.
REPLACEMENT_FIELD = re.compile(r"\$(\[\d+\])?\.replacement([.\[].*)?")


def decided_beyond_the_schema(status: int, body: bytes) -> bool:
    """True for a 422 problem whose every fault is one no schema can state, or one of :data:`OTHER_REFUSALS`."""
    if status in OTHER_REFUSALS:
        try:
            return str(json.loads(body)["type"]).endswith(OTHER_REFUSALS[status])
        except (ValueError, KeyError, TypeError):
            return False
    if status != 422:
        return False
    try:
        faults = json.loads(body)["errors"]
    except (ValueError, KeyError, TypeError):
        return False
    return bool(faults) and all(BEYOND_THE_SCHEMA.fullmatch(fault["message"])
                                or REPLACEMENT_FIELD.fullmatch(fault["pointer"]) for fault in faults)


@schemathesis.check
def positive_data_accepted_unless_the_log_decides(ctx, response, case):
    """``positive_data_acceptance``, save for the refusals :data:`BEYOND_THE_SCHEMA` names."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except AssertionError:
        if decided_beyond_the_schema(response.status_code, response.content):
            return None
        raise


def previewed_with_problems(case, status: int, body: bytes) -> bool:
    """True for a dry run of ``POST /events`` answered 200 with at least one problem: the preview's refusal."""
    if case.method.upper() != "POST" or case.path != "/events" or status != 200:
        return False
    if str((case.query or {}).get("dry_run", "")).lower() not in {"true", "1"}:
        return False
    try:
        return bool(json.loads(body)["problems"])
    except (ValueError, KeyError, TypeError):
        return False


@schemathesis.check
def negative_data_rejected_or_previewed(ctx, response, case):
    """``negative_data_rejection``, save for dry runs that report the faults (:func:`previewed_with_problems`)."""
    try:
        return negative_data_rejection(ctx, response, case)
    except AssertionError:
        if previewed_with_problems(case, response.status_code, response.content):
            return None
        raise
