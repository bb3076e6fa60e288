"""The service around the core: the HTTP API (litestar), the ``commitments`` CLI and the timeline formats.

Data flows one way: HTTP or CLI -> :mod:`service.answers` -> the core's queries and
appends (:mod:`events`). :mod:`service.bootstrap` is the one place that wires the store
and the clock.
"""
