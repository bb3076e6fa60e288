"""The read endpoints: actors and members, stances, the matrix, conditions, diff and history, with ``known_at``."""

import pytest

from tests.conftest import AUTH, make, registrations

STANCE_KEYS = {"topic", "stance", "status", "conditions", "since", "certain", "quantity", "evidence"}


@pytest.fixture
def revised(service_world, clock):
    """The small world, then a day later: France commits outright, and the ceasefire is met (recorded 2026-01-07)."""
    before = "2026-01-06T12:00:00Z"
    clock.advance(days=1)
    response = service_world.post("/events", json=[
        make("stance.stated", "2026-01-07", id="fr-commits", actor="fr", topic="troops", stance="committed"),
        make("condition.changed", "2026-01-07", id="ceasefire-met", condition="ceasefire", status="met"),
    ], headers=AUTH)
    assert response.status_code == 201
    return service_world, before


def test_actors_list_ids_names_and_kinds(service_world):
    actors = service_world.get("/actors").json()["actors"]
    assert [a["id"] for a in actors] == ["coalition", "de", "fr", "gb"]
    assert {"id", "name", "kind"} <= set(actors[0]) and actors[0]["kind"] == "coalition"


def test_a_coalition_lists_its_members_as_of_the_date(service_world):
    before_join = service_world.get("/actors/coalition", params={"at": "2025-05-01"}).json()
    assert [m["id"] for m in before_join["members"]] == ["fr", "gb"] and before_join["at"] == "2025-05-01"
    today = service_world.get("/actors/coalition").json()
    assert today["at"] == "2026-01-06" and [m["id"] for m in today["members"]] == ["de", "fr", "gb"]
    assert service_world.get("/actors/fr").json()["members"] is None


def test_unknown_actors_are_404(service_world):
    for path in ("/actors/xx", "/actors/xx/stances", "/history/xx/troops"):
        response = service_world.get(path)
        assert response.status_code == 404 and response.json()["title"] == "Not found", path


def test_an_actors_stances_with_status_conditions_and_evidence(service_world):
    body = service_world.get("/actors/fr/stances").json()
    assert body["actor"] == "fr" and body["at"] == "2026-01-06" and body["known_at"] is None
    [troops] = body["stances"]
    assert set(troops) >= STANCE_KEYS
    assert troops["topic"] == "troops" and troops["stance"] == "conditional" and troops["status"] == "pending"
    assert troops["conditions"] == [{"id": "ceasefire", "status": "pending"}]
    assert troops["since"] == "2026-01-06" and troops["certain"] is True
    assert troops["evidence"][0]["event_id"] == "paris-declaration"
    assert troops["evidence"][0]["sources"] == [{"outlet": "Test Wire", "url": "https://example.org/paris"}]


def test_status_is_null_where_it_does_not_apply_and_quantity_is_kept(service_world):
    [money] = service_world.get("/actors/gb/stances", params={"topic": "money"}).json()["stances"]
    assert money["stance"] == "committed" and money["status"] == "active"
    assert money["quantity"] == {"amount": 3.0, "unit": "billion GBP"}
    [declined] = service_world.get("/actors/de/stances").json()["stances"]
    assert declined["stance"] == "declined" and declined["status"] is None


def test_an_approximate_date_is_uncertain_inside_its_span(service_world):
    [inside] = service_world.get("/actors/gb/stances", params={"topic": "money", "at": "2025-12-15"}).json()["stances"]
    assert inside["certain"] is False
    [after] = service_world.get("/actors/gb/stances", params={"topic": "money", "at": "2026-01-02"}).json()["stances"]
    assert after["certain"] is True


def test_nothing_before_the_first_stance(service_world):
    assert service_world.get("/actors/fr/stances", params={"at": "2025-06-01"}).json()["stances"] == []


def test_the_matrix_has_a_row_per_actor_and_topic(service_world):
    body = service_world.get("/stances", params={"at": "2026-01-07"}).json()
    assert body["at"] == "2026-01-07"
    assert {(r["actor"], r["topic"]) for r in body["rows"]} == {
        ("de", "troops"), ("fr", "troops"), ("gb", "troops"), ("gb", "money")}
    assert all(STANCE_KEYS | {"actor"} <= set(r) for r in body["rows"])
    only_gb = service_world.get("/stances", params={"actor": "gb", "topic": "troops"}).json()["rows"]
    assert [(r["actor"], r["topic"]) for r in only_gb] == [("gb", "troops")]


