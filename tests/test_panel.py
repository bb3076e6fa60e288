"""``GET /panel`` and ``commitments panel`` on both backends: a date's rows equal the stance matrix of that date,
CSV carries its position and query, rows stream a few dates at a time, a panel over the limit is refused whole
(413), and one asked again ``as_of_position`` gives the same file after later appends and corrections."""

from __future__ import annotations

import csv
import io
import json

import pytest

from events.model.vocabulary import STANCE_RANK
from service import panel
from tests.conftest import AUTH, make


@pytest.fixture
def api(world_api):
    return world_api


def read_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    comments = [line for line in text.splitlines() if line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))))
    return comments, rows


def test_the_rows_of_a_date_are_the_stance_matrix_of_that_date(api):
    got = api.get("/panel", params={"from": "2026-01-01", "to": "2026-01-10"}, headers={"Accept": "text/csv"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    _, rows = read_csv(got.text)
    matrix = api.get("/stances", params={"at": "2026-01-07"}).json()["rows"]
    assert matrix
    expected = [{"date": "2026-01-07", "actor": m["actor"], "topic": m["topic"], "stance": m["stance"],
                 "rank": str(STANCE_RANK[m["stance"]]), "status": m["status"] or "",
                 "pending_conditions": ";".join(c["id"] for c in m["conditions"] if c["status"] == "pending"),
                 "disputed": str(m["disputed"]).lower(), "certain": str(m["certain"]).lower(), "since": m["since"]}
                for m in matrix]
    assert [r for r in rows if r["date"] == "2026-01-07"] == expected
    assert sorted({r["date"] for r in rows}) == [f"2026-01-{d:02}" for d in range(1, 11)
                                                 if any(r["date"] == f"2026-01-{d:02}" for r in rows)]


def test_json_holds_the_same_rows_with_the_position_and_query(api):
    params = {"from": "2026-01-05", "to": "2026-01-08", "actor": "fr"}
    as_json = api.get("/panel", params={**params, "format": "json"}).json()
    _, rows = read_csv(api.get("/panel", params={**params, "format": "csv"}).text)
    assert as_json["position"] == api.get("/health").json()["last_position"]
    assert [(r["date"], r["topic"], r["stance"]) for r in as_json["rows"]] == \
        [(r["date"], r["topic"], r["stance"]) for r in rows]
    assert {r["actor"] for r in as_json["rows"]} == {"fr"}
    assert as_json["query"].startswith("/panel?from=2026-01-05&to=2026-01-08&step=day&actor=fr&as_of_position=")


def test_a_panel_asked_again_at_its_position_is_the_same_file_after_appends_and_corrections(api):
    first = api.get("/panel", params={"from": "2026-01-01", "to": "2026-01-31", "step": "week", "format": "csv"})
    comments, rows = read_csv(first.text)
    assert comments[0] == f"# commitments panel read at log position {first.headers['x-log-position']}"
    query = comments[1].removeprefix("# query: ")
    api.post("/events", json=[
        make("stance.stated", "2026-01-02", id="fr-troops-later", actor="fr", topic="troops", stance="delivered"),
        make("event.corrected", "2026-01-06", id="fix-de", corrects="de-troops", retracted=True),
    ], headers=AUTH)
    assert api.get(query + "&format=csv").text == first.text
    assert read_csv(api.get("/panel", params={"from": "2026-01-01", "to": "2026-01-31", "step": "week",
                                              "format": "csv"}).text)[1] != rows


def test_rows_stream_a_few_dates_at_a_time(api, monkeypatch):
    reads = []
    real = panel.queries.stances

    def counted(*args, **kwargs):
        reads.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(panel.queries, "stances", counted)
    store = api.app.state.services.store
    asked = panel.plan(store, *_days("2026-01-01", "2026-01-31"), "day", position=store.last_position())
    chunks = panel.csv_chunks(store, asked)
    next(chunks)  # the header: nothing read yet
    assert reads == []
    next(chunks)
    assert len(reads) == panel.DATES_PER_READ < 31


def _days(*texts):
    import datetime as dt
    return [dt.date.fromisoformat(t) for t in texts]


def test_a_panel_over_the_limit_is_refused_whole(api, monkeypatch):
    monkeypatch.setattr(panel, "MAX_ROWS", 10)
    response = api.get("/panel", params={"from": "2026-01-01", "to": "2026-01-31"}, headers={"Accept": "text/csv"})
    assert response.status_code == 413 and response.headers["content-type"].startswith("application/problem+json")
    assert "at most 10 are sent" in response.json()["detail"]
    assert api.get("/panel", params={"from": "0001-01-01", "to": "9999-12-31"}).status_code == 413


@pytest.mark.parametrize(("params", "pointer"), [
    ({"from": "2026-01-31", "to": "2026-01-01"}, "to"),
    ({"from": "2026-02-30", "to": "2026-03-01"}, "from"),
    ({"from": "2026-01-01", "to": "2026-01-02", "as_of_position": 10**9}, "as_of_position"),
])
def test_a_bad_panel_question_is_a_problem_naming_the_parameter(api, params, pointer):
    response = api.get("/panel", params=params)
    assert response.status_code in (400, 422) and response.json()["errors"][0]["pointer"] == pointer


def test_steps_of_a_week_and_a_month():
    days = _days("2026-01-31", "2026-05-01")
    assert [d.isoformat() for d in panel.dates_between(*days, "month")] == \
        ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]
    assert len(panel.dates_between(*days, "week")) == panel.count_dates(*days, "week") == 13
    assert json.dumps(panel.COLUMNS)  # the documented columns
