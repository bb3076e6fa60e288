"""The PostgreSQL store, for deployments that run several service instances on one database.

The only module that imports ``psycopg``. It runs the same backend-neutral SQL as the
SQLite store (``?`` placeholders are translated), with the same guarantees:

* writers serialize on a transaction-scoped advisory lock, and positions are
  ``max + 1`` under it, so positions are gap-free and in commit order (a reader can
  never see position N+1 before N);
* a batch, its projections and its change records commit in one transaction;
* every append sends ``NOTIFY commitments`` with the new last position, so feeds on
  other instances wake at once (they also poll, so a lost notification only delays).
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from events.model.errors import Unavailable
from events.store.database import NotificationWait
from events.tables.schema import Table
from events.tables.tx import Tx, scalar

#: The advisory lock all writers of one database share (an arbitrary constant: "CMTL").
WRITE_LOCK = 0x434D544C
#: The channel appends notify on.
CHANNEL = "commitments"
#: Longest a request waits for a pooled connection before it is answered 503. While the server is down the pool
#: has no connection to give, and a longer wait only holds the client (and a worker thread) without an answer;
#: with the server up, a request that waits this long meets an overload that Retry-After is the answer to.
POOL_WAIT_SECONDS = 5.0
_TYPES = {int: "BIGINT", str: "TEXT", float: "DOUBLE PRECISION"}


@functools.lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """Turn the store's ``?`` placeholders into psycopg's ``%s`` (escaping literal ``%``)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresTx:
    """A :class:`~events.tables.tx.Tx` over one psycopg connection."""

    #: DROP INDEX locks its table (ACCESS EXCLUSIVE) until the transaction ends: every reader of it would wait.
    ddl_blocks_readers = True
    dialect = "postgresql"

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement."""
        self.conn.execute(translate(sql), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for many parameter rows (pipelined by psycopg)."""
        with self.conn.cursor() as cur:
            cur.executemany(translate(sql), rows)

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return every row."""
        return self.conn.execute(translate(sql), params).fetchall()

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """Run a query and return its first row."""
        return self.conn.execute(translate(sql), params).fetchone()


def table_ddl(table: Table) -> list[str]:
    """CREATE statements for one table and its indexes."""
    columns = []
    for name, kind in table.columns.items():
        null = " NOT NULL" if name in table.not_null or name in table.pk else ""
        columns.append(f"{name} {_TYPES[kind]}{null}")
    if table.fulltext:
        # Filled with to_tsvector('english', words) by events/tables/search.py: the words arrive folded (no case, no
        # diacritics), so the english configuration only stems them; the words themselves are not kept.
        columns.append(f"{table.fulltext}_tsv tsvector")
    if table.pk:
        columns.append(f"PRIMARY KEY ({', '.join(table.pk)})")
    statements = [f"CREATE TABLE IF NOT EXISTS {table.name} ({', '.join(columns)})"]
    if table.fulltext:
        statements.append(f"CREATE INDEX IF NOT EXISTS idx_{table.name}_fts ON {table.name}"
                          f" USING GIN ({table.fulltext}_tsv)")
    for unique, group in [(True, table.unique), (False, table.indexes)]:
        for cols in group:
            name = f"idx_{table.name}_{'_'.join(cols)}"
            index_kind = "UNIQUE INDEX" if unique else "INDEX"
            statements.append(f"CREATE {index_kind} IF NOT EXISTS {name} ON {table.name} ({', '.join(cols)})")
    statements += [index.ddl(table.name) for index in table.named]
    return statements


def _configure(conn: psycopg.Connection) -> None:
    """Session settings of every pooled connection.

    The projections are read by index seeks per key (``FactTable.effective``). With the default
    ``random_page_cost`` of 4, meant for disks that seek slowly, the planner prefers hashing a whole
    fact table to a few thousand primary-key lookups, several times slower for the stance matrix
    (docs/performance.md). 1.1 is the usual figure for a database that lives in memory or on SSD.
    """
    conn.execute("SET random_page_cost = 1.1")


#: Driver failures that say the database is away or overloaded for now, not that a statement is wrong: a lost or
#: refused connection, a server shutting down, a pool that found no free connection in time (``PoolTimeout``), a
#: serialization conflict, a full disk. psycopg files all of these under OperationalError.
_TRANSIENT = psycopg.OperationalError


@contextmanager
def _transient_as_unavailable() -> Iterator[None]:
    """Turn a transient driver failure raised in the block into :class:`Unavailable` (503 + Retry-After)."""
    try:
        yield
    except _TRANSIENT as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise Unavailable(f"the database is unavailable ({reason}); retry shortly") from error


def _end(conn: psycopg.Connection, statement: str) -> None:
    """End the transaction, unless the connection is broken (the pool then discards it)."""
    if not conn.broken and not conn.closed:
        conn.execute(statement)


class PostgresDatabase:
    """A PostgreSQL database (optionally one schema of it) as the store's :class:`~events.store.database.Database`."""

    #: Another process or instance sees every commit.
    shared_across_processes = True
    #: Each read is a round trip over the network (or a socket): worth a worker thread.
    cheap_local_reads = False

    def __init__(self, url: str, *, durable: bool = True, schema: str | None = None, pool_size: int = 10,
                 connect_timeout: float = 10.0, create: bool = True):
        self.url = url
        self.schema = schema
        options = []
        if schema:
            options.append(f"-c search_path={schema}")
        if not durable:
            options.append("-c synchronous_commit=off")
        kwargs: dict[str, Any] = {"autocommit": True}
        if options:
            kwargs["options"] = " ".join(options)
        self._connect_kwargs = kwargs  # for the listener's own connection
        self._identity: str | None = None
        self.pool = ConnectionPool(url, min_size=1, max_size=pool_size, kwargs=kwargs, configure=_configure, open=True,
                                   timeout=POOL_WAIT_SECONDS)
        try:
            self.pool.wait(timeout=connect_timeout)  # fail fast with a clear error when the server is unreachable
        except Exception:
            self.pool.close()
            raise
        if schema and create:
            with self.writing() as tx:
                tx.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')

    def identity(self) -> str:
        """The server's system identifier (set when its cluster was created; ``pg_dump`` into another cluster gives
        another), the database and the schema: a restore into another database or schema is a copy."""
        if self._identity is None:
            with self.reading() as tx:
                row = tx.fetchone("SELECT (SELECT system_identifier FROM pg_control_system())::text,"
                                  " current_database(), current_schema()")
            assert row is not None
            self._identity = f"PostgreSQL system {row[0]}, database {row[1]}, schema {row[2]}"
        return self._identity

    def create_table(self, tx: Tx, table: Table) -> None:
        """Create one table with its indexes."""
        for statement in table_ddl(table):
            tx.execute(statement)

    @contextmanager
    def reading(self) -> Iterator[PostgresTx]:
        """A consistent read snapshot (REPEATABLE READ, read only)."""
        with _transient_as_unavailable(), self.pool.connection() as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield PostgresTx(conn)
            finally:
                _end(conn, "COMMIT")

    @contextmanager
    def writing(self) -> Iterator[PostgresTx]:
        """The one writer at a time, across every instance: a transaction holding the write advisory lock."""
        with _transient_as_unavailable(), self.pool.connection() as conn:
            conn.execute("BEGIN")
            try:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                yield PostgresTx(conn)
            except BaseException:
                _end(conn, "ROLLBACK")
                raise
            conn.execute("COMMIT")

    def has_table(self, tx: Tx, name: str) -> bool:
        """Whether the table exists in the schema the connections search first."""
        return scalar(tx, "SELECT to_regclass(?) IS NOT NULL", (name,)) is True

    def after_append(self, tx: Tx, last_position: int) -> None:
        """Notify every listening instance of the log's new end."""
        tx.execute("SELECT pg_notify(?, ?)", (CHANNEL, str(last_position)))

    @contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        """Scheduled work runs once across every instance: a session advisory lock, tried without waiting.

        The lock is (``WRITE_LOCK``, a stable 32-bit hash of ``name``) and is held on one
        pooled connection for the duration of the block.
        """
        key = zlib.crc32(name.encode()) - 2**31  # a signed int4, stable across processes (unlike hash())
        with _transient_as_unavailable(), self.pool.connection() as conn:
            row = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (WRITE_LOCK, key)).fetchone()
            acquired = bool(row and row[0])
            try:
                yield acquired
            finally:
                if acquired and not conn.broken:
                    conn.execute("SELECT pg_advisory_unlock(%s, %s)", (WRITE_LOCK, key))

    @contextmanager
    def notifications(self) -> Iterator[NotificationWait]:
        """``LISTEN commitments`` on a connection of its own; yields ``wait(timeout) -> bool``.

        Every append (by any instance or process) sends ``NOTIFY``; ``wait`` returns True
        as soon as one arrives, False when ``timeout`` seconds pass without one.
        """
        conn = psycopg.connect(self.url, **self._connect_kwargs)
        try:
            conn.execute(f"LISTEN {CHANNEL}")

            def wait(timeout: float) -> bool:
                return any(True for _ in conn.notifies(timeout=timeout, stop_after=1))

            yield wait
        finally:
            conn.close()

    def backup(self, path: str | Path) -> int:
        """Not done from inside the service on PostgreSQL: use ``pg_dump`` (see docs/deploy.md)."""
        raise NotImplementedError("PostgreSQL databases are backed up with pg_dump, not by the service")

    def close(self) -> None:
        """Close the connection pool."""
        self.pool.close()
