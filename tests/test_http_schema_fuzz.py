"""Schemathesis against ``/schema``: generated requests for every operation get no 5xx and match the schema.

The service holds the seed timeline, so reads have something to answer, and the
bearer token is sent, so appends get past auth (and mostly end as documented 4xx).
"""

import datetime as dt
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from events import FixedClock
from service.app import create_app
from service.settings import Settings
from tests.conftest import AUTH, TOKEN

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def fuzzed_app():
    """A seeded service in memory (writes unthrottled, so the rate limit does not hide other answers)."""
    settings = Settings(database=":memory:", token=TOKEN, seed_if_empty=True, write_burst=1_000_000,
                        write_rate=1_000_000.0)
    return create_app(settings, clock=FixedClock(dt.datetime(2026, 1, 12, 12, tzinfo=dt.UTC)))


# Built at import: schemathesis makes one test per operation at collection time.
# The live feed never ends (it is tested with a real client in test_feed_sse.py).
schema = schemathesis.openapi.from_asgi("/schema/openapi.json", fuzzed_app()).exclude(path="/feed")


#: Generated examples per operation (bounded: the whole fuzz takes seconds).
MAX_EXAMPLES = 25
#: All requests of the fuzz together (see the last test).
MAX_REQUESTS = 20_000
#: Requests each operation received, by label (``GET /events``): checked by the last test of this module.
EXERCISED: Counter[str] = Counter()


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_answers_match_the_schema(case):
    EXERCISED[case.operation.label] += 1
    case.call_and_validate(headers=AUTH, checks=CHECKS)


def test_every_documented_operation_was_fuzzed_a_bounded_number_of_times(request):
    """Every operation ``/schema`` documents, except the live feed, got generated requests: none was filtered
    out or failed to load. Runs after the fuzz (file order); skipped when the fuzz was not selected."""
    documented = {f"{method.upper()} {path}" for path, operations in schema.raw_schema["paths"].items()
                  for method in operations if method in {"get", "put", "post", "delete", "patch"}}
    planned = {result.ok().label for result in schema.get_all_operations()}
    assert planned == documented - {"GET /feed"}
    fuzzed = [item for item in request.session.items
              if getattr(item, "originalname", None) == "test_no_server_errors_and_answers_match_the_schema"]
    if len(fuzzed) < len(planned):
        pytest.skip("the fuzz did not run for every operation in this session")
    assert set(EXERCISED) == planned, sorted(planned - set(EXERCISED))
    # Bounded, but not by MAX_EXAMPLES alone: besides the random phase (MAX_EXAMPLES per operation) schemathesis
    # runs a deterministic coverage phase, one request per boundary the schema declares -- some 5,000 for
    # POST /events, whose body is a union of every event type. Both end; this keeps an eye on the total.
    assert sum(EXERCISED.values()) <= MAX_REQUESTS, dict(EXERCISED)
