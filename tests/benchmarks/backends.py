"""The databases the benchmark measures on: a fresh SQLite file or a fresh PostgreSQL schema per run.

Every database made here is dropped by :meth:`Database.drop` (the runner drops the ones
it kept for later measurements at the end), so a benchmark leaves no schema behind in
the shared ``test`` database and no gigabyte files in ``bench-results/db/``.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from tests.benchmarks.common import DATABASES
from tests.postgres import unreachable

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
#: Where PostgreSQL is looked for: the tests' variable, else the local ``test`` database.
POSTGRES_URL = os.environ.get("COMMITMENTS_BENCH_POSTGRES") or os.environ.get(
    "COMMITMENTS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass
class Database:
    """One benchmark database: the URL the store and the CLI take, and how to get rid of it."""

    backend: str
    url: str
    path: Path | None = None  # the SQLite file
    schema: str | None = None  # the PostgreSQL schema

    def drop(self) -> None:
        """Delete the file's folder (with its WAL, shared memory and token files) or drop the schema."""
        if self.path is not None and self.path.parent.parent == DATABASES:  # only folders made by fresh()
            shutil.rmtree(self.path.parent, ignore_errors=True)
        if self.schema is not None:
            import psycopg

            with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=10) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


def fresh(backend: str, label: str) -> Database:
    """A new, empty database named after ``label`` (any leftover of the same name is dropped first)."""
    name = f"bench_{label}_{os.getpid()}".replace("-", "_")
    if backend == SQLITE:
        folder = DATABASES / name  # a folder each: the token file the server writes lives beside the database
        database = Database(SQLITE, str(folder / "commitments.db"), path=folder / "commitments.db")
    elif backend == POSTGRESQL:
        separator = "&" if "?" in POSTGRES_URL else "?"
        database = Database(POSTGRESQL, f"{POSTGRES_URL}{separator}schema={name}", schema=name)
    else:
        raise ValueError(f"unknown backend {backend!r}")
    database.drop()
    if database.path is not None:
        database.path.parent.mkdir(parents=True, exist_ok=True)
    return database


def postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be measured here, or None when it can."""
    return unreachable(POSTGRES_URL)


def postgres_version() -> str | None:
    """The server's version, or None when unreachable."""
    if postgres_unreachable():
        return None
    import psycopg

    with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return row[0] if row else None
