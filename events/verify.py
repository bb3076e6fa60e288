"""Integrity check: positions gap-free, recorded time monotonic, projections equal a rebuild."""

from __future__ import annotations

import hashlib
from typing import Any

from events.tables import search
from events.tables.schema import PROJECTIONS, SEARCH
from events.tables.tx import Tx
from events.writing.rebuild import replay


class _Undo(Exception):
    """Raised to roll back the trial rebuild."""


def checksums(tx: Tx) -> dict[str, str]:
    """A digest of every projection table's rows, in a stable order."""
    out = {}
    for table in PROJECTIONS:
        digest = hashlib.sha256()
        # the declared columns, not *: a backend's own (PostgreSQL's generated tsvector) is no part of the rows
        for row in tx.fetchall(f"SELECT {', '.join(table.columns)} FROM {table.name} ORDER BY {', '.join(table.pk)}"):
            digest.update(repr(row).encode())
        out[table.name] = digest.hexdigest()
    return out


def log_checksum(tx: Tx) -> str:
    """A digest of the whole log (positions, ids, recorded instants and bodies)."""
    digest = hashlib.sha256()
    for row in tx.fetchall("SELECT position, id, recorded, body FROM events ORDER BY position"):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def verify(store: Any) -> list[str]:
    """Check the log and its projections; returns a list of problems (empty when all is well).

    The projections are rebuilt inside a transaction that is then rolled back, so the
    check changes nothing.
    """
    problems: list[str] = []
    with store.reading() as tx:
        count, low, high = tx.fetchone("SELECT count(*), min(position), max(position) FROM events")
        if count and (low != 1 or high != count):
            problems.append(f"positions are not gap-free: {count} events span positions {low}..{high}")
        backwards = tx.fetchone(
            "SELECT count(*) FROM events a JOIN events b ON b.position = a.position + 1 WHERE b.recorded < a.recorded"
        )[0]
        if backwards:
            problems.append(f"recorded time goes backwards {backwards} time(s)")
    try:
        with store.writing() as tx:
            before = checksums(tx)
            for table in PROJECTIONS:
                if table is SEARCH:
                    search.clear(tx)  # with its full-text index
                else:
                    tx.execute(f"DELETE FROM {table.name}")
            replay(tx)
            after = checksums(tx)
            for name in before:
                if before[name] != after[name]:
                    problems.append(f"projection '{name}' differs from a rebuild of the log")
            raise _Undo
    except _Undo:
        pass
    return problems
