"""An append and everything it derives commit together or not at all.

The log rows, their reference index, every projection and the change records are written
in the append's one transaction. Here the append fails on purpose part-way through, after
some of those rows were written (the failing hook checks that they are visible inside the
transaction), and afterwards every table must be exactly as before: the log did not grow
and nothing partial is stored. Runs on SQLite and PostgreSQL. The kill -9 version of this
is ``test_crash_http.py``; the import version (many appends in one transaction) is here too.
"""

from __future__ import annotations

import hashlib

import pytest

from events.projections import changes, projector, timeline
from events.tables import log, schema
from events.verify import checksums, log_checksum, verify
from tests.conftest import AUTH, events, make


class Boom(RuntimeError):
    """The failure injected into an append."""


def everything(store) -> dict[str, str]:
    """A digest of every table the store has (log, index, projections, change records, service state)."""
    out = {}
    with store.reading() as tx:
        for table in schema.TABLES:
            rows = sorted(repr(row) for row in tx.fetchall(f"SELECT * FROM {table.name}"))
            out[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        out["log_checksum"] = log_checksum(tx)
        out.update({f"checksum:{k}": v for k, v in checksums(tx).items()})
    return out


def a_batch_that_touches_every_projection() -> list:
    """Registration, group, stance with a condition, condition change, meeting and a correction, in one batch."""
    return events(
        make("actor.registered", "2025", id="reg-it", actor="it", name="Italy", kind="state"),
        make("group.founded", "2025-03", id="founded", group="coalition", founders=["fr", "gb"]),
        make("stance.stated", "2026-01-05", id="s-fr", actor="fr", topic="troops", stance="conditional",
             conditions=["ceasefire"]),
        make("stance.stated", "2026-01-06", id="s-it", actor="it", topic="money", stance="supportive"),
        make("condition.changed", "2026-01-06", id="cf-met", condition="ceasefire", status="met"),
        make("meeting.held", "2026-01-06", id="summit", title="Summit", participants=["fr", "it"]),
        make("event.corrected", "2026-01-06", id="fix-fr", corrects="s-fr", replacement={"stance": "committed"}),
    )


def fail_after(target, written: str):
    """Wrap ``target``: run it, check that the transaction sees the batch's rows (``written`` counts them), raise."""
    def failing(tx, *args, **kwargs):
        target(tx, *args, **kwargs)
        assert tx.fetchone(f"SELECT count(*) FROM {written}")[0] > 0, "the injected failure came too early"
        raise Boom("injected")
    return failing


def _project_keys_failing_on_stances(original):
    """Wrap the projector's per-table step: fail once the stance intervals are written (conditions are by then)."""
    def failing(tx, table, *args, **kwargs):
        result = original(tx, table, *args, **kwargs)
        if table.table == "stance_intervals":
            assert tx.fetchone("SELECT count(*) FROM condition_intervals WHERE event_id = 'cf-met'")[0] > 0
            assert tx.fetchone("SELECT count(*) FROM stance_intervals WHERE event_id = 's-fr'")[0] > 0
            raise Boom("injected")
        return result
    return failing


#: Where the append fails: after the log rows, in the middle of the projections, after the change records.
FAILURE_POINTS = {
    "after-the-log-rows": lambda mp: mp.setattr(
        log, "insert_refs", fail_after(log.insert_refs, "events WHERE id = 's-fr'")),
    "after-registry-before-timeline": lambda mp: mp.setattr(
        timeline, "put_rows", fail_after(timeline.put_rows, "registry WHERE id = 'it'")),
    "between-projection-tables": lambda mp: mp.setattr(projector, "_project_keys",
                                                       _project_keys_failing_on_stances(projector._project_keys)),
    "after-the-change-records": lambda mp: mp.setattr(
        changes, "insert", fail_after(changes.insert, "changes WHERE event_id IN ('s-fr', 'fix-fr', 'cf-met')")),
}


@pytest.mark.parametrize("where", FAILURE_POINTS)
def test_a_failure_part_way_through_an_append_leaves_every_table_as_it_was(registered, monkeypatch, where):
    before = everything(registered)
    last = registered.last_position()
    with monkeypatch.context() as patch:
        FAILURE_POINTS[where](patch)
        with pytest.raises(Boom):
            registered.append(a_batch_that_touches_every_projection())
    assert registered.last_position() == last, "the log grew"
    assert everything(registered) == before, "something partial is stored"
    # Nothing was left locked or half-done: the same batch appends cleanly afterwards.
    result = registered.append(a_batch_that_touches_every_projection())
    assert result.created and result.last_position == last + 7
    with registered.reading() as tx:
        assert tx.fetchone("SELECT count(*) FROM changes")[0] > 0, "the batch should write change records"
    assert verify(registered) == []


def test_an_import_that_fails_in_its_third_append_stores_none_of_them(registered, monkeypatch):
    before = everything(registered)
    calls = []
    original = projector.AppendProjection.finish

    def third_fails(self):
        calls.append(1)
        if len(calls) == 3:
            raise Boom("injected")
        return original(self)

    monkeypatch.setattr(projector.AppendProjection, "finish", third_fails)
    batches = [(events(make("stance.stated", f"2026-01-0{n}", id=f"imp-{n}", actor="fr", topic="troops",
                            stance="committed")), None) for n in range(1, 5)]
    with pytest.raises(Boom):
        registered.append_batches(batches)
    assert len(calls) == 3
    assert everything(registered) == before


def test_through_http_a_failing_projector_is_a_500_and_the_log_does_not_move(service_world, monkeypatch):
    store = service_world.app.state.services.store
    before = everything(store)
    batch = [make("stance.stated", "2026-01-06", id="late", actor="gb", topic="troops", stance="declined")]
    with monkeypatch.context() as patch:
        patch.setattr(changes, "insert", fail_after(changes.insert, "changes WHERE event_id = 'late'"))
        response = service_world.post("/events", json=batch, headers=AUTH)
    assert response.status_code == 500 and response.headers["content-type"].startswith("application/problem+json")
    assert everything(store) == before
    retry = service_world.post("/events", json=batch, headers=AUTH)
    assert retry.status_code == 201, retry.text
    assert verify(store) == []

