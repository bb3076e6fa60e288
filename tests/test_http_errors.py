"""Every error is RFC 9457 problem JSON, and nothing a client sends makes the server fail with a 5xx."""

import pytest

from service import answers
from service.http.errors import MAX_LISTED_ERRORS, TYPE_PREFIX
from tests.conftest import AUTH, make


def problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "errors"}
    assert body["status"] == status and body["type"].startswith(TYPE_PREFIX) and body["title"] and body["detail"]
    assert all(set(e) == {"pointer", "message"} for e in body["errors"])
    return body


def test_problem_types_name_the_kind_of_error(service_world):
    assert problem(service_world.get("/events/nope"), 404)["type"] == TYPE_PREFIX + "not-found"
    assert problem(service_world.get("/stances?at=x"), 422)["type"] == TYPE_PREFIX + "invalid-date"
    assert problem(service_world.get("/events?limit=x"), 400)["type"] == TYPE_PREFIX + "bad-request"


def test_litestar_routing_errors_are_problems_too(service_world):
    problem(service_world.get("/no/such/path"), 404)
    problem(service_world.delete("/events"), 405)
    problem(service_world.put("/stances", json={}), 405)


def test_a_failure_inside_is_a_500_problem_that_reveals_nothing(service_world, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(answers, "matrix", broken)
    body = problem(service_world.get("/stances"), 500)
    assert "secret" not in body["detail"]
    assert "secret internals" in caplog.text  # but it is logged


def test_a_huge_batch_of_faults_lists_a_bounded_number(service_world):
    bad = [make("stance.stated", actor="fr", topic="troops", stance="maybe") for _ in range(300)]
    body = problem(service_world.post("/events", json=bad, headers=AUTH), 422)
    assert len(body["errors"]) == MAX_LISTED_ERRORS + 1
    assert "200 more" in body["errors"][-1]["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/events/%00", "/events/" + "x" * 10_000, "/events/'%20OR%201=1--", "/events/..%2f..%2fetc%2fpasswd",
        "/actors/%ff%fe", "/actors/fr%00/stances", "/history/fr/%E2%80%AE", "/stances?at=%ff",
        "/stances?at=" + "9" * 5000, "/stances?known_at=%ff", "/stances?known_at=9999-99-99T99:99:99Z",
        "/stances?actor=%ff", "/events?after=99999999999999999999999", "/events?limit=1e3", "/events?type=%00",
        "/changes?after=-0", "/timeline?format=", "/timeline?from=0000-01-01", "/diff?from=2026-01-01&to=9999-12-31",
        "/conditions?status=", "/actors/fr?at=2026-01-07&at=2026-01-08",
    ],
)
def test_hostile_reads_get_a_client_answer(service_world, path):
    response = service_world.get(path)
    assert response.status_code < 500, (path, response.text)
    if response.status_code >= 400:
        problem(response, response.status_code)


@pytest.mark.parametrize(
    "body",
    [b"null", b"[]", b"[null]", b'"text"', b"[[]]", b'{"type": null}', b'{"type": 5}',
     b'{"type": "stance.stated", "occurred": {"$gt": ""}}', b'[{"type": "actor.registered"}]' * 1,
     b'{"type": "stance.stated", "summary": "' + b"x" * 100_000 + b'"}', b'{"a": 1e400}', b"\xef\xbb\xbf{}",
     b'{"type": "event.corrected", "occurred": "2026-01-06", "sources": [{"outlet": "x"}], "summary": "s",'
     b' "corrects": "de-troops", "replacement": {"actor": {"deep": [1, 2, {"x": null}]}}}',
     b'{"type": "stance.stated", "id": "a", "occurred": "2026-01-06", "sources": [{"outlet": "x"}], "summary": "s",'
     b' "actor": "fr", "topic": "troops", "stance": "committed", "quantity": {"amount": 1e308, "unit": "x"}}'],
)
def test_hostile_writes_get_a_client_answer(service_world, body):
    response = service_world.post("/events", content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code < 500, (body[:80], response.text)
    if response.status_code >= 400:
        problem(response, response.status_code)


def test_every_faulty_event_of_a_batch_is_listed_at_once_decoding_faults_and_references_together(service_world):
    """The unknown actor of $[0] is named in the same answer as the decoding faults of $[1] and $[2]; $[3] names
    the actor that the faulty $[2] registers, which is that event's fault, not its own."""
    batch = [
        make("stance.stated", actor="atlantis", topic="troops", stance="committed"),
        make("stance.stated", "2026-13", actor="fr", topic="troops", stance="committed"),
        make("actor.registered", actor="newbie", name="", kind="state"),
        make("stance.stated", actor="newbie", topic="money", stance="reluctant"),
        make("stance.stated", actor="gb", topic="narnia", stance="supportive"),
    ]
    body = problem(service_world.post("/events", json=batch, headers=AUTH), 422)
    assert body["type"] == TYPE_PREFIX + "invalid-event"
    assert [(e["pointer"], e["message"]) for e in body["errors"]] == [
        ("$[0].actor", "unknown actor 'atlantis'"),
        ("$[1].occurred", "month 13 does not exist in '2026-13'; use 01-12, or 21-24 for a season"
                          " (e.g. 2025-03, 2025-21)"),
        ("$[2].name", "must not be empty"),
        ("$[4].topic", "unknown topic 'narnia'"),
    ]
    assert service_world.get("/health").json()["last_position"] == 14  # nothing stored


@pytest.mark.parametrize(("path", "status", "kind", "pointer", "words"), [
    ("/timeline?format=svg", 400, "bad-request", "format", "'svg' is not one of: native, timelinejs, vis"),
    ("/events?limit=0", 400, "bad-request", "limit", "must be at least 1"),
    ("/events?after=abc", 400, "bad-request", "after", "must be a whole number"),
    ("/stances?known_at=soon", 422, "invalid-date", "known_at", "'soon' is not an RFC 3339 instant"),
    ("/diff?from=2026-02-30", 422, "invalid-date", "from", "from='2026-02-30' is not a day"),
])
def test_parameter_faults_name_the_parameter_as_the_client_wrote_it(service_world, path, status, kind, pointer, words):
    body = problem(service_world.get(path), status)
    assert body["type"] == TYPE_PREFIX + kind
    [fault] = body["errors"]
    assert fault["pointer"] == pointer and fault["message"].startswith(words), body
