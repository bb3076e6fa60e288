"""A bulk append into an empty SQLite store builds the stance indexes its rows reach in random order after writing
them; on PostgreSQL, where dropping an index would make readers wait, it keeps them.

``projector.BULK_FACTS`` is lowered here so that a small append counts as bulk.
"""

from __future__ import annotations

import pytest

from events.projections import projector
from events.tables.schema import STANCES
from events.verify import checksums
from tests.conftest import events, make, registrations
from tests.test_projection_format import _indexes

BUILT_AFTER = {index.name for index in STANCES.named if index.built_after_bulk}


def _log() -> list[dict]:
    """Registrations and stances in one append: several keys, a same-day tie, a backdated fact, a declaration,
    a condition change and a correction of a fact of the same append."""
    stances = [
        make("stance.stated", f"2025-0{month}-01", id=f"{actor}-{topic}-{month}", actor=actor, topic=topic,
             stance="conditional" if month % 2 else "committed", conditions=["ceasefire"] if month % 2 else [])
        for month in range(1, 8) for actor in ("fr", "gb", "de") for topic in ("troops", "money")
    ]
    return [
        *registrations(),
        *stances,
        make("stance.stated", "2025-03-01", id="fr-tie", actor="fr", topic="troops", stance="hostile"),
        make("stance.stated", "2024-12-01", id="gb-backdated", actor="gb", topic="money", stance="declined"),
        make("declaration.signed", "2025-05-15", id="decl", declaration="paris", title="Paris declaration",
             signatories=["fr", "gb"], provisions=[{"topic": "troops", "stance": "delivered", "summary": "troops"}]),
        make("condition.changed", "2025-06-15", id="met", condition="ceasefire", status="met"),
        make("event.corrected", "2025-07-02", id="fix", corrects="de-troops-3", replacement={"stance": "declined"}),
        make("event.corrected", "2025-07-03", id="gone", corrects="gb-money-5", retracted=True),
    ]


@pytest.fixture
def dropped(monkeypatch) -> list[list[str]]:
    """Bulk from 10 stance facts on; records what each append dropped."""
    monkeypatch.setattr(projector, "BULK_FACTS", 10)
    seen: list[list[str]] = []
    original = projector._indexes_dropped_for_bulk

    def recorded(tx, plan):
        found = original(tx, plan)
        seen.append(sorted(index.name for index in found))
        return found

    monkeypatch.setattr(projector, "_indexes_dropped_for_bulk", recorded)
    return seen


def _dropped_by_bulk(store) -> list[str]:
    """What a bulk append drops on this store's backend."""
    with store.reading() as tx:
        return [] if tx.ddl_blocks_readers else sorted(BUILT_AFTER)


def test_a_bulk_append_writes_the_same_rows_and_ends_with_every_index(store, dropped, monkeypatch):
    store.append(events(*_log()))
    assert dropped == [_dropped_by_bulk(store)]
    with store.reading() as tx:
        bulk = checksums(tx)
        assert _indexes(tx, "stance_intervals") >= BUILT_AFTER
    monkeypatch.setattr(projector, "BULK_FACTS", 10**9)
    store.rebuild()  # the same append replayed, the indexes kept throughout
    assert dropped[-1] == []
    with store.reading() as tx:
        assert checksums(tx) == bulk
        assert _indexes(tx, "stance_intervals") >= BUILT_AFTER


def test_an_append_to_a_store_with_stances_keeps_the_indexes(store, dropped):
    store.append(events(*registrations(), make("stance.stated", id="first", actor="fr", topic="troops",
                                               stance="committed")))
    store.append(events(*_log()[len(registrations()):]))
    assert dropped == [[], []]  # the first append is too small, the second finds a stored stance


def test_a_failed_bulk_append_stores_nothing_and_keeps_the_indexes(store, dropped, monkeypatch):
    def failing(tx, records):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(projector.changes, "insert", failing)
    with pytest.raises(RuntimeError):
        store.append(events(*_log()))
    assert dropped == [_dropped_by_bulk(store)]
    assert store.last_position() == 0
    with store.reading() as tx:
        assert _indexes(tx, "stance_intervals") >= BUILT_AFTER
        assert tx.fetchone("SELECT count(*) FROM stance_intervals") == (0,)


def test_only_postgresql_says_its_readers_would_wait(store):
    with store.reading() as tx:
        assert tx.ddl_blocks_readers == (type(tx).__name__ == "PostgresTx")
