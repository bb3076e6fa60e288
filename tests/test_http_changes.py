"""``GET /changes``: stance-change records in pages, filters that still advance, and the shared change JSON."""

import json

from events import queries
from service.live import feed
from tests.conftest import AUTH, make

CHANGE_KEYS = {"seq", "kind", "actor", "topic", "effective", "before", "after", "event_id"}


def test_change_records_come_in_sequence_order_with_their_cause(service_world):
    body = service_world.get("/changes").json()
    assert [c["seq"] for c in body["changes"]] == [1, 2, 3, 4] and body["next_after"] == 4
    first = body["changes"][0]
    assert set(first) >= CHANGE_KEYS
    assert first["kind"] == "new" and first["before"] == {"stance": None, "status": None, "disputed": False}
    by_key = {(c["actor"], c["topic"]): c for c in body["changes"]}
    assert by_key[("fr", "troops")]["after"] == {"stance": "conditional", "status": "pending", "disputed": False}
    assert by_key[("fr", "troops")]["event_id"] == "paris-declaration"


def test_pages_resume_after_next_after(service_world):
    first = service_world.get("/changes", params={"limit": 3}).json()
    assert len(first["changes"]) == 3 and first["next_after"] == 3
    rest = service_world.get("/changes", params={"after": 3}).json()
    assert [c["seq"] for c in rest["changes"]] == [4]
    assert service_world.get("/changes", params={"after": 4}).json() == {"changes": [], "next_after": 4}


def test_a_filtered_reader_still_advances_past_what_it_skipped(service_world):
    page = service_world.get("/changes", params={"actor": "gb", "limit": 2}).json()
    assert page["next_after"] == 2
    assert all(c["actor"] == "gb" for c in page["changes"])
    topic = service_world.get("/changes", params={"topic": "money"}).json()
    assert [(c["actor"], c["topic"]) for c in topic["changes"]] == [("gb", "money")] and topic["next_after"] == 4


def test_a_later_append_adds_records_and_a_backdated_one_is_a_revision(service_world, clock):
    clock.advance(days=2)
    service_world.post("/events", json=[
        make("stance.stated", "2026-01-08", id="de-yes", actor="de", topic="troops", stance="supportive"),
        make("stance.stated", "2025-12-01", id="fr-earlier", actor="fr", topic="money", stance="undecided"),
        make("stance.stated", "2026-01-07", id="fr-money-again", actor="fr", topic="money", stance="supportive"),
    ], headers=AUTH)
    changes = service_world.get("/changes", params={"after": 4}).json()["changes"]
    kinds = {(c["actor"], c["topic"], c["effective"]): c["kind"] for c in changes}
    assert kinds[("de", "troops", "2026-01-08")] == "new"
    assert kinds[("fr", "money", "2025-12-01")] == "revision"
    revisions = service_world.get("/changes", params={"after": 4, "kind": "revision"}).json()["changes"]
    assert {c["kind"] for c in revisions} == {"revision"}


def test_the_page_holds_exactly_the_shared_change_json(service_world, service_settings):
    page = service_world.get("/changes").json()["changes"]
    from events import open_store

    store = open_store(service_settings.database)
    try:
        with store.reading() as tx:
            records, _ = queries.changes(tx, after=0, limit=100)
        assert [json.loads(feed.change_json(r)) for r in records] == page
        assert all("\n" not in feed.change_json(r) for r in records)
    finally:
        store.close()


def test_bad_paging_parameters_are_400(service_world):
    for params in ({"after": -1}, {"after": "x"}, {"limit": 0}, {"limit": 5000}, {"kind": "old"}):
        response = service_world.get("/changes", params=params)
        assert response.status_code == 400, params
        assert response.json()["errors"]
