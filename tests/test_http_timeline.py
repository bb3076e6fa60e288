"""``GET /timeline`` in its three formats, on the small world and on the seed timeline."""

import pytest
from litestar.testing import TestClient

from service.app import create_app
from tests.test_formats import TIMELINEJS_SLIDE, TIMELINEJS_TIMELINE, VIS_GROUP, VIS_ITEM


@pytest.fixture
def seeded(tmp_path):
    """A service that loaded the seed timeline on start (``seed_if_empty``), its clock after the seed's last day."""
    import datetime as dt

    from events import FixedClock
    from service.settings import Settings
    from tests.conftest import TOKEN

    settings = Settings(database=str(tmp_path / "seeded.db"), token=TOKEN, seed_if_empty=True)
    clock = FixedClock(dt.datetime(2026, 1, 12, 12, tzinfo=dt.UTC))
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def test_native_is_in_date_order_with_date_text_and_precision(service_world):
    body = service_world.get("/timeline").json()
    assert body["format"] == "native"
    events = body["events"]
    assert [e["id"] for e in events][:3] == ["reg-ceasefire", "reg-vote", "coalition-founded"]
    assert [e["earliest"] for e in events] == sorted(e["earliest"] for e in events)
    founded = next(e for e in events if e["id"] == "coalition-founded")
    assert (founded["date"], founded["precision"]) == ("2025-03", "month")
    assert not any(e["type"] == "actor.registered" for e in events)  # bookkeeping stays off the timeline


def test_the_timeline_filters_by_dates_actor_and_topic(service_world):
    window = service_world.get("/timeline", params={"from": "2026-01-01", "to": "2026-01-31"}).json()["events"]
    assert {e["id"] for e in window} == {"paris-summit", "paris-declaration", "de-troops"}
    december = service_world.get("/timeline", params={"from": "2025-12-15", "to": "2025-12-15"}).json()["events"]
    assert [e["id"] for e in december] == ["gb-money"]  # "2025-12~" spans the whole month
    de = service_world.get("/timeline", params={"actor": "de"}).json()["events"]
    assert {e["id"] for e in de} == {"de-joins", "paris-summit", "de-troops"}
    money = service_world.get("/timeline", params={"topic": "money"}).json()["events"]
    assert [e["id"] for e in money] == ["gb-money"]


def test_timelinejs_is_a_timelinejs_document(service_world):
    body = service_world.get("/timeline", params={"format": "timelinejs"}).json()
    assert set(body) <= TIMELINEJS_TIMELINE | {"format", "position"} and body["format"] == "timelinejs"
    slides = {s["unique_id"]: s for s in body["events"]}
    assert all(set(s) <= TIMELINEJS_SLIDE for s in slides.values())
    assert slides["coalition-founded"]["start_date"] == {"year": 2025, "month": 3}
    assert slides["gb-money"]["display_date"] == "about December 2025"
    assert 'href="https://example.org/paris"' in slides["paris-declaration"]["text"]["text"]
    assert [e["text"]["headline"] for e in body["eras"]] == ["Before Paris summit"]  # nothing comes after it


def test_vis_has_actor_groups_stance_ranges_and_event_points(service_world):
    body = service_world.get("/timeline", params={"format": "vis"}).json()
    assert body["format"] == "vis"
    assert all(set(g) <= VIS_GROUP for g in body["groups"]) and all(set(i) <= VIS_ITEM for i in body["items"])
    groups = {g["id"]: g["content"] for g in body["groups"]}
    assert groups["fr"] == "FR"
    ranges = [i for i in body["items"] if i["className"].startswith("stance-")]
    assert {(i["group"], i["className"]) for i in ranges} == {
        ("fr", "stance-conditional"), ("gb", "stance-conditional"), ("gb", "stance-committed"),
        ("de", "stance-declined")}
    assert all(i["type"] == "range" and i["end"] == "2026-01-06" or i["end"] > i["start"] for i in ranges)
    points = {i["id"]: i for i in body["items"] if i["type"] == "point"}
    assert points["paris-summit"]["group"] == "fr" and points["paris-summit"]["start"] == "2026-01-06"


def test_bad_format_or_window_is_refused(service_world):
    assert service_world.get("/timeline", params={"format": "svg"}).status_code == 400
    response = service_world.get("/timeline", params={"from": "2026-02-01", "to": "2026-01-01"})
    assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "to"


def test_the_seed_founding_is_march_2025_without_a_day(seeded):
    [founding] = seeded.get("/events", params={"type": "group.founded"}).json()["events"]
    slides = {s["unique_id"]: s for s in seeded.get("/timeline", params={"format": "timelinejs"}).json()["events"]}
    assert slides[founding["id"]]["start_date"] == {"year": 2025, "month": 3}


def test_seed_eras_are_derived_from_its_meetings(seeded):
    eras = seeded.get("/timeline", params={"format": "timelinejs"}).json()["eras"]
    meetings = seeded.get("/events", params={"type": "meeting.held"}).json()["events"]
    paris = next(m for m in meetings if m["occurred"] == "2026-01-06")
    assert f"Before {paris['title']}" in [e["text"]["headline"] for e in eras]
    assert all(e["start_date"] != e["end_date"] for e in eras)


def test_seed_vis_items_are_unique_and_grouped(seeded):
    body = seeded.get("/timeline", params={"format": "vis"}).json()
    ids = [i["id"] for i in body["items"]]
    assert len(ids) == len(set(ids))
    assert {i["group"] for i in body["items"]} <= {g["id"] for g in body["groups"]}
