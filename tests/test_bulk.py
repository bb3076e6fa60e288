"""Bulk work pauses Python's cyclic garbage collector, and always restores it."""

from __future__ import annotations

import gc

import pytest

from events.tables import log
from events.writing.bulk import collector_paused
from tests.conftest import events, make, registrations


@pytest.fixture(autouse=True)
def _collector_restored():
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def test_the_collector_is_paused_inside_and_enabled_again_after():
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_nested_pauses_end_with_the_outermost():
    gc.enable()
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled_and_an_error_still_restores():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
    gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_an_import_and_a_rebuild_run_with_the_collector_paused(store, monkeypatch):
    gc.enable()
    seen = []

    def watched(objects):
        for event in events(*objects):
            seen.append(gc.isenabled())
            yield event

    store.append_batches([(watched(registrations()), None)])
    stance = make("stance.stated", id="s", actor="fr", topic="troops", stance="committed")
    store.append_batches([(watched([stance]), None)])
    assert seen and not any(seen)
    assert gc.isenabled()
    original = log.read
    during = []

    def read(*args, **kwargs):
        during.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(log, "read", read)
    store.rebuild()
    assert during and not any(during)
    assert gc.isenabled()
