"""``POST /events`` and ``GET /events``: appends, idempotent retries, compare-and-append, limits, reading the log."""

import json

import pytest
from litestar.testing import TestClient

from service.app import create_app
from tests.conftest import AUTH, coalition_world, make, registrations

JSON = {**AUTH, "Content-Type": "application/json"}


def stance(id_, actor="fr", topic="troops", stance_="committed", occurred="2026-01-07"):
    return make("stance.stated", occurred, id=id_, actor=actor, topic=topic, stance=stance_)


def assert_problem(response, status, pointer=None):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert {"type", "title", "status", "detail", "errors"} <= set(body) and body["status"] == status
    if pointer is not None:
        assert pointer in [e["pointer"] for e in body["errors"]], body
    return body


def test_one_event_or_an_array_is_appended_with_201(service_api):
    first = service_api.post("/events", json=registrations(), headers=AUTH)
    assert first.status_code == 201
    body = first.json()
    assert [a["position"] for a in body["appended"]] == list(range(1, 9))
    assert body["appended"][0]["id"] == "reg-fr" and body["last_position"] == 8
    one = service_api.post("/events", json=stance("s1"), headers=AUTH)
    assert one.status_code == 201 and one.json()["appended"] == [{"id": "s1", "position": 9}]


def test_an_identical_retry_answers_200_with_the_original_positions(service_world):
    again = service_world.post("/events", json=coalition_world(), headers=AUTH)
    assert again.status_code == 200
    assert again.json()["appended"][0] == {"id": "reg-fr", "position": 1}
    assert again.json()["created"] is False


def test_events_without_ids_get_ids_assigned(service_world):
    response = service_world.post("/events", json=make("stance.stated", actor="fr", topic="money", stance="supportive"),
                          headers=AUTH)
    assert response.status_code == 201
    assigned = response.json()["appended"][0]["id"]
    assert service_world.get(f"/events/{assigned}").json()["stance"] == "supportive"


def test_if_match_appends_only_at_the_expected_position(service_world):
    last = service_world.get("/events", params={"after": 0, "limit": 1000}).json()["next_after"]
    ok = service_world.post("/events", json=stance("s1"), headers={**AUTH, "If-Match": str(last)})
    assert ok.status_code == 201 and ok.json()["last_position"] == last + 1
    stale = service_world.post("/events", json=stance("s2"), headers={**AUTH, "If-Match": f'"{last}"'})
    body = assert_problem(stale, 409)
    assert "expected the log to end at position" in body["detail"]
    assert service_world.get("/events/s2").status_code == 404


def test_a_reused_id_with_other_content_is_409(service_world):
    response = service_world.post("/events", json=stance("de-troops", actor="de", stance_="committed"), headers=AUTH)
    assert_problem(response, 409, "$[0].id")


def test_a_malformed_if_match_is_400(service_world):
    response = service_world.post("/events", json=stance("s1"), headers={**AUTH, "If-Match": "latest"})
    assert_problem(response, 400, "If-Match")


def test_unknown_fields_and_bad_values_are_422_naming_each(service_world):
    bad = [stance("ok"), {**stance("x"), "colour": "blue"}, {**stance("y"), "occurred": "2026-02-30"}]
    body = assert_problem(service_world.post("/events", json=bad, headers=AUTH), 422)
    assert {e["pointer"] for e in body["errors"]} == {"$[1].colour", "$[2].occurred"}
    assert service_world.get("/events/ok").status_code == 404  # atomic: nothing stored


def test_store_assigned_fields_may_not_be_sent(service_world):
    assert_problem(service_world.post("/events", json={**stance("s"), "position": 1}, headers=AUTH), 422, "$.position")


