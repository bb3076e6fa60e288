"""Projections of another format are rebuilt when a store opens; condition dependents know until when they depend."""

from __future__ import annotations

from events import open_store
from events.store import EventStore
from events.store.sqlite import SqliteTx
from events.tables.schema import PROJECTION_FORMAT
from events.verify import checksums, verify
from tests.conftest import events, make, open_postgres, registrations


def _reopen(store: EventStore) -> EventStore:
    """The same database opened again, as a new process would."""
    store.close()
    database = store.database
    if hasattr(database, "path"):
        return open_store(database.path, clock=store.clock)
    return open_postgres(database.schema, store.clock, pool_size=2)


def _stance(id_, occurred, stance="conditional", conditions=("ceasefire",), actor="fr", topic="troops"):
    return make("stance.stated", occurred, id=id_, actor=actor, topic=topic, stance=stance, conditions=list(conditions))


def _world(store: EventStore) -> None:
    store.append(events(*registrations()))
    store.append(events(_stance("fr-c", "2025-06-01"), _stance("gb-c", "2025-06-01", actor="gb"),
                        make("condition.changed", "2025-09-01", id="met", condition="ceasefire", status="met")))
    store.append(events(_stance("fr-later", "2025-10-01", stance="committed", conditions=())))


def _format(store: EventStore) -> str | None:
    with store.reading() as tx:
        row = tx.fetchone("SELECT value FROM meta WHERE key = 'projection_format'")
    return row[0] if row else None


def test_a_new_store_records_the_projection_format(store):
    assert _format(store) == str(PROJECTION_FORMAT)


def test_projections_of_an_older_format_are_dropped_and_rebuilt_on_open(store, caplog):
    _world(store)
    with store.reading() as tx:
        expected = checksums(tx)
    with store.writing() as tx:  # what an older release left: no `until` column, other rows, its format number
        tx.execute("UPDATE meta SET value = '1' WHERE key = 'projection_format'")
        tx.execute("ALTER TABLE condition_dependents DROP COLUMN until")
        tx.execute("DELETE FROM stance_intervals")
    reopened = _reopen(store)
    try:
        assert "rebuilding them from the" in caplog.text  # the operator learns why the start takes longer
        assert _format(reopened) == str(PROJECTION_FORMAT)
        with reopened.reading() as tx:
            assert checksums(tx) == expected
        assert verify(reopened) == []
    finally:
        reopened.close()


def test_an_older_store_loses_the_change_indexes_no_reader_uses(store):
    _world(store)
    with store.reading() as tx:
        expected = checksums(tx)
    with store.writing() as tx:  # format 3 indexed change records by key and by position; nothing read them
        tx.execute("UPDATE meta SET value = '3' WHERE key = 'projection_format'")
        tx.execute("CREATE INDEX idx_changes_actor_topic_seq ON changes (actor, topic, seq)")
        tx.execute("CREATE INDEX idx_changes_position ON changes (position)")
    reopened = _reopen(store)
    try:
        with reopened.reading() as tx:
            assert checksums(tx) == expected
            assert _indexes(tx, "changes") == set()
    finally:
        reopened.close()


def test_a_format_7_store_loses_what_repeats_the_log_and_keeps_answering(store):
    _world(store)
    with store.reading() as tx:
        expected = checksums(tx)
    with store.writing() as tx:  # format 7: timeline_refs, an index on recorded, the log's date columns filled
        tx.execute("UPDATE meta SET value = '7' WHERE key = 'projection_format'")
        tx.execute("CREATE TABLE timeline_refs (event_id TEXT, kind TEXT, ref TEXT, PRIMARY KEY (event_id, kind, ref))")
        tx.execute("CREATE INDEX idx_events_recorded_position ON events (recorded, position)")
        for column in ("occurred", "earliest", "latest"):
            tx.execute(f"ALTER TABLE events ADD COLUMN {column} TEXT")
            tx.execute(f"UPDATE events SET {column} = '2025-01-01'")
    reopened = _reopen(store)
    try:
        with reopened.reading() as tx:
            assert checksums(tx) == expected
            assert _indexes(tx, "events") == {"idx_events_id"}
            assert tx.fetchone("SELECT count(*) FROM events WHERE occurred IS NULL")[0] == 0  # the log is untouched
            kinds = {name for (name,) in tx.fetchall(
                "SELECT name FROM sqlite_master WHERE name = 'timeline_refs'" if isinstance(tx, SqliteTx) else
                "SELECT tablename FROM pg_tables WHERE tablename = 'timeline_refs' AND schemaname = current_schema()")}
            assert kinds == set()
        # the old date columns stay, unread: new events leave them empty and are answered from their bodies
        reopened.append(events(_stance("fr-again", "2025-11-01", stance="declined", conditions=())))
        with reopened.reading() as tx:
            assert tx.fetchone("SELECT occurred FROM events WHERE id = 'fr-again'") == (None,)
        assert verify(reopened) == []
    finally:
        reopened.close()


def _indexes(tx, table: str) -> set[str]:
    """The names of a table's secondary indexes (not the primary key's), on either backend."""
    if isinstance(tx, SqliteTx):
        return {name for (name,) in tx.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
            " AND name NOT LIKE 'sqlite_autoindex%'", (table,))}
    return {name for (name,) in tx.fetchall(
        "SELECT indexname FROM pg_indexes WHERE tablename = ? AND schemaname = current_schema()"
        " AND indexname NOT LIKE '%_pkey'", (table,))}


def test_projections_of_the_current_format_are_not_rebuilt_on_open(store):
    _world(store)
    with store.writing() as tx:
        tx.execute("DELETE FROM stance_intervals")
    reopened = _reopen(store)
    try:
        assert "stance_intervals" in " ".join(verify(reopened))  # still damaged: opening did not replay the log
    finally:
        reopened.close()


def _until(store: EventStore) -> dict[tuple[str, str, str], str | None]:
    with store.reading() as tx:
        return {(c, a, t): u for c, a, t, u in tx.fetchall(
            "SELECT condition, actor, topic, until FROM condition_dependents")}


def test_dependents_know_the_day_a_key_stops_naming_a_condition(store):
    _world(store)
    # fr named the ceasefire from June until its unconditional stance of October; gb still names it
    assert _until(store) == {("ceasefire", "fr", "troops"): "2025-10-01", ("ceasefire", "gb", "troops"): None}
    store.append(events(make("event.corrected", id="fix", corrects="fr-later", retracted=True)))
    assert _until(store)[("ceasefire", "fr", "troops")] is None  # the retraction makes fr name it again


def test_a_condition_change_after_a_key_stopped_naming_it_leaves_that_key_alone(store):
    _world(store)
    with store.reading() as tx:
        last = tx.fetchone("SELECT max(seq) FROM changes")[0]
    store.append(events(make("condition.changed", "2025-11-01", id="failed", condition="ceasefire",
                             status="failed")))
    with store.reading() as tx:
        changed = tx.fetchall("SELECT actor, topic FROM changes WHERE seq > ?", (last,))
    assert changed == [("gb", "troops")]
    assert verify(store) == []
