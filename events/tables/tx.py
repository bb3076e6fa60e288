"""The transaction every table module talks SQL through, whichever database is behind it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class Tx(Protocol):
    """A write transaction or a read snapshot that runs SQL with ``?`` placeholders.

    Each backend's transaction satisfies it (``events/store/sqlite.py``, ``events/store/postgres.py``);
    every module below the store writes backend-neutral SQL against it.
    """

    #: Whether dropping or creating an index in a write transaction makes readers of the table wait until it ends.
    ddl_blocks_readers: bool
    #: Which SQL the backend speaks where the portable subset ends (full-text search): "sqlite" or "postgresql".
    dialect: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement."""

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for many parameter rows."""

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return every row."""

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """Run a query and return its first row, or None."""


def scalar(tx: Tx, sql: str, params: Sequence[Any] = ()) -> Any:
    """The first column of a query's first row, or None when it has no row."""
    row = tx.fetchone(sql, params)
    return None if row is None else row[0]
