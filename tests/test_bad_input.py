"""Bad input, one table: each case is answered with a 4xx problem that names the fault, and the log is unchanged.

"Unchanged" means the same last position, the same :func:`~events.verify.log_checksum` and the
same projection :func:`~events.verify.checksums` before and after, and every table still there.
SQL metacharacters go into every string parameter: they are refused (4xx) or, where the
text is a valid id, give a correct empty answer (200) -- never a 5xx.

The service holds :func:`tests.conftest.coalition_world` and has small limits
(``max_batch_events=5``, ``max_body_bytes=64 KiB``) so that the 413 cases stay small.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar.testing import TestClient

from events import FixedClock
from events.tables import schema
from events.verify import checksums, log_checksum
from service.app import create_app
from service.settings import Settings
from tests.conftest import AUTH, TOKEN, coalition_world, make

MAX_EVENTS = 5
MAX_BODY = 64 * 1024
DROP = "'; DROP TABLE events; --"
JSON = {**AUTH, "Content-Type": "application/json"}


@dataclass(frozen=True)
class Case:
    """One request and what must come back: the status, and text that names the fault."""

    method: str
    path: str
    status: int
    names: str = ""  # a pointer or a word of the message (case-insensitive); for a 200, the list that is empty
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] | None = None


def stance(**fields: Any) -> dict[str, Any]:
    """A valid stance statement on the world's actors and topics, with fields overridden."""
    return make("stance.stated", **{"id": "new-stance", "actor": "fr", "topic": "money", "stance": "committed",
                                    **fields})


def without(obj: dict[str, Any], name: str) -> dict[str, Any]:
    """The object without one field."""
    return {k: v for k, v in obj.items() if k != name}


def post(obj: Any, status: int, names: str, headers: dict[str, str] | None = None, path: str = "/events") -> Case:
    """A POST of ``obj`` (JSON-encoded unless it is bytes) with the token and a JSON content type."""
    body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return Case("POST", path, status, names, body, JSON if headers is None else headers)


def get(path: str, status: int, names: str, /, **params: str) -> Case:
    """A GET with query parameters."""
    return Case("GET", path, status, names, params=params or None)


