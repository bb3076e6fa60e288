"""``GET /stances/cells``: the matrix as a table draws it, without evidence, on both backends."""

from __future__ import annotations

import pytest

from tests.conftest import AUTH, make

#: What a cell carries of a /stances row (``also`` is the alternatives' stances).
SHARED = ("actor", "topic", "stance", "status", "conditions", "since", "since_text", "disputed")


def as_cell(row: dict) -> dict:
    """The cell /stances/cells should give for a /stances row."""
    return {**{key: row[key] for key in SHARED}, "also": [other["stance"] for other in row["alternatives"]]}


@pytest.fixture
def disputed_world(world_api, clock):
    """The small world, then Germany's standing support reported an hour later (a dispute on 2026-01-06), and the
    ceasefire met the next day."""
    before = clock.now().isoformat().replace("+00:00", "Z")
    clock.advance(hours=1)
    appended = world_api.post("/events", json=[
        make("stance.stated", "../2026-01-06", id="de-standing", actor="de", topic="troops", stance="supportive"),
        make("condition.changed", "2026-01-07", id="ceasefire-met", condition="ceasefire", status="met"),
    ], headers=AUTH)
    assert appended.status_code == 201, appended.text
    return world_api, before


@pytest.mark.parametrize("day", ["2025-06-01", "2025-12-15", "2026-01-06", "2026-01-07"])
def test_the_cells_are_the_matrix_without_its_evidence(disputed_world, day):
    api, _ = disputed_world
    rows = api.get("/stances", params={"at": day}).json()["rows"]
    body = api.get("/stances/cells", params={"at": day}).json()
    assert body["at"] == day and body["position"] == api.get("/health").json()["last_position"]
    assert body["cells"] == [as_cell(row) for row in rows]
    assert all("evidence" not in cell for cell in body["cells"])


def test_a_disputed_cell_gives_the_cautious_answer_and_the_other_stances(disputed_world):
    api, before = disputed_world
    answer = api.get("/stances/cells", params={"at": "2026-01-06"}).json()
    cells = {(c["actor"], c["topic"]): c for c in answer["cells"]}
    assert (cells["de", "troops"]["stance"], cells["de", "troops"]["disputed"], cells["de", "troops"]["also"]) == (
        "declined", True, ["supportive"])
    assert cells["fr", "troops"]["conditions"] == [{"id": "ceasefire", "status": "pending"}]
    # As the log stood before the second report: no dispute yet; the condition's status as it then stood.
    then = api.get("/stances/cells", params={"at": "2026-01-07", "known_at": before}).json()["cells"]
    rows = api.get("/stances", params={"at": "2026-01-07", "known_at": before}).json()["rows"]
    assert then == [as_cell(row) for row in rows]
    assert {(c["actor"], c["topic"]): c["disputed"] for c in then}["de", "troops"] is False


def test_repeated_actors_keep_their_rows_and_a_position_pins_the_answer(disputed_world):
    api, _ = disputed_world
    asked = api.get("/stances/cells?at=2026-01-07&actor=gb&actor=de&actor=gb&actor=nobody").json()["cells"]
    assert [(c["actor"], c["topic"]) for c in asked] == [("de", "troops"), ("gb", "money"), ("gb", "troops")]
    one = api.get("/stances/cells", params={"at": "2026-01-07", "actor": "gb", "topic": "money"}).json()["cells"]
    assert [(c["actor"], c["topic"]) for c in one] == [("gb", "money")]
    pinned = api.get("/stances/cells", params={"at": "2026-01-07", "as_of_position": 9}).json()
    rows = api.get("/stances", params={"at": "2026-01-07", "as_of_position": 9}).json()["rows"]
    assert pinned["position"] == 9 and pinned["cells"] == [as_cell(row) for row in rows]


@pytest.mark.parametrize(("query", "status", "pointer"), [
    ("at=yesterday", 422, "at"),
    ("at=2026-02-30", 422, "at"),
    ("known_at=soon", 422, "known_at"),
    ("actor=%27%3B%20DROP%20TABLE%20events%3B%20--", 400, "actor"),
    ("actor=", 400, "actor"),
    ("actor=" + "&actor=".join(f"a{i}" for i in range(501)), 400, "actor"),
    ("topic=%00", 400, "topic"),
    ("as_of_position=0", 400, "as_of_position"),
    ("as_of_position=999999", 422, "as_of_position"),
])
def test_bad_questions_are_problems_naming_the_parameter(disputed_world, query, status, pointer):
    api, _ = disputed_world
    response = api.get(f"/stances/cells?{query}")
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert pointer in [error["pointer"] for error in response.json()["errors"]] or pointer in response.json()["detail"]
