"""The service around the core: the HTTP API (litestar), the ``commitments`` CLI and the timeline formats.

Data flows one way: HTTP or CLI -> :mod:`service.answers` -> the core's queries and
appends (:mod:`events`). :mod:`service.bootstrap` is the one place that wires the store,
the clock and the background work; only :mod:`service.app` and :mod:`service.cli` import it.
:mod:`service.writing` holds the server's write path, :mod:`service.live` the feed and the
work driven by time, :mod:`service.http` one controller per resource (docs/architecture.md).
"""