CASES = [
    # --- the body is not JSON, or not sent as JSON
    pytest.param(post(b'{"type": "stance.stated",', 400, "truncated"), id="malformed-json-truncated"),
    pytest.param(post(b'{"type": "stance.stated"} trailing', 400, "trailing characters"), id="malformed-json-trailing"),
    pytest.param(post(b"{'type': 'stance.stated'}", 400, "malformed"), id="malformed-json-single-quotes"),
    pytest.param(post(b'{"quantity": {"amount": NaN}}', 400, "malformed"), id="malformed-json-nan"),
    pytest.param(post(b"", 400, "the body is empty; send one event object"), id="empty-body"),
    pytest.param(post(stance(), 415, "Content-Type", {**AUTH, "Content-Type": "text/plain"}),
                 id="wrong-content-type-text"),
    pytest.param(post(b"type=stance.stated", 415, "application/x-www-form-urlencoded",
                      {**AUTH, "Content-Type": "application/x-www-form-urlencoded"}), id="wrong-content-type-form"),
    pytest.param(post(stance(), 415, "got none", {**AUTH}), id="no-content-type"),
    pytest.param(post(b"[" * 5000 + b"]" * 5000, 400, "nests too deeply"), id="deeply-nested-json"),
    pytest.param(post(b'{"summary": "\xff\xfe"}', 400, "can't decode byte 0xff"), id="non-utf8-bytes"),
    pytest.param(post(b'{"type": "stance.stated\x00"}', 400, "invalid character"), id="raw-nul-byte"),
    pytest.param(post(b"\xef\xbb\xbf" + json.dumps(stance()).encode(), 400, "invalid character"), id="utf8-bom"),
    # --- JSON, but not events
    pytest.param(post(5, 422, "an event object or an array"), id="not-an-object"),
    pytest.param(post([stance(id="ok-1"), "text"], 422, "$[1]"), id="array-with-a-non-object"),
    pytest.param(post(stance(type="stance.sneered"), 422, "$.type"), id="unknown-event-type"),
    pytest.param(post(without(stance(), "type"), 422, "the event type is missing"), id="missing-type"),
    pytest.param(post(stance(colour="blue"), 422, "$.colour"), id="unknown-field"),
    pytest.param(post(stance(sources=[{"outlet": "x", "colour": "blue"}]), 422, "$.sources[0].colour"),
                 id="unknown-nested-field"),
    pytest.param(post(without(stance(), "stance"), 422, "$.stance"), id="missing-field"),
    pytest.param(post(without(stance(), "sources"), 422, "$.sources"), id="missing-sources"),
    pytest.param(post(stance(sources=[]), 422, "$.sources"), id="empty-sources"),
    pytest.param(post(stance(actor=5), 422, "$.actor"), id="wrong-type-number-for-text"),
    pytest.param(post(stance(conditions="ceasefire"), 422, "$.conditions"), id="wrong-type-text-for-list"),
    pytest.param(post(stance(quantity={"amount": "lots", "unit": "EUR"}), 422, "$.quantity.amount"),
                 id="wrong-type-text-for-number"),
    pytest.param(post(json.dumps(stance(quantity={"amount": 0, "unit": "EUR"}))
                      .replace('"amount": 0', '"amount": 1e400').encode(), 400, "number out of range"),
                 id="number-out-of-range"),
    # --- dates
    pytest.param(post(stance(occurred="yesterday"), 422, "$.occurred"), id="date-not-edtf"),
    pytest.param(post(stance(occurred="2026-02-30"), 422, "day 30 does not exist"), id="date-impossible-day"),
    pytest.param(post(stance(occurred="2026-13"), 422, "month 13 does not exist"), id="date-impossible-month"),
    pytest.param(post(stance(occurred="20260106"), 422, "ISO 8601 basic form"), id="date-compact"),
    pytest.param(post(stance(occurred="2004-06~-11"), 422, "EDTF level 2 date (a qualifier on one component"),
                 id="date-edtf-level-2"),
    pytest.param(post(stance(occurred="0000-01-01"), 422, "year 0000"), id="date-year-zero"),
    pytest.param(post(stance(occurred="2026-01-09/2026-01-06"), 422, "ends before it starts"),
                 id="interval-end-before-start"),
    pytest.param(post(stance(period="2026-06/2026-01"), 422, "$.period"), id="period-end-before-start"),
    pytest.param(post(stance(sources=[{"outlet": "x", "published": "2026-02-29"}]), 422, "$.sources[0].published"),
                 id="published-not-a-leap-year"),
    pytest.param(post(make("condition.declared", id="c-new", condition="c-new", description="d",
                           deadline="2026-04-31"), 422, "$.deadline"), id="deadline-impossible"),
    # --- the vocabulary and the references
    pytest.param(post(stance(stance="maybe"), 422, "$.stance"), id="stance-outside-vocabulary"),
    pytest.param(post(make("condition.changed", id="cc", condition="ceasefire", status="sort-of"), 422, "$.status"),
                 id="condition-status-outside-vocabulary"),
    pytest.param(post(make("actor.registered", id="r-x", actor="x", name="X", kind="empire"), 422, "$.kind"),
                 id="actor-kind-outside-vocabulary"),
    pytest.param(post(stance(actor="atlantis"), 422, "unknown actor 'atlantis'"), id="unknown-actor"),
    pytest.param(post(stance(topic="space"), 422, "unknown topic 'space'"), id="unknown-topic"),
    pytest.param(post(stance(stance="conditional", conditions=["rapture"]), 422, "unknown condition 'rapture'"),
                 id="unknown-condition"),
    pytest.param(post(make("group.joined", id="gj", group="coalition", member="atlantis"), 422,
                      "unknown actor 'atlantis'"), id="unknown-member"),
    pytest.param(post(make("event.corrected", id="fx", corrects="nope", retracted=True), 422, "unknown event 'nope'"),
                 id="correction-of-unknown-event"),
    pytest.param(post(make("event.corrected", id="fx", corrects="de-troops"), 422, "replacement"),
                 id="correction-without-replacement"),
    pytest.param(post(make("event.corrected", id="fx", corrects="de-troops", replacement={"type": "claim.made"}),
                      422, "cannot change an event's id or type"), id="correction-changing-the-type"),
    pytest.param(post(make("event.corrected", id="fx", corrects="reg-fr", retracted=True), 422, "registration"),
                 id="retracting-a-registration"),
    # --- what the store assigns
    pytest.param(post(stance(position=1), 422, "$.position"), id="client-supplied-position"),
    pytest.param(post(stance(recorded="2026-01-01T00:00:00Z"), 422, "$.recorded"), id="client-supplied-recorded"),
    # --- sizes
    pytest.param(post(stance(summary="x" * (MAX_BODY + 1)), 413, "Request Entity Too Large"), id="oversized-body"),
    pytest.param(post([stance(id=f"many-{i}") for i in range(MAX_EVENTS + 1)], 413, f"at most {MAX_EVENTS} events"),
                 id="too-many-events"),
    pytest.param(post(stance(summary="x" * 60_000), 422, "$.summary"), id="huge-string"),
    pytest.param(post(stance(id="i" * 129), 422, "$.id"), id="huge-id"),
    pytest.param(post(stance(tags=["t"] * 51), 422, "$.tags"), id="too-many-tags"),
    # --- NUL, odd characters, traversal
    pytest.param(post(stance(summary="a\u0000b"), 422, "NUL"), id="nul-in-text"),
    pytest.param(post(make("meeting.held", id="m-nul", title="Summit\u0000"), 422, "$.title"), id="nul-in-title"),
    pytest.param(post(stance(id="new\u0000id"), 422, "$.id"), id="nul-in-id"),
    pytest.param(post(stance(id="../../etc/passwd"), 422, "$.id"), id="path-traversal-in-id"),
    pytest.param(post(stance(id="ünïcode"), 422, "$.id"), id="non-ascii-id"),
    pytest.param(post(stance(actor=DROP), 422, "$.actor"), id="sql-in-actor-field"),
    pytest.param(post(stance(id=DROP), 422, "$.id"), id="sql-in-id-field"),
    # --- conflicts and compare-and-append
    pytest.param(post(stance(id="paris-summit"), 409, "already stored"), id="duplicate-id-other-content"),
    pytest.param(post([stance(id="twice"), stance(id="twice", stance="declined")], 409, "$[1].id"),
                 id="duplicate-id-within-the-batch"),
    pytest.param(post(stance(), 409, "expected the log to end at position 1", {**JSON, "If-Match": "1"}),
                 id="if-match-stale"),
    pytest.param(post(stance(), 400, "If-Match", {**JSON, "If-Match": "latest"}), id="if-match-not-a-number"),
    pytest.param(post(stance(), 400, "If-Match", {**JSON, "If-Match": "-1"}), id="if-match-negative"),
    # --- query parameters
    pytest.param(get("/stances", 422, "at", at="yesterday"), id="at-yesterday"),
    pytest.param(get("/stances", 422, "at='2026-02-30' is not a day", at="2026-02-30"), id="at-impossible-day"),
    pytest.param(get("/stances", 422, "at='2026-01' is not a day", at="2026-01"), id="at-a-month"),
    pytest.param(get("/stances", 422, "known_at", known_at="yesterday"), id="known-at-not-an-instant"),
    pytest.param(get("/stances", 422, "known_at", known_at="2026-01-07T12:00:00"), id="known-at-without-offset"),
    pytest.param(get("/diff", 400, "from"), id="diff-without-from"),
    pytest.param(get("/diff", 422, "to", **{"from": "2026-01-07", "to": "2026-01-01"}), id="diff-to-before-from"),
    pytest.param(get("/events", 400, "limit", limit="0"), id="limit-zero"),
    pytest.param(get("/events", 400, "limit", limit="ten"), id="limit-not-a-number"),
    pytest.param(get("/events", 400, "after", after="-1"), id="after-negative"),
    pytest.param(get("/timeline", 400, "format", format="svg"), id="format-unknown"),
    pytest.param(get("/events", 400, "type", type="stance.sneered"), id="type-unknown"),
    pytest.param(get("/conditions", 400, "status", status="maybe"), id="status-unknown"),
    pytest.param(get("/changes", 400, "kind", kind="old"), id="kind-unknown"),
    pytest.param(get("/actors/atlantis", 404, "atlantis"), id="unknown-actor-path"),
    pytest.param(get("/events/no-such-event", 404, "no-such-event"), id="unknown-event-path"),
    # an encoded / is decoded before routing: the path then leads nowhere
    pytest.param(get("/events/..%2F..%2Fetc%2Fpasswd", 404, "not found"), id="path-traversal-in-event-path"),
    pytest.param(get("/actors/..%2f..%2fetc%2fpasswd/stances", 404, "not found"), id="path-traversal-in-actor-path"),
    pytest.param(get("/events/..%5C..%5Cwindows%5Cwin.ini", 400, "event_id"), id="backslash-traversal-in-event-path"),
    # --- SQL metacharacters in every string parameter: refused, or a correct empty answer
    pytest.param(get("/events", 400, "actor", actor=DROP), id="sql-in-actor"),
    pytest.param(get("/stances", 400, "topic", topic=DROP), id="sql-in-topic"),
    pytest.param(get("/events", 400, "type", type=DROP), id="sql-in-type"),
    pytest.param(get("/changes", 400, "kind", kind=DROP), id="sql-in-kind"),
    pytest.param(get("/conditions", 400, "status", status=DROP), id="sql-in-status"),
    pytest.param(get("/timeline", 400, "format", format=DROP), id="sql-in-format"),
    pytest.param(get("/stances", 422, "at", at=DROP), id="sql-in-at"),
    pytest.param(get("/stances", 422, "known_at", known_at=DROP), id="sql-in-known-at"),
    pytest.param(get("/diff", 422, "from", **{"from": DROP}), id="sql-in-from"),
    pytest.param(get("/timeline", 422, "to", to=DROP), id="sql-in-to"),
    pytest.param(get("/changes", 400, "actor", actor=DROP), id="sql-in-changes-actor"),
    pytest.param(get("/diff", 400, "topic", **{"from": "2026-01-01", "topic": DROP}), id="sql-in-diff-topic"),
    pytest.param(get("/events/'%3B%20DROP%20TABLE%20events%3B%20--", 400, "event_id"), id="sql-in-event-id"),
    pytest.param(get("/actors/'%20OR%20'1'%3D'1", 400, "actor_id"), id="sql-in-actor-id"),
    pytest.param(get("/history/fr/'%3B%20DROP%20TABLE%20events%3B%20--", 400, "topic_id"), id="sql-in-topic-id"),
    # ids may hold - and : so these pass the pattern and are looked up as ids: nothing matches
    pytest.param(get("/events", 200, "events", actor="fr--"), id="sql-comment-as-an-actor-id"),
    pytest.param(get("/stances", 200, "rows", topic="1:OR:1"), id="sql-or-as-a-topic-id"),
    pytest.param(get("/changes", 200, "changes", actor="x--", topic="y--"), id="sql-comment-in-changes"),
    pytest.param(get("/timeline", 200, "events", actor="--", topic="--"), id="sql-comment-in-timeline"),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A service on a file, holding the small world, with small limits and no rate limit."""
    settings = Settings(database=str(tmp_path_factory.mktemp("bad") / "bad.db"), token=TOKEN,
                        max_batch_events=MAX_EVENTS, max_body_bytes=MAX_BODY, write_burst=10**6, write_rate=10**6)
    app = create_app(settings, clock=FixedClock(dt.datetime(2026, 1, 12, 12, tzinfo=dt.UTC)))
    with TestClient(app) as test_client:
        world = coalition_world()
        for start in range(0, len(world), MAX_EVENTS):
            response = test_client.post("/events", json=world[start : start + MAX_EVENTS], headers=AUTH)
            assert response.status_code == 201, response.text
        yield test_client


def state(client) -> tuple:
    """The log's last position, its checksum and the projections' checksums."""
    store = client.app.state.services.store
    with store.reading() as tx:
        return store.last_position(), log_checksum(tx), checksums(tx)


def tables(client) -> set[str]:
    """The tables the database holds."""
    with client.app.state.services.store.reading() as tx:
        return {row[0] for row in tx.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_the_table_is_big_enough():
    assert len(CASES) >= 40 and len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_refused_naming_the_fault_and_changes_nothing(client, case):
    before = state(client)
    response = client.request(case.method, case.path, content=case.body, headers=case.headers, params=case.params)
    assert response.status_code == case.status, response.text[:500]
    if case.status == 200:
        assert response.json()[case.names] == []
    else:
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert set(body) == {"type", "title", "status", "detail", "errors"} and body["status"] == case.status
        said = " ".join([body["title"], body["detail"], *(f"{e['pointer']} {e['message']}" for e in body["errors"])])
        assert case.names.lower() in said.lower(), said
    assert state(client) == before, "the log or its projections changed"
    assert {table.name for table in schema.TABLES} <= tables(client)


def test_sql_metacharacters_in_free_text_are_stored_verbatim(client):
    """Free text may hold anything printable: stored as sent, because every query binds its parameters."""
    event = stance(id="quoted", summary=DROP, sources=[{"outlet": "Robert'); DROP TABLE Students;--"}])
    assert client.post("/events", json=event, headers=AUTH).status_code == 201
    stored = client.get("/events/quoted").json()
    assert stored["summary"] == DROP and stored["sources"][0]["outlet"].startswith("Robert');")
    assert {table.name for table in schema.TABLES} <= tables(client)


def test_nul_in_text_is_a_422_on_every_backend(store, clock, tmp_path):
    """PostgreSQL text cannot hold NUL (SQLite can): the decoder refuses it, so neither backend answers 500."""
    settings = Settings(database=str(tmp_path / "unused.db"), token=TOKEN, write_burst=10**6, write_rate=10**6)
    with TestClient(create_app(settings, store=store, clock=clock)) as test_client:
        before = store.last_position()
        for obj in (make("meeting.held", id="m-nul", title="Summit\u0000"),
                    make("meeting.held", id="m-nul", title="Summit", sources=[{"outlet": "\u0000"}])):
            response = test_client.post("/events", json=obj, headers=AUTH)
            assert response.status_code == 422, response.text
            assert "NUL" in response.json()["errors"][0]["message"]
        assert store.last_position() == before
