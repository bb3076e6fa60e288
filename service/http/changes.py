"""``/changes``: the stance-change records, page by page (the same JSON the live feed sends)."""

from __future__ import annotations

from litestar import Controller, get

from service.documents import ChangesPage
from service.http.errors import READ_PROBLEMS, problem_responses
from service.http.params import ActorFilter, After, ChangeKind, Limit, Store, TopicFilter
from service.live import feed


class ChangesController(Controller):
    """Change records."""

    path = "/changes"
    tags = ["changes"]

    @get("/", sync_to_thread=True, summary="Stance-change records", responses=problem_responses(*READ_PROBLEMS))
    def page(self, store: Store, after: After = 0, limit: Limit = 100, actor: ActorFilter = None,
             topic: TopicFilter = None, kind: ChangeKind = None) -> ChangesPage:
        """Change records after sequence number `after`; `next_after` skips past filtered-out records too."""
        return feed.changes_page(store, after=after, limit=limit, actor=actor, topic=topic, kind=kind)
