"""The OpenAPI document states what the server accepts: its patterns agree with the parsers, and Allow is true.

The fuzz (tests/test_http_schema_fuzz.py) checks the whole document against the running
server; these tests pin each rule it once found missing, and check each pattern against the
parser that decides, in both directions.
"""

from __future__ import annotations

import re

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import InvalidEvent, dates
from events.model.clock import INSTANT_PATTERN, parse_instant
from events.subscriptions import URL_PATTERN, check_url
from service.http.params import IF_MATCH_PATTERN, parse_if_match
from tests.conftest import AUTH


@pytest.fixture
def document(service_api):
    return service_api.get("/schema/openapi.json").json()


def parameter(document, path, method, name):
    return next(p for p in document["paths"][path][method]["parameters"] if p["name"] == name)


def valid(document, schema, value) -> bool:
    return jsonschema_rs.Draft202012Validator({**schema, "components": document["components"]}).is_valid(value)


# --- what schemathesis found: requests the document allowed and the server refused -------------------------


@pytest.mark.parametrize(("path", "name", "value"), [
    ("/actors", "known_at", "0" * 63),
    ("/stances", "known_at", "2026-01-07"),
    ("/timeline", "to", "0" * 63),
    ("/diff", "from", "2026-02-30"),
    ("/events", "after", 4611686018427387999),
    ("/changes", "after", 10**18),
])
def test_parameters_the_server_refuses_are_outside_the_document(document, path, name, value):
    schema = parameter(document, path, "get", name)["schema"]
    assert not valid(document, schema, value), (path, name, value)


def test_bodies_the_server_refuses_are_outside_the_document(document):
    event = {"type": "actor.registered", "actor": "xx", "name": "X", "kind": "state", "occurred": "2026-01-07",
             "summary": "s", "sources": [{"outlet": "o"}]}
    registered = {"$ref": "#/components/schemas/ActorRegistered"}
    assert valid(document, registered, event)
    assert not valid(document, registered, {**event, "occurred": ""})
    assert not valid(document, registered, {**event, "colour": "blue"})
    assert not valid(document, registered, {**event, "summary": "a\u0000b"})
    subscription = {"$ref": "#/components/schemas/NewSubscription"}
    assert valid(document, subscription, {"url": "https://example.org/h"})
    assert not valid(document, subscription, {"url": "https://example.org/h", "": [None]})
    assert not valid(document, subscription, {"url": "https://example.org/h", "after": -1})
    assert not valid(document, subscription, {"url": "example.org/h"})
    if_match = parameter(document, "/events", "post", "If-Match")["schema"]
    assert not valid(document, if_match, "") and not valid(document, if_match, None)
    assert valid(document, if_match, "87") and valid(document, if_match, 'W/"87"')


def test_options_lists_every_method_of_every_path(service_api, document):
    for path, item in document["paths"].items():
        documented = {method.upper() for method in item if method in {"get", "post", "put", "patch", "delete"}}
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        response = service_api.options(concrete, headers=AUTH)
        assert response.status_code == 204, (path, response.text)
        assert set(response.headers["allow"].split(", ")) == documented | {"OPTIONS"}, (path, response.headers)


# --- each pattern against the parser that decides -------------------------------------------------------------

FEW = settings(max_examples=300, deadline=None)


@FEW
@given(st.from_regex(INSTANT_PATTERN, fullmatch=True))
def test_every_instant_the_pattern_allows_is_parsed(text):
    parse_instant(text)


@pytest.mark.parametrize("text", ["2026-01-07T12:00Z", "2026-01-07t12:00:00.5z", "2026-01-07 12:00:00+01:00",
                                  "1000-01-01T00:00:00+01:00", "9998-12-31T23:59:59-05:00"])
def test_instants_the_server_takes_match_the_pattern(text):
    parse_instant(text)
    assert re.fullmatch(INSTANT_PATTERN, text)


@pytest.mark.parametrize("text", ["yesterday", "2026-01-07T12Z", "20260107T120000Z", "2026-02-30T00:00:00Z",
                                  "0999-12-31T00:00:00Z", "2026-01-07T12:00:00"])
def test_instants_the_server_refuses_are_outside_the_pattern(text):
    with pytest.raises(InvalidEvent) as refused:
        parse_instant(text)
    assert refused.value.title == "Invalid date"
    assert not re.fullmatch(INSTANT_PATTERN, text)


@FEW
@given(st.from_regex(dates.PATTERN, fullmatch=True))
def test_every_date_the_pattern_allows_is_parsed_unless_it_runs_backwards(text):
    try:
        dates.parse(text)
    except InvalidEvent as refused:  # the two rules no pattern states (docs/api.md)
        assert "ends before it starts" in refused.detail or "falls outside the years 0001 to 9999" in refused.detail, \
            text


DOCUMENTED_DATES = [re.sub(r" \(.*?\)", "", example) for example in re.split(r", | or ", dates.EXAMPLES)]


@pytest.mark.parametrize("text", [*DOCUMENTED_DATES, "2024-02-29", "2000-02-29", "0001"])
def test_the_documented_date_forms_match_the_pattern(text):
    dates.parse(text)
    assert re.fullmatch(dates.PATTERN, text), text


@pytest.mark.parametrize("text", ["", "2023-02-29", "1900-02-29", "0000", "2025-13", "../..", "2025-1-7"])
def test_dates_the_server_refuses_are_outside_the_pattern(text):
    with pytest.raises(InvalidEvent):
        dates.parse(text)
    assert not re.fullmatch(dates.PATTERN, text)


@FEW
@given(st.from_regex(dates.DAY_PATTERN, fullmatch=True))
def test_every_day_the_pattern_allows_is_a_day(text):
    dates.parse_day(text)


@FEW
@given(st.from_regex(URL_PATTERN, fullmatch=True))
def test_every_callback_the_pattern_allows_is_accepted(url):
    check_url(url)


@FEW
@given(st.from_regex(IF_MATCH_PATTERN, fullmatch=True))
def test_every_if_match_the_pattern_allows_is_read(text):
    assert parse_if_match(text) == int(text.removeprefix("W/").strip('"'))