def test_unknown_references_are_422(service_world):
    body = assert_problem(service_world.post("/events", json=stance("s", actor="xx"), headers=AUTH), 422, "$[0].actor")
    assert body["title"] == "Unknown reference"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b"{", "application/json"), (b'{"a": "\xff"}', "application/json"), (b"[" * 100_000, "application/json"),
     (b"", "application/json"), (b"\xff\xfe", "application/json")],
    ids=["truncated", "not-utf8", "deeply-nested", "empty", "binary"],
)
def test_malformed_bodies_are_400(service_api, content, content_type):
    assert_problem(service_api.post("/events", content=content, headers={**AUTH, "Content-Type": content_type}), 400)


def test_a_json_value_that_is_not_an_event_is_422(service_api):
    assert_problem(service_api.post("/events", content=b"42", headers=JSON), 422, "$")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", ""])
def test_other_media_types_are_415(service_api, content_type):
    headers = {**AUTH, "Content-Type": content_type} if content_type else AUTH
    body = assert_problem(service_api.post("/events", content=json.dumps(stance("s")), headers=headers), 415)
    assert "application/json" in body["detail"]


def test_json_with_a_charset_or_a_json_suffix_is_accepted(service_api):
    for content_type in ("application/json; charset=utf-8", "application/vnd.commitments+json"):
        response = service_api.post("/events", content=json.dumps(registrations()), headers={**AUTH,
                                                                                    "Content-Type": content_type})
        assert response.status_code in (200, 201)


def test_a_body_over_the_size_limit_is_413(service_settings, clock):
    app = create_app(service_settings.replace(max_body_bytes=2000), clock=clock)
    with TestClient(app) as client:
        assert_problem(client.post("/events", json=registrations() * 3, headers=AUTH), 413)
        assert client.post("/events", json=registrations()[:1], headers=AUTH).status_code == 201


def test_a_batch_over_the_event_limit_is_413(service_settings, clock):
    app = create_app(service_settings.replace(max_batch_events=3), clock=clock)
    with TestClient(app) as client:
        body = assert_problem(client.post("/events", json=registrations(), headers=AUTH), 413)
        assert "at most 3 events" in body["detail"]


def test_the_log_reads_in_pages_with_position_and_recorded(service_world):
    first = service_world.get("/events", params={"limit": 3}).json()
    assert [e["position"] for e in first["events"]] == [1, 2, 3] and first["next_after"] == 3
    assert first["events"][0]["recorded"] == "2026-01-06T12:00:00.000000Z"
    assert first["events"][0]["type"] == "actor.registered" and first["events"][0]["id"] == "reg-fr"
    rest = service_world.get("/events", params={"after": 3, "limit": 1000}).json()
    assert rest["events"][0]["position"] == 4
    end = service_world.get("/events", params={"after": rest["next_after"]}).json()
    assert end == {"events": [], "next_after": rest["next_after"]}


def test_the_log_filters_by_type_actor_and_topic(service_world):
    stances = service_world.get("/events", params={"type": "stance.stated"}).json()["events"]
    assert {e["id"] for e in stances} == {"gb-money", "de-troops"}
    about_de = service_world.get("/events", params={"actor": "de"}).json()["events"]
    assert {"de-joins", "de-troops", "paris-summit"} <= {e["id"] for e in about_de}
    about_money = service_world.get("/events", params={"topic": "money"}).json()["events"]
    assert {e["id"] for e in about_money} == {"gb-money"}


def test_one_event_by_id(service_world):
    body = service_world.get("/events/paris-declaration").json()
    assert body["type"] == "declaration.signed" and body["position"] == 13 and body["recorded"].endswith("Z")
    assert body["provisions"][0]["conditions"] == ["ceasefire"]
    assert_problem(service_world.get("/events/nope"), 404)


@pytest.mark.parametrize(
    "query",
    [{"limit": -1}, {"limit": 0}, {"limit": 100_000}, {"after": "abc"}, {"after": -5}, {"after": 10**30},
     {"type": "stance.guessed"}, {"actor": "'; DROP TABLE events; --"}, {"topic": "x" * 5000}],
)
def test_bad_query_parameters_are_400(service_world, query):
    assert_problem(service_world.get("/events", params=query), 400)
