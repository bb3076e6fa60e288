"""The read path: answers cached by question while the log stands still, and appends that wait without a thread."""

import asyncio
import datetime as dt

import pytest
from litestar.testing import TestClient

from service import answers
from service.app import create_app
from service.http.reads import AnswerCache, Reader
from service.writing.group_commit import GroupCommitter
from tests.conftest import AUTH, coalition_world, events, make

# --- the cache itself ------------------------------------------------------------------------------


def test_an_answer_is_kept_for_its_question_at_its_position_only():
    cache = AnswerCache(1000)
    cache.put("q", 5, b"five")
    assert cache.get("q", 5) == b"five" and cache.get("other", 5) is None
    assert cache.get("q", 6) is None  # the log moved on: everything kept before is gone
    assert cache.get("q", 5) is None
    cache.put("q", 5, b"late")  # computed before the move, put after it: not kept
    assert cache.get("q", 6) is None
    assert (cache.hits, cache.misses) == (1, 4)


def test_the_cache_keeps_the_most_recently_used_answers_within_its_bytes():
    cache = AnswerCache(80)
    for key in "abcdefgh":  # 80 bytes: full
        cache.put(key, 1, key.encode() * 10)
    assert cache.get("a", 1) == b"a" * 10  # used: now the newest
    cache.put("i", 1, b"i" * 10)
    assert [k for k in "abcdefghi" if cache.get(k, 1)] == list("acdefghi")
    cache.put("huge", 1, b"x" * 11)  # more than an eighth of the cache: answered, never kept
    assert cache.get("huge", 1) is None
    disabled = AnswerCache(0)
    disabled.put("a", 1, b"a")
    assert not disabled.enabled and disabled.get("a", 1) is None


# --- over HTTP ---------------------------------------------------------------------------------------


def reader(api: TestClient):
    return api.app.state.reader


def test_a_repeated_question_is_answered_from_the_cache_with_the_same_body(service_world):
    cache = reader(service_world).cache
    first = service_world.get("/actors/fr/stances", params={"at": "2026-01-06"})
    hits = cache.hits
    again = service_world.get("/actors/fr/stances", params={"at": "2026-01-06"})
    assert cache.hits == hits + 1
    assert again.content == first.content and again.headers["content-type"] == "application/json"
    assert service_world.get("/actors/fr/stances").content == first.content  # `at` defaults to the same day
    assert cache.hits == hits + 2


def test_an_append_is_seen_by_the_next_read(service_world):
    def troops():
        return service_world.get("/actors/de/stances", params={"topic": "troops"}).json()["stances"][0]["stance"]

    matrix = service_world.get("/stances").json()
    assert troops() == "declined" and troops() == "declined"
    # A second report of the same day competes with the first: the answer is the more cautious of the two.
    appended = service_world.post("/events", json=make("stance.stated", id="de-turns", actor="de", topic="troops",
                                                       stance="hostile"), headers=AUTH)
    assert appended.status_code == 201
    assert troops() == "hostile"
    assert service_world.get("/stances").json() != matrix


@pytest.mark.parametrize("path", ["/actors", "/actors/coalition", "/actors/fr/stances", "/stances", "/conditions",
                                  "/diff?from=2025-01-01", "/history/fr/troops", "/timeline",
                                  "/timeline?format=vis", "/actors/xx/stances"])
def test_cached_and_uncached_answers_are_the_same(service_settings, clock, path):
    bodies = []
    for size in (0, 1 << 20):  # two services on one database file: the first one appends the world
        with TestClient(create_app(service_settings.replace(answer_cache_bytes=size), clock=clock)) as api:
            if not bodies:
                assert api.post("/events", json=coalition_world(), headers=AUTH).status_code == 201
            answers = [api.get(path) for _ in range(2)]
            assert answers[0].content == answers[1].content
            bodies.append((answers[0].status_code, answers[0].content))
    assert bodies[0] == bodies[1]


def test_a_network_database_is_read_on_worker_threads_and_cached_alike(registered, clock):
    local = Reader(registered, clock, AnswerCache(1 << 20))
    remote = Reader(registered, clock, AnswerCache(1 << 20))
    remote.local = False  # as for PostgreSQL: the position and the answer are read on a worker thread

    async def ask(reader):
        return [await reader.answer(answers.actor_stances, "fr", dt.date(2026, 1, 6), None, None, quick=True)
                for _ in range(2)]

    assert asyncio.run(ask(remote)) == asyncio.run(ask(local))
    assert remote.cache.hits == local.cache.hits == 1


# --- appends from the event loop ---------------------------------------------------------------------


def test_appends_awaited_on_the_event_loop_share_groups(registered):
    committer = GroupCommitter(registered)
    committer.start()

    async def many():
        return await asyncio.gather(*[
            committer.append_async(events(make("stance.stated", id=f"a{i}", actor="fr", topic="troops",
                                               stance="committed" if i % 2 else "declined")))
            for i in range(40)])

    try:
        results = asyncio.run(many())
    finally:
        committer.stop()
    assert [r.appended[0].id for r in results] == [f"a{i}" for i in range(40)]
    assert committer.requests == 40 and committer.groups < 40


def test_an_append_awaited_before_the_committer_starts_goes_straight_to_the_store(registered):
    committer = GroupCommitter(registered)
    result = asyncio.run(committer.append_async(events(make("stance.stated", id="direct", actor="fr",
                                                            topic="troops", stance="declined"))))
    assert result.appended[0].id == "direct" and committer.groups == 0


def test_the_reader_uses_the_service_clock_for_today(service_api, clock):
    assert reader(service_api).today() == clock.now().date() == dt.date(2026, 1, 6)