def test_conditions_with_status_and_dependents(service_world):
    body = service_world.get("/conditions").json()
    ceasefire = next(c for c in body["conditions"] if c["id"] == "ceasefire")
    assert {"id", "description", "kind", "status", "since", "deadline", "dependents"} <= set(ceasefire)
    assert ceasefire["status"] == "pending" and ceasefire["kind"] == "trigger"
    assert [{"actor": d["actor"], "topic": d["topic"]} for d in ceasefire["dependents"]] == [
        {"actor": "fr", "topic": "troops"}, {"actor": "gb", "topic": "troops"}]
    assert service_world.get("/conditions", params={"status": "met"}).json()["conditions"] == []


def test_diff_lists_changes_taking_effect_between_two_days(service_world):
    body = service_world.get("/diff", params={"from": "2026-01-01", "to": "2026-01-07"}).json()
    assert body["from"] == "2026-01-01" and body["to"] == "2026-01-07"
    changes = {(c["actor"], c["topic"]): c for c in body["changes"]}
    assert set(changes) == {("de", "troops"), ("fr", "troops"), ("gb", "troops")}
    assert changes[("fr", "troops")]["before"] == {"stance": None, "status": None, "disputed": False}
    assert changes[("fr", "troops")]["after"] == {"stance": "conditional", "status": "pending", "disputed": False}
    assert changes[("fr", "troops")]["effective"] == "2026-01-06"


def test_diff_to_defaults_to_today_and_must_not_precede_from(service_world):
    assert service_world.get("/diff", params={"from": "2026-01-01"}).json()["to"] == "2026-01-06"
    response = service_world.get("/diff", params={"from": "2026-01-07", "to": "2026-01-01"})
    assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "to"
    missing = service_world.get("/diff")
    assert missing.status_code == 400


def test_history_lists_every_interval_with_evidence(revised):
    service_world, _ = revised
    body = service_world.get("/history/fr/troops").json()
    assert body["actor"] == "fr" and body["topic"] == "troops"
    assert [(i["valid_from"], i["valid_to"], i["stance"]) for i in body["intervals"]] == [
        ("2026-01-06", "2026-01-07", "conditional"), ("2026-01-07", None, "committed")]
    assert body["intervals"][0]["evidence"][0]["event_id"] == "paris-declaration"


def test_known_at_answers_as_the_log_stood_then(revised):
    service_world, before = revised
    now = service_world.get("/actors/fr/stances", params={"at": "2026-01-08"}).json()["stances"][0]
    assert now["stance"] == "committed"
    then = service_world.get("/actors/fr/stances", params={"at": "2026-01-08", "known_at": before}).json()
    assert then["known_at"] == "2026-01-06T12:00:00.000000Z"
    assert then["stances"][0]["stance"] == "conditional" and then["stances"][0]["status"] == "pending"
    gb_troops = {"at": "2026-01-08", "actor": "gb", "topic": "troops"}
    gb_now = service_world.get("/stances", params=gb_troops).json()["rows"][0]
    assert gb_now["status"] == "active"  # the ceasefire is met
    gb_then = service_world.get("/stances", params={**gb_troops, "known_at": before}).json()["rows"][0]
    assert gb_then["status"] == "pending"
    conditions_then = service_world.get("/conditions", params={"at": "2026-01-08", "known_at": before}).json()
    assert next(c for c in conditions_then["conditions"] if c["id"] == "ceasefire")["status"] == "pending"
    history_then = service_world.get("/history/fr/troops", params={"known_at": before}).json()["intervals"]
    assert [i["stance"] for i in history_then] == ["conditional"]


def test_known_at_before_an_actor_was_registered_is_404(service_world):
    assert service_world.get("/actors/fr", params={"known_at": "2020-01-01T00:00:00Z"}).status_code == 404
    assert service_world.get("/actors", params={"known_at": "2020-01-01T00:00:00Z"}).json()["actors"] == []


