"""Attribution: every append records who made it (``recorded_by``, and ``proposed_by`` for accepted proposals),
through every write path, and export, import and older databases keep working."""

from __future__ import annotations

from click.testing import CliRunner

from events import Attribution, keys, open_store
from service import cli, transfer
from service.writing.writer_process import WriterProcess
from tests.conftest import AUTH, coalition_world, events, make, registrations


def stance(id_, actor="fr", stance_="committed"):
    return make("stance.stated", "2026-01-05", id=id_, actor=actor, topic="troops", stance=stance_)


def test_appends_remember_who_made_them_and_reads_filter_by_it(registered):
    registered.append(events(stance("s1")), by=Attribution("ed"))
    registered.append(events(stance("s2", actor="gb")), by=Attribution("rev", proposed_by="ed"))
    registered.append(events(stance("s3", actor="de")))
    got = {s.event.checked_id: (s.recorded_by, s.proposed_by) for s in registered.read(after=8)}
    assert got == {"s1": ("ed", None), "s2": ("rev", "ed"), "s3": (None, None)}
    assert registered.get("s2").proposed_by == "ed" and registered.get("reg-fr").recorded_by is None
    assert [s.event.checked_id for s in registered.read(recorded_by="ed")] == ["s1"]
    assert [s.event.checked_id for s in registered.read(recorded_by="rev")] == ["s2"]


def test_a_retry_keeps_the_first_attribution(registered):
    registered.append(events(stance("s1")), by=Attribution("ed"))
    again = registered.append(events(stance("s1")), by=Attribution("eve"))
    assert not again.created and registered.get("s1").recorded_by == "ed"


def test_a_group_commit_attributes_each_request_to_its_own_key(registered):
    outcomes = registered.append_group([(events(stance("s1")), None, Attribution("ed")),
                                        (events(stance("s2", actor="gb")), None, Attribution("eve")),
                                        (events(stance("s3", actor="de")), None)])
    assert all(o.created for o in outcomes)
    assert [(s.event.checked_id, s.recorded_by) for s in registered.read(after=8)] == [
        ("s1", "ed"), ("s2", "eve"), ("s3", None)]


def test_export_and_import_keep_the_attribution(registered, tmp_path):
    registered.append(events(stance("s1")), by=Attribution("ed"))
    registered.append(events(stance("s2", actor="gb")), by=Attribution("rev", proposed_by="ed"))
    lines = list(transfer.export_lines(registered))
    assert b'"recorded_by":"ed"' in lines[8] and b'"proposed_by":"ed"' in lines[9]
    assert b'"recorded_by":null' in lines[0] and b"proposed_by" not in lines[0]
    copy = open_store(tmp_path / "copy.db")
    transfer.import_lines(copy, lines)
    assert [(s.position, s.recorded, s.recorded_by, s.proposed_by) for s in copy.iter_all()] == [
        (s.position, s.recorded, s.recorded_by, s.proposed_by) for s in registered.iter_all()]
    copy.close()


def test_an_import_line_with_a_bad_attribution_is_refused_by_line(tmp_path):
    store = open_store(tmp_path / "x.db")
    line = b'{"type": "actor.registered", "occurred": "2025", "actor": "fr", "name": "France", "kind": "state",' \
           b' "summary": "s", "sources": [{"outlet": "W"}], "recorded_by": "Not A Key"}\n'
    try:
        transfer.import_lines(store, [line])
    except Exception as refused:
        assert [e.pointer for e in refused.errors] == ["line 1.recorded_by"]
    else:
        raise AssertionError("the line was imported")
    assert store.last_position() == 0
    attributed = line.replace(b"Not A Key", b"ed")  # without an id: the import gives it one to keep the attribution
    transfer.import_lines(store, [attributed])
    assert [s.recorded_by for s in store.iter_all()] == ["ed"]
    store.close()


def test_the_writer_process_carries_the_attribution(tmp_path):
    writer = WriterProcess(str(tmp_path / "w.db"), clock="2026-01-06T12:00:00Z")
    writer.start()
    try:
        writer.append_group([(events(*registrations()), None, Attribution("ed")), (events(stance("s1")), None)])
    finally:
        writer.stop()
    store = open_store(tmp_path / "w.db")
    assert {s.recorded_by for s in store.read()} == {"ed", None}
    assert store.get("s1").recorded_by is None and store.get("reg-fr").recorded_by == "ed"
    store.close()


def test_a_database_from_before_attribution_and_keys_opens_and_reads(tmp_path):
    path = tmp_path / "old.db"
    store = open_store(path)
    store.append(events(*registrations()))
    with store.writing() as tx:  # as an earlier release left it: neither table
        tx.execute("DROP TABLE attributions")
        tx.execute("DROP TABLE api_keys")
    store.close()
    reopened = open_store(path)
    assert [s.recorded_by for s in reopened.read()] == [None] * 8
    reopened.append(events(stance("s1")), by=Attribution("ed"))
    assert reopened.get("s1").recorded_by == "ed" and keys.listing(reopened) == []
    reopened.close()


# --- over HTTP and in the CLI -----------------------------------------------------------------------


def test_http_answers_say_who_recorded_each_event(service_world):
    store = service_world.app.state.services.store
    editor = keys.issue(store, "ed", "editor")[1]
    assert service_world.post("/events", json=stance("s1"), headers={"Authorization": f"Bearer {editor}"}
                              ).status_code == 201
    assert service_world.post("/events", json=stance("s2", actor="gb"), headers=AUTH).status_code == 201
    assert service_world.get("/events/s1").json()["recorded_by"] == "ed"
    assert service_world.get("/events/s2").json()["recorded_by"] == "admin"
    assert service_world.get("/events/paris-summit").json()["recorded_by"] == "admin"
    mine = service_world.get("/events", params={"recorded_by": "ed"}).json()["events"]
    assert [e["id"] for e in mine] == ["s1"] and "proposed_by" not in mine[0]
    assert service_world.get("/events", params={"recorded_by": "Bad Name"}).status_code == 400
    timeline = service_world.get("/timeline").json()["events"]
    assert {e["id"]: e["recorded_by"] for e in timeline}["s1"] == "ed"


def test_the_cli_timeline_shows_who_recorded(tmp_path, monkeypatch):
    monkeypatch.delenv("COMMITMENTS_DATABASE_URL", raising=False)
    store = open_store(tmp_path / "t.db")
    store.append(events(*coalition_world()), by=Attribution("ed"))
    store.close()
    result = CliRunner().invoke(cli.main, ["--database", str(tmp_path / "t.db"), "timeline"])
    assert result.exit_code == 0, result.output
    header, _, first, *_ = result.output.splitlines()
    assert header.rstrip().endswith("recorded by") and first.rstrip().endswith("ed")
