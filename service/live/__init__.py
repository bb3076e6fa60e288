"""The live side of a running service: the change feed and the work driven by time rather than by requests.

The one :class:`~service.live.watcher.ChangeWatcher` notices new change records; the feed's
page reader and subscribers (SSE), the webhook dispatcher and the scheduler all wait on it.
:mod:`service.live.background` starts and stops them together; :func:`service.bootstrap.build_background`
wires them to the store and the clock. ``feed`` and ``sse`` are also the one JSON and wire encoding of
a change record that ``GET /changes`` and ``commitments tail`` use.

Nothing is imported here: the CLI's read commands load this package without APScheduler or httpx.
"""