def test_the_404_for_an_actor_not_yet_known_says_when_the_log_recorded_it(service_world):
    answer = service_world.get("/actors/fr/stances", params={"at": "2026-01-07", "known_at": "2026-01-06T08:00:00Z"})
    assert answer.status_code == 404
    assert answer.json()["detail"] == ("actor 'fr' was not yet known at 2026-01-06T08:00:00.000000Z: the log recorded"
                                       " it at 2026-01-06T12:00:00.000000Z; ask with a later known_at")
    assert service_world.get("/actors/xx", params={"known_at": "2026-01-06T08:00:00Z"}).json()["detail"] == \
        "no actor 'xx'"


def test_the_api_docs_known_at_session_works_on_a_fresh_log(service_world, clock):
    """docs/api.md: take an instant, append a statement later, ask as the log stood at that instant."""
    clock.advance(seconds=30)
    before = "2026-01-06T12:00:30Z"
    clock.advance(seconds=30)
    statement = make("stance.stated", "2026-01-08", id="de-undecided", actor="de", topic="troops", stance="undecided")
    assert service_world.post("/events", json=statement, headers=AUTH).status_code == 201
    question = {"at": "2026-01-08", "topic": "troops"}
    then = service_world.get("/actors/de/stances", params={**question, "known_at": before})
    now = service_world.get("/actors/de/stances", params=question)
    assert then.status_code == 200 and [s["stance"] for s in then.json()["stances"]] == ["declined"]
    assert [s["stance"] for s in now.json()["stances"]] == ["undecided"]


def test_known_at_accepts_offsets_even_when_the_plus_became_a_space(service_world):
    response = service_world.get("/actors/fr/stances?known_at=2026-01-06T13:00:00+01:00")
    assert response.status_code == 200 and response.json()["known_at"] == "2026-01-06T12:00:00.000000Z"


@pytest.mark.parametrize(
    ("path", "pointer"),
    [("/stances?at=yesterday", "at"), ("/stances?at=2026-02-30", "at"), ("/stances?at=2026-01", "at"),
     ("/actors/fr/stances?known_at=yesterday", "known_at"),
     ("/actors/fr/stances?known_at=2026-01-06T12:00:00", "known_at"),
     ("/conditions?at=2026-1-1", "at"), ("/diff?from=soon", "from"), ("/actors/coalition?at=%00", "at"),
     ("/stances?known_at=0001-01-01T00:00:00%2B01:00", "known_at"),
     ("/stances?known_at=0999-01-01T00:00:00Z", "known_at"),
     ("/stances?known_at=9999-12-31T23:59:59-01:00", "known_at")],
)
def test_bad_dates_are_422_naming_the_parameter(service_world, path, pointer):
    response = service_world.get(path)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["pointer"] == pointer


@pytest.mark.parametrize("path", ["/conditions?status=maybe", "/actors/..%2F..%2Fetc%2Fpasswd/stances",
                                  "/history/fr/x;DROP TABLE events", "/stances?actor=" + "a" * 1000])
def test_bad_filters_and_ids_are_client_errors(service_world, path):
    response = service_world.get(path)
    assert response.status_code in (400, 404), response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_pending_condition_past_its_deadline_is_overdue_from_the_day_after(service_api):
    declared = make("condition.declared", "2026-01-01", id="vote-declared", condition="vote-by-march",
                    description="parliament votes", kind="trigger", deadline="2026-03")
    assert service_api.post("/events", json=[*registrations(), declared], headers=AUTH).status_code == 201

    def vote(at):
        listed = service_api.get("/conditions", params={"at": at}).json()["conditions"]
        return next(c for c in listed if c["id"] == "vote-by-march")

    assert (vote("2026-03-31")["overdue"], vote("2026-03-31")["overdue_since"]) == (False, None)
    assert (vote("2026-04-01")["overdue"], vote("2026-04-01")["overdue_since"]) == (True, "2026-04-01")
    met = make("condition.changed", "2026-04-10", id="vote-met", condition="vote-by-march", status="met")
    assert service_api.post("/events", json=met, headers=AUTH).status_code == 201
    assert vote("2026-04-05")["overdue"] is True and vote("2026-04-10")["overdue"] is False
