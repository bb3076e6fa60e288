"""``GET /search`` over HTTP on both backends: the answer's shape, filters, facets, paging with a cursor that keeps
its position, ``as_of_position`` and ``known_at``, and malformed queries answered 400 with the fault named."""

from __future__ import annotations

import pytest

from tests.conftest import (
    AUTH,
    make,
)


@pytest.fixture
def api(world_api):
    return world_api


def test_a_search_answers_hits_as_events_with_snippets_and_facets(api):
    body = api.get("/search", params={"q": "paris"}).json()
    assert body["q"] == "paris" and body["total"] == len(body["hits"]) > 0
    assert body["position"] == api.get("/health").json()["last_position"]
    hit = body["hits"][0]
    event = api.get(f"/events/{hit['id']}").json()
    assert {k: v for k, v in hit.items() if k != "snippet"} == event
    assert "<mark>" in hit["snippet"].lower() or "<mark>" in hit["snippet"]
    assert set(body["facets"]) == {"type", "actor", "topic", "month"}
    assert sum(body["facets"]["type"].values()) == body["total"]


def test_filters_and_the_type_facet_agree(api):
    everything = api.get("/search", params={"q": "test"}).json()
    for type_, count in everything["facets"]["type"].items():
        narrowed = api.get("/search", params={"q": "test", "type": type_}).json()
        assert narrowed["total"] == count and {h["type"] for h in narrowed["hits"]} == {type_}
    for actor, count in everything["facets"]["actor"].items():
        assert api.get("/search", params={"q": "test", "actor": actor}).json()["total"] == count


def test_pages_follow_the_cursor_at_the_first_pages_position(api):
    first = api.get("/search", params={"q": "test", "limit": 2}).json()
    assert len(first["hits"]) == 2 and first["next_cursor"]
    api.post("/events", json=[make("stance.stated", "2026-01-07", id="late", actor="fr", topic="money",
                                   stance="declined")], headers=AUTH)
    seen = [h["id"] for h in first["hits"]]
    cursor = first["next_cursor"]
    while cursor:
        page = api.get("/search", params={"q": "test", "limit": 2, "cursor": cursor}).json()
        assert page["position"] == first["position"] and page["total"] == first["total"]
        seen += [h["id"] for h in page["hits"]]
        cursor = page["next_cursor"]
    everything = api.get("/search", params={"q": "test", "limit": 1000,
                                            "as_of_position": first["position"]}).json()
    assert seen == [h["id"] for h in everything["hits"]] and "late" not in seen
    assert "late" in [h["id"] for h in api.get("/search", params={"q": "test", "limit": 1000}).json()["hits"]]


def test_known_at_before_the_log_finds_nothing(api):
    body = api.get("/search", params={"q": "paris", "known_at": "2000-01-01T00:00:00Z"}).json()
    assert body["total"] == 0 and body["position"] == 0


@pytest.mark.parametrize(("params", "pointer", "fault"), [
    ({"q": '"paris'}, "q", "unbalanced quote"),
    ({"q": "OR paris"}, "q", "OR needs a word"),
    ({"q": "paris -"}, "q", "lone '-'"),
    ({"q": "-paris"}, "q", "only excludes"),
    ({"q": "paris", "cursor": "nonsense"}, "cursor", "next_cursor"),
])
def test_a_malformed_search_is_a_400_problem_naming_the_fault(api, params, pointer, fault):
    response = api.get("/search", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert fault in problem["detail"] and problem["errors"][0]["pointer"] == pointer


def test_a_position_past_the_logs_end_is_a_422(api):
    response = api.get("/search", params={"q": "paris", "as_of_position": 10**9})
    assert response.status_code == 422 and "past the log's end" in response.json()["detail"]


def test_a_missing_query_is_a_400(api):
    assert api.get("/search").status_code == 400
