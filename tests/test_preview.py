"""Dry runs: ``events.preview`` and ``POST /events?dry_run=true`` answer what an append would do and store nothing."""

from __future__ import annotations

import msgspec

from events import queries
from events.preview import preview
from tests.conftest import AUTH, coalition_world, events, make, registrations


def stance(id_, actor="fr", topic="troops", stance_="committed", occurred="2026-01-05"):
    return make("stance.stated", occurred, id=id_, actor=actor, topic=topic, stance=stance_)


def snapshot(store):
    """Everything an append could leave behind: the log's end, the change records and every table's row count."""
    with store.reading() as tx:
        return (store.last_position(), queries.last_change(tx),
                [tx.fetchone(f"SELECT count(*) FROM {table}")[0] for table in
                 ("events", "stance_intervals", "timeline", "registry", "changes", "watermarks")])


def test_a_preview_gives_the_positions_and_change_records_the_append_then_gives(registered):
    batch = events(stance("s1"), stance("s2", actor="gb", stance_="declined"))
    before = snapshot(registered)
    seen = preview(registered, batch)
    assert seen.problems == [] and seen.applies
    assert snapshot(registered) == before
    assert [(s.position, s.event.checked_id) for s in seen.would_append] == [(9, "s1"), (10, "s2")]
    registered.append(batch)
    with registered.reading() as tx:
        written, _ = queries.changes(tx, after=before[1], limit=100)
    assert [s.position for s in registered.read(after=8)] == [9, 10]
    assert msgspec.to_builtins(seen.changes) == msgspec.to_builtins(written)
    assert len(written) == 2


def test_a_preview_of_an_invalid_batch_names_the_faults_the_append_gives(registered):
    unknown = events(stance("s1", actor="nowhere"))
    seen = preview(registered, unknown)
    assert seen.would_append == [] and seen.changes == [] and not seen.applies
    assert [p.pointer for p in seen.problems] == ["$[0].actor"]
    try:
        registered.append(unknown)
    except Exception as refused:  # the real append's faults are the preview's
        assert [(e.pointer, e.message) for e in refused.errors] == [(p.pointer, p.message) for p in seen.problems]
    else:
        raise AssertionError("the append was accepted")


def test_a_stale_expected_position_and_a_retry_preview_as_the_append_would(registered):
    stale = preview(registered, events(stance("s1")), expected_position=3)
    assert [p.pointer for p in stale.problems] == ["$"] and "expected the log to end" in stale.problems[0].message
    retry = preview(registered, events(*registrations()))
    assert retry.problems == [] and retry.would_append == [] and retry.changes == []


# --- over HTTP -------------------------------------------------------------------------------------


def test_dry_run_answers_200_with_the_preview_and_stores_nothing(service_world):
    health = service_world.get("/health").json()
    changes = service_world.get("/changes").json()
    answer = service_world.post("/events", params={"dry_run": "true"}, json=[stance("s1")], headers=AUTH)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"would_append", "changes", "problems"} and body["problems"] == []
    assert [(e["id"], e["position"]) for e in body["would_append"]] == [("s1", health["last_position"] + 1)]
    assert body["would_append"][0]["recorded"]
    assert [(c["actor"], c["topic"], c["after"]["stance"]) for c in body["changes"]] == [
        ("fr", "troops", "committed")]
    assert service_world.get("/health").json() == health
    assert service_world.get("/changes").json() == changes
    assert service_world.get("/events/s1").status_code == 404
    stored = service_world.post("/events", json=[stance("s1")], headers=AUTH)
    assert stored.status_code == 201 and stored.json()["appended"][0]["position"] == body["would_append"][0]["position"]
    fed = service_world.get("/changes", params={"after": changes["next_after"]}).json()["changes"]
    assert [{k: c[k] for k in ("kind", "actor", "topic", "after", "before", "effective")} for c in fed] == [
        {k: c[k] for k in ("kind", "actor", "topic", "after", "before", "effective")} for c in body["changes"]]


def test_dry_run_of_a_faulty_batch_is_200_with_the_faults_of_the_422(service_world):
    faulty = [stance("s1", occurred="2026-13-01"), stance("s2", actor="nowhere")]
    refused = service_world.post("/events", json=faulty, headers=AUTH)
    assert refused.status_code == 422
    previewed = service_world.post("/events?dry_run=true", json=faulty, headers=AUTH)
    assert previewed.status_code == 200
    body = previewed.json()
    assert body["would_append"] == [] and body["changes"] == []
    assert body["problems"] == refused.json()["errors"] and len(body["problems"]) == 2


def test_dry_run_of_a_conflict_reports_it_as_a_problem(service_world):
    reused = dict(coalition_world()[-1], stance="committed")
    previewed = service_world.post("/events?dry_run=true", json=reused, headers=AUTH)
    real = service_world.post("/events", json=reused, headers=AUTH)
    assert real.status_code == 409
    assert previewed.status_code == 200 and previewed.json()["problems"]
    expected = real.json()["errors"] or [{"pointer": "$", "message": real.json()["detail"]}]
    assert previewed.json()["problems"] == expected


def test_dry_run_needs_the_token_and_a_json_body_like_the_append(service_world):
    assert service_world.post("/events?dry_run=true", json=[stance("s1")]).status_code == 401
    not_json = service_world.post("/events?dry_run=true", content=b"x", headers={**AUTH, "Content-Type": "text/plain"})
    assert not_json.status_code == 415
    assert service_world.post("/events?dry_run=maybe", json=[stance("s1")], headers=AUTH).status_code == 400
