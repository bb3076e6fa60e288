"""``GET /history/{actor_id}`` and ``GET /topics/{topic_id}/counts``: the charts' data in one request each, on both
backends, answering what ``/history/{actor}/{topic}`` and ``/stances?at=`` answer, with problem JSON for bad input."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.conftest import AUTH, make


@pytest.fixture
def world(world_api):
    """The small coalition world on each backend (``tests/conftest.py``'s ``world_api``)."""
    return world_api


def test_an_actors_history_is_each_topics_history_in_one_answer(world):
    body = world.get("/history/gb").json()
    assert body["actor"] == "gb" and body["known_at"] is None
    assert [line["topic"] for line in body["topics"]] == ["money", "troops"]
    for line in body["topics"]:
        assert line["intervals"] == world.get(f"/history/gb/{line['topic']}").json()["intervals"]
    assert world.get("/history/coalition").json()["topics"] == []


def test_a_topics_counts_are_the_matrix_of_each_step(world, clock):
    clock.advance(days=1)
    later = make("stance.stated", "2026-01-07", id="de-undecided", actor="de", topic="troops", stance="undecided")
    assert world.post("/events", json=later, headers=AUTH).status_code == 201
    body = world.get("/topics/troops/counts").json()
    assert body["topic"] == "troops" and body["known_at"] is None
    assert body["stances"][0] == "hostile" and body["stances"][-1] == "delivered"
    assert [step["date"] for step in body["steps"]] == ["2026-01-06", "2026-01-07"]
    for step in body["steps"]:
        rows = world.get("/stances", params={"at": step["date"], "topic": "troops"}).json()["rows"]
        assert step["counts"] == {stance: Counter(r["stance"] for r in rows)[stance] for stance in body["stances"]}
        assert step["total"] == len(rows)


def test_known_at_and_the_answer_cache_follow_the_log(world, clock):
    before = "2026-01-06T12:00:00Z"  # the world's append
    first = world.get("/topics/troops/counts").json()["steps"]
    clock.advance(days=1)
    later = make("stance.stated", "2026-01-07", id="fr-commits", actor="fr", topic="troops", stance="committed")
    assert world.post("/events", json=later, headers=AUTH).status_code == 201
    now = world.get("/topics/troops/counts").json()["steps"]
    assert now[:-1] == first and now[-1]["counts"]["committed"] == 1  # a cached answer would miss the append
    then = world.get("/topics/troops/counts", params={"known_at": before}).json()
    assert then["steps"] == first and then["known_at"] == "2026-01-06T12:00:00.000000Z"
    fr_then = world.get("/history/fr", params={"known_at": before}).json()["topics"]
    assert [[i["stance"] for i in line["intervals"]] for line in fr_then] == [["conditional"]]


@pytest.mark.parametrize(("path", "detail"), [
    ("/topics/nothing/counts", "no topic 'nothing'"),
    ("/history/nobody", "no actor 'nobody'"),
    ("/topics/troops/counts?known_at=2020-01-01T00:00:00Z", "topic 'troops' was not yet known at"),
])
def test_unknown_ids_are_404_problems(world, path, detail):
    response = world.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"].startswith(detail)


@pytest.mark.parametrize(("path", "status", "pointer"), [
    ("/topics/troops/counts?known_at=yesterday", 422, "known_at"),
    ("/history/fr?known_at=2026-01-06T12:00:00", 422, "known_at"),
    ("/topics/x;DROP%20TABLE%20events/counts", 400, None),
    ("/history/" + "a" * 200, 400, None),
])
def test_bad_input_is_a_client_error_naming_the_parameter(world, path, status, pointer):
    response = world.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if pointer:
        assert response.json()["errors"][0]["pointer"] == pointer
