"""Citable answers on both backends: every answer carries the log position it was read at, and asked again with
``as_of_position`` gives the same JSON after later appends and corrections; the page's permalink holds it."""

from __future__ import annotations

import pytest

from tests.conftest import AUTH, make

#: Every read route a citation may name, with a question for the coalition world.
QUESTIONS = [
    ("/stances", {"at": "2026-01-07"}),
    ("/actors/fr/stances", {"at": "2026-01-07"}),
    ("/conditions", {"at": "2026-01-07"}),
    ("/diff", {"from": "2025-01-01", "to": "2026-01-07"}),
    ("/history/de/troops", {}),
    ("/timeline", {}),
    ("/timeline", {"format": "timelinejs"}),
    ("/timeline", {"format": "vis", "to": "2026-01-31"}),
    ("/search", {"q": "test"}),
    ("/panel", {"from": "2026-01-01", "to": "2026-01-10", "format": "json"}),
]

LATER = [
    make("stance.stated", "2026-01-02", id="fr-troops-later", actor="fr", topic="troops", stance="delivered",
         summary="a later test report"),
    make("event.corrected", "2026-01-06", id="fix-de", corrects="de-troops",
         replacement={"stance": "undecided", "summary": "corrected test"}),
    make("event.corrected", "2026-01-06", id="drop-gb", corrects="gb-money", retracted=True),
]


@pytest.mark.parametrize(("path", "params"), QUESTIONS, ids=lambda v: str(v))
def test_an_answer_asked_again_at_its_position_is_the_same_after_appends_and_corrections(world_api, path, params):
    first = world_api.get(path, params=params)
    assert first.status_code == 200, first.text
    position = first.json()["position"]
    assert position == world_api.get("/health").json()["last_position"]
    assert world_api.post("/events", json=LATER, headers=AUTH).status_code == 201
    now = world_api.get(path, params=params).json()
    assert now["position"] > position
    assert now != first.json()  # the later events change every one of these answers
    again = world_api.get(path, params={**params, "as_of_position": position})
    assert again.json() == first.json()


def test_known_at_answers_name_the_position_it_stood_for(world_api):
    body = world_api.get("/stances", params={"at": "2026-01-07", "known_at": "2000-01-01T00:00:00Z"}).json()
    assert body["position"] == 0 and body["rows"] == []


def test_a_position_past_the_logs_end_is_refused(world_api):
    response = world_api.get("/stances", params={"as_of_position": 10**6})
    assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "as_of_position"
