"""Schemathesis against ``/schema``: generated requests for every operation get no 5xx and match the schema.

The service holds the seed timeline, so reads have something to answer, and the
bearer token is sent, so appends get past auth (and mostly end as documented 4xx).
"""

import datetime as dt

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
schema = schemathesis.openapi.from_asgi("/schema/openapi.json", fuzzed_app())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_answers_match_the_schema(case):
    case.call_and_validate(headers=AUTH, checks=CHECKS)
