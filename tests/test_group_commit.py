"""Group commit: concurrent requests share transactions, each keeps its own result, nothing is lost."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from events import UnknownReference
from events.verify import verify
from service.writing.group_commit import GroupCommitter
from tests.conftest import events, make


def test_concurrent_requests_are_grouped_and_each_gets_its_own_answer(registered):
    committer = GroupCommitter(registered)
    committer.start()
    try:
        def one(i):
            actor = "nobody" if i % 10 == 0 else "fr"
            batch = events(make("stance.stated", id=f"c{i}", actor=actor, topic="troops", stance="committed"))
            try:
                return committer.append(batch).appended[0].id
            except UnknownReference:
                return None

        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(one, range(200)))
    finally:
        committer.stop()
    assert answers == [None if i % 10 == 0 else f"c{i}" for i in range(200)]
    stored = [s.event.id for s in registered.read(type="stance.stated")]
    assert sorted(stored) == sorted(f"c{i}" for i in range(200) if i % 10)
    assert committer.requests == 200 and committer.groups <= 200
    assert verify(registered) == []


def test_without_a_thread_it_appends_directly(registered):
    committer = GroupCommitter(registered)
    result = committer.append(events(make("stance.stated", id="direct", actor="fr", topic="troops",
                                          stance="declined")))
    assert result.appended[0].id == "direct"
    with pytest.raises(UnknownReference):
        committer.append(events(make("stance.stated", actor="xx", topic="troops", stance="declined")))


def test_requests_waiting_on_an_event_loop_each_get_their_own_answer(registered):
    committer = GroupCommitter(registered)
    committer.start()

    async def one(i):
        actor = "nobody" if i % 10 == 0 else "fr"
        batch = events(make("stance.stated", id=f"a{i}", actor=actor, topic="troops", stance="committed"))
        try:
            return (await committer.append_async(batch)).appended[0].id
        except UnknownReference:
            return None

    async def many():
        return await asyncio.gather(*(one(i) for i in range(100)))

    try:
        answers = asyncio.run(many())
    finally:
        committer.stop()
    assert answers == [None if i % 10 == 0 else f"a{i}" for i in range(100)]
    assert committer.requests == 100 and committer.groups < 100
    assert verify(registered) == []


def test_a_waiting_request_cancelled_before_its_group_commits_stops_nothing(registered):
    committer = GroupCommitter(registered)
    committer.start()
    release = threading.Event()
    held = threading.Event()

    def hold_the_writer():
        with registered.writing():
            held.set()
            release.wait(10)

    def stance(id_):
        return events(make("stance.stated", id=id_, actor="fr", topic="troops", stance="committed"))

    async def scenario():
        blocker = threading.Thread(target=hold_the_writer)
        blocker.start()
        held.wait(10)
        first = asyncio.create_task(committer.append_async(stance("first")))  # the writer takes it and waits
        await asyncio.sleep(0.05)
        cancelled = asyncio.create_task(committer.append_async(stance("cancelled")))
        kept = asyncio.create_task(committer.append_async(stance("kept")))
        await asyncio.sleep(0.05)  # both wait in the queue for the next group
        cancelled.cancel()
        release.set()
        blocker.join()
        answers = [(await asyncio.wait_for(task, 10)).appended[0].id for task in (first, kept)]
        later = await asyncio.wait_for(committer.append_async(stance("later")), 10)
        return answers, later.appended[0].id

    try:
        answers, later = asyncio.run(scenario())
    finally:
        release.set()
        committer.stop()
    assert answers == ["first", "kept"] and later == "later"
    # the cancelled request's append stands: a cancellation cannot take back what a group may have written
    assert [s.event.id for s in registered.read(type="stance.stated")] == ["first", "cancelled", "kept", "later"]
