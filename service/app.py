"""The litestar application: routes, error handling, auth, limits, and the store's lifetime."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide

from events import Clock, EventStore
from service import seeding
from service.bootstrap import build_background, open_services, resolve_token
from service.http import DATA_CONTROLLERS, PUBLIC_CONTROLLERS
from service.http.allow import allowed_methods, complete_allow_headers
from service.http.auth import access_checks
from service.http.errors import EXCEPTION_HANDLERS
from service.http.identity import KeyRing
from service.http.openapi import VariadicTupleItems, openapi_config
from service.http.ratelimit import RateLimiter
from service.http.reads import AnswerCache, Reader
from service.settings import Settings
from service.writing.group_commit import GroupCommitter

#: Answers are gzipped for clients that accept it (browsers do): a day's matrix of 200 actors x 40 topics is ~3 MB
#: of JSON and ~0.15 MB gzipped. Level 3 compresses it in ~6 ms (level 9: ~60 ms for 10% less). The live feed is
#: left out: a gzip stream holds events back until its buffer fills.
COMPRESSION = CompressionConfig(backend="gzip", minimum_size=1024, gzip_compress_level=3, exclude=["/feed"])


def create_app(
    settings: Settings | None = None, store: EventStore | None = None, clock: Clock | None = None,
    *, freeze_after_start: bool = False,
) -> Litestar:
    """Build the application; the store is opened on startup (unless handed in) and closed on shutdown.

    ``freeze_after_start`` (``serve`` sets it: the server is the whole process) hands every object
    built at start-up to ``gc.freeze()``: they live as long as the process, and the collector's full
    passes over them paused requests under load (docs/performance.md has the figures).

    ``settings.token`` unset: the token is read from, or generated into, the token file
    beside the database (``serve`` resolves it first so that it can print a new one).
    """
    settings = settings or Settings.from_env()
    if settings.token is None:
        settings = settings.replace(token=resolve_token(settings).value)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        services = open_services(settings, store=store, clock=clock)
        app.state.services = services
        app.state.reader = Reader(services.store, services.clock, AnswerCache(settings.answer_cache_bytes))
        keyring = app.state.keyring = KeyRing(services.store, services.clock, app.state.token)
        try:
            if settings.seed_if_empty:
                seeding.seed_if_empty(services.store)
            services.committer.start()  # concurrent POSTs share one durable commit (service/writing/group_commit.py)
            # The feed watcher, webhook deliveries and the scheduler (docs/feed.md).
            background = app.state.background = build_background(services)
            await background.start()
            if freeze_after_start:
                gc.collect()
                gc.freeze()
            try:
                yield
            finally:
                await background.stop()
        finally:
            keyring.close()
            services.close()

    # The providers take no arguments: one that asks for ``state`` gets a copy of the app's state on every
    # request. A handler should need one of them only: several are resolved in a task group of their own.
    def _store() -> EventStore:
        """The store the lifespan opened (``app.state.services`` also holds the clock and settings)."""
        return app.state.services.store

    def _committer() -> GroupCommitter:
        """The group committer every append goes through."""
        return app.state.services.committer

    def _reader() -> Reader:
        """The read handlers' store, clock and answer cache (``service/http/reads.py``)."""
        return app.state.reader

    data = Router(path="/", route_handlers=list(DATA_CONTROLLERS), middleware=[access_checks])
    app = Litestar(
        route_handlers=[data, *PUBLIC_CONTROLLERS],
        dependencies={
            "store": Provide(_store, sync_to_thread=False),
            "committer": Provide(_committer, sync_to_thread=False),
            "reads": Provide(_reader, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[complete_allow_headers],
        lifespan=[lifespan],
        state=State({
            "settings": settings,
            "token": settings.token,
            "rate_limiter": RateLimiter(settings.write_rate, settings.write_burst),
            "auth_failures": RateLimiter(settings.auth_failure_rate, settings.auth_failure_burst),
        }),
        request_max_body_size=settings.max_body_bytes,
        compression_config=COMPRESSION,
        openapi_config=openapi_config(),
        plugins=[VariadicTupleItems()],
        signature_namespace={"EventStore": EventStore, "GroupCommitter": GroupCommitter, "Reader": Reader},
    )
    app.state.allowed = allowed_methods(app)
    return app
