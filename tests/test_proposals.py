"""Proposals: an editor proposes, a reviewer accepts (appended in one transaction, attributed) or rejects; a
proposal that no longer applies cannot be accepted; every state change reaches ``/proposals/feed``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from events import Attribution, Conflict, NotFound, keys, open_store, proposals
from events.proposals import OwnProposal, ProposalConflict
from service import cli
from service.app import create_app
from tests.conftest import AUTH, coalition_world, events, make


def stance(id_=None, actor="fr", stance_="committed"):
    extra = {} if id_ is None else {"id": id_}
    return make("stance.stated", "2026-01-05", actor=actor, topic="troops", stance=stance_, **extra)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def world(store):
    store.append(events(*coalition_world()))
    return store


# --- the core, on both backends --------------------------------------------------------------------


def test_an_accepted_proposal_is_appended_attributed_to_reviewer_and_proposer(world):
    before = world.last_position()
    proposal = proposals.propose(world, events(stance("s1"), stance(actor="gb")), "ed", note="two stances")
    assert (proposal.status, proposal.proposed_by, proposal.note) == ("open", "ed", "two stances")
    assert world.last_position() == before  # stored beside the log, not in it
    assert len({e.checked_id for e in proposal.batch()}) == 2  # the event without an id got one, for good
    assert proposals.get(world, proposal.id).batch() == proposal.batch()
    result = proposals.accept(world, proposal.id, "rev", not_by_proposer=True)
    assert result.created and result.last_position == before + 2
    appended = world.read(after=before)
    assert [(s.recorded_by, s.proposed_by) for s in appended] == [("rev", "ed")] * 2
    decided = proposals.get(world, proposal.id)
    assert (decided.status, decided.decided_by) == ("accepted", "rev") and decided.decided
    with pytest.raises(ProposalConflict):
        proposals.accept(world, proposal.id, "rev", not_by_proposer=True)
    assert [(c.proposal, c.status, c.by) for c in proposals.changes(world)] == [
        (proposal.id, "open", "ed"), (proposal.id, "accepted", "rev")]


def test_a_proposal_that_no_longer_applies_cannot_be_accepted_and_stays_open(world):
    proposal = proposals.propose(world, events(stance("s1")), "ed")
    world.append(events(stance("s1", stance_="declined")), by=Attribution("eve"))  # the id is now taken
    before = world.last_position()
    with pytest.raises(Conflict) as refused:
        proposals.accept(world, proposal.id, "rev", not_by_proposer=False)
    assert refused.value.errors and "no longer applies" in refused.value.detail
    assert world.last_position() == before and proposals.get(world, proposal.id).status == "open"


def test_review_required_keeps_a_proposer_from_accepting_their_own(world):
    proposal = proposals.propose(world, events(stance("s1")), "rev")
    with pytest.raises(OwnProposal):
        proposals.accept(world, proposal.id, "rev", not_by_proposer=True)
    assert proposals.accept(world, proposal.id, "rev", not_by_proposer=False).created


def test_a_rejection_needs_a_reason_and_is_final(world):
    proposal = proposals.propose(world, events(stance("s1")), "ed")
    with pytest.raises(Exception, match="must say why"):
        proposals.reject(world, proposal.id, "rev", "  ")
    rejected = proposals.reject(world, proposal.id, "rev", "no source says so")
    assert (rejected.status, rejected.reason, rejected.decided_by) == ("rejected", "no source says so", "rev")
    with pytest.raises(ProposalConflict):
        proposals.accept(world, proposal.id, "rev", not_by_proposer=False)
    with pytest.raises(NotFound):
        proposals.get(world, "p-nothing")
    assert [p.id for p in proposals.listing(world, "rejected")] == [proposal.id]
    assert proposals.listing(world, "open") == []


# --- over HTTP ---------------------------------------------------------------------------------------


@pytest.fixture
def review(service_settings, clock):
    """A service under required review holding the small world, with an editor and two reviewers."""
    with TestClient(create_app(service_settings.replace(review="required"), clock=clock)) as client:
        assert client.post("/events", json=coalition_world(), headers=AUTH).status_code == 201
        store = client.app.state.services.store
        client.keys = {name: keys.issue(store, name, role)[1]
                       for name, role in (("ed", "editor"), ("rev", "reviewer"), ("rita", "reader"))}
        yield client


def test_the_review_workflow_over_http(review):
    ed, rev = bearer(review.keys["ed"]), bearer(review.keys["rev"])
    health = review.get("/health").json()
    created = review.post("/proposals", params={"note": "Paris says yes"}, json=[stance("s1")], headers=ed)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["status"], body["proposed_by"], body["note"]) == ("open", "ed", "Paris says yes")
    assert body["id"] and body["created"] and [e["id"] for e in body["events"]] == ["s1"]
    assert body["preview"]["problems"] == [] and body["preview"]["would_append"][0]["id"] == "s1"
    assert review.get("/health").json() == health  # nothing in the log, no change record
    listed = review.get("/proposals", params={"status": "open"}, headers=ed).json()["proposals"]
    assert [p["id"] for p in listed] == [body["id"]] and listed[0]["preview"] is None
    assert review.get(f"/proposals/{body['id']}", headers=rev).json()["preview"]["would_append"]
    assert review.post(f"/proposals/{body['id']}/accept", headers=ed).status_code == 403  # an editor
    accepted = review.post(f"/proposals/{body['id']}/accept", headers=rev)
    assert accepted.status_code == 201 and accepted.json()["appended"][0]["id"] == "s1"
    event = review.get("/events/s1").json()
    assert (event["recorded_by"], event["proposed_by"]) == ("rev", "ed")
    assert review.get("/changes", params={"after": health["last_change"]}).json()["changes"]
    again = review.post(f"/proposals/{body['id']}/accept", headers=rev)
    assert again.status_code == 409
    feed = review.get("/proposals/feed", headers=ed).json()
    assert [(c["status"], c["by"]) for c in feed["changes"]] == [("open", "ed"), ("accepted", "rev")]
    assert review.get("/proposals/feed", params={"after": feed["next_after"]}, headers=ed).json()["changes"] == []


def test_refusals_over_http(review):
    ed, rev, rita = (bearer(review.keys[n]) for n in ("ed", "rev", "rita"))
    assert review.post("/proposals", json=[stance("s1")], headers=rita).status_code == 403
    assert review.post("/proposals", json=[stance("s1")]).status_code == 401
    assert review.get("/proposals", headers=rita).status_code == 403
    bad = review.post("/proposals", json=[stance("s1") | {"occurred": "2026-13"}], headers=ed)
    assert bad.status_code == 422 and bad.json()["errors"]
    own = review.post("/proposals", json=[stance("s2")], headers=rev).json()
    refused = review.post(f"/proposals/{own['id']}/accept", headers=rev)
    assert refused.status_code == 403 and "another reviewer" in refused.json()["detail"]
    assert review.post(f"/proposals/{own['id']}/accept", headers=AUTH).status_code == 201  # the admin may
    assert review.post("/proposals/p-none/accept", headers=rev).status_code == 404
    mine = review.post("/proposals", json=[stance("s3")], headers=ed).json()
    assert review.post(f"/proposals/{mine['id']}/reject", json={}, headers=rev).status_code == 422
    rejected = review.post(f"/proposals/{mine['id']}/reject", json={"reason": "no source"}, headers=rev)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert review.post(f"/proposals/{mine['id']}/reject", json={"reason": "x"}, headers=rev).status_code == 409
    stale = review.post("/proposals", json=[stance("s4")], headers=ed).json()
    review.post("/events", json=stance("s4", stance_="declined"), headers=rev)
    conflict = review.post(f"/proposals/{stale['id']}/accept", headers=rev)
    assert conflict.status_code == 409 and conflict.json()["errors"]
    assert review.get(f"/proposals/{stale['id']}", headers=ed).json()["preview"]["problems"]


def test_proposals_survive_a_restart(service_settings, clock):
    with TestClient(create_app(service_settings, clock=clock)) as client:
        client.post("/events", json=coalition_world(), headers=AUTH)
        made = client.post("/proposals", json=[stance("s1")], headers=AUTH).json()
    with TestClient(create_app(service_settings, clock=clock)) as client:
        assert client.get(f"/proposals/{made['id']}", headers=AUTH).json()["status"] == "open"
        assert client.post(f"/proposals/{made['id']}/accept", headers=AUTH).status_code == 201


# --- the CLI ---------------------------------------------------------------------------------------------


def test_propose_list_accept_and_reject_from_the_cli(tmp_path, monkeypatch):
    monkeypatch.delenv("COMMITMENTS_DATABASE_URL", raising=False)
    database = tmp_path / "cli.db"
    store = open_store(database)
    store.append(events(*coalition_world()))
    store.close()
    batch = tmp_path / "batch.json"
    batch.write_text('[{"type": "stance.stated", "id": "s1", "occurred": "2026-01-05", "actor": "fr",'
                     ' "topic": "troops", "stance": "committed", "summary": "s", "sources": [{"outlet": "W"}]}]')

    def run(*args, expect=0):
        result = CliRunner().invoke(cli.main, ["--database", str(database), *args])
        assert result.exit_code == expect, result.output
        return result.output

    proposed = run("propose", str(batch), "--by", "ed", "--note", "from the wire")
    ident = proposed.split()[1]
    assert ident.startswith("p-") and "would append 1" in proposed
    assert ident in run("proposals", "--status", "open")
    assert "no proposal" in run("accept", "p-none", expect=2)
    assert "Appended 1" in run("accept", ident, "--by", "rev")
    assert "accepted" in run("proposals")
    again = run("propose", str(batch), "--by", "ed").split()[1]
    assert "must say why" in run("reject", again, "--reason", " ", expect=2)
    assert "Rejected" in run("reject", again, "--reason", "a retry of s1")
    store = open_store(database)
    assert (store.get("s1").recorded_by, store.get("s1").proposed_by) == ("rev", "ed")
    store.close()
