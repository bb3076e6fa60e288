"""Group commit: concurrent requests share transactions, each keeps its own result, nothing is lost."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from events import UnknownReference
from events.verify import verify
from service.group_commit import GroupCommitter
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
