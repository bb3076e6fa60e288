"""Whether a PostgreSQL server can be used: shared by the test fixtures and the benchmarks."""

from __future__ import annotations

import functools


@functools.cache
def unreachable(url: str) -> str | None:
    """Why the PostgreSQL at ``url`` cannot be used, or None when it can."""
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            return None
    except Exception as exc:  # any failure means: not here
        return f"{url}: {type(exc).__name__}: {str(exc).strip()[:200]}"
