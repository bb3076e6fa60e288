"""The embedded default store: SQLite in WAL mode, through sqlite-utils.

The only module that imports ``sqlite3`` or ``sqlite_utils``. Writers serialize with
``BEGIN IMMEDIATE`` and a busy timeout, so several processes (the server and a CLI
import) can append to one file without gaps or duplicates. An acknowledged append is
durable: ``synchronous=FULL`` unless the caller opts out.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from events.model.errors import StorageFull, Unavailable
from events.store.database import BackupFailed, NotificationWait
from events.tables.schema import Table
from events.tables.tx import Tx


class SqliteTx:
    """A :class:`~events.tables.tx.Tx` over one sqlite3 connection."""

    #: Readers keep reading their WAL snapshot, indexes included, while a writer's transaction changes the schema.
    ddl_blocks_readers = False
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement."""
        self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for many parameter rows."""
        self.conn.executemany(sql, rows)

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return every row."""
        rows: list[tuple[Any, ...]] = self.conn.execute(sql, params).fetchall()
        return rows

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """Run a query and return its first row."""
        row: tuple[Any, ...] | None = self.conn.execute(sql, params).fetchone()
        return row


def _create(db: sqlite_utils.Database, table: Table) -> None:
    pk = table.pk[0] if len(table.pk) == 1 else list(table.pk)
    if table.pk and not (len(table.pk) == 1 and table.columns[table.pk[0]] is int):
        # A key that is not the rowid would be a second B-tree beside the rows, and every insert would write
        # both; a table clustered on its key (WITHOUT ROWID) writes one. Older files keep their layout.
        sql = db.create_table_sql(table.name, table.columns, pk=pk, not_null=set(table.not_null))
        db.execute(sql.rstrip().rstrip(";").replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1) + " WITHOUT ROWID")
    else:
        db.table(table.name).create(table.columns, pk=pk, not_null=set(table.not_null), if_not_exists=True)
    for columns in table.unique:
        db.table(table.name).create_index(list(columns), unique=True, if_not_exists=True)
    for columns in table.indexes:
        db.table(table.name).create_index(list(columns), if_not_exists=True)
    for index in table.named:
        db.execute(index.ddl(table.name))
    if table.fulltext:
        _create_fulltext(db, table.name, table.fulltext)


def _create_fulltext(db: sqlite_utils.Database, name: str, column: str) -> None:
    """A contentless FTS5 index of a text the table does not keep (``events/tables/search.py`` writes it beside each
    row, rowid = the row's key, and empties it with the table). A table dropped and created again (a format upgrade)
    drops it too; an empty table empties it all the same."""
    fts = f"{name}_fts"
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({column}, content='',"
               f" tokenize='porter unicode61 remove_diacritics 2')")
    if db.execute(f"SELECT 1 FROM {name} LIMIT 1").fetchone() is None:
        db.execute(f"INSERT INTO {fts} ({fts}) VALUES ('delete-all')")


#: How long a connection waits for another process's lock before giving up.
BUSY_TIMEOUT_MS = 30000
#: Write-ahead log size, in bytes, past which the writer makes SQLite start the log again (a RESTART checkpoint
#: after its commit), and to which SQLite cuts the file back when it does (``journal_size_limit``).
WAL_RESTART_BYTES = 64 * 1024 * 1024
#: How long that RESTART may wait for readers of old snapshots (the writer waits with it, so not long).
WAL_RESTART_WAIT_MS = 100


class _Checkpointer:
    """Copies the write-ahead log into the database file on a thread of its own.

    SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold, so a
    writer (and every request in its group commit) would wait for it. Here commits only
    signal; a daemon thread, started on the first commit, runs a PASSIVE checkpoint (it
    never blocks readers or the writer) at most every ``interval`` seconds, and once more
    on close. Durability does not depend on it: a commit is on disk once it is in the log.

    SQLite starts the log again from its beginning only when a write begins after a
    checkpoint has copied every frame. Under steady appends a commit always lands while a
    PASSIVE checkpoint runs, so the log would only grow, by gigabytes under a steady load,
    each read slower than the last. Past :data:`WAL_RESTART_BYTES` the thread
    therefore sets ``restart_due``, and the writer, right after its next commit and still
    holding the write lock, runs a RESTART checkpoint (:meth:`restart`): it copies only the
    frames the PASSIVE one left, and the next write starts the log over. From this thread a
    RESTART would wait for a writer that is never idle under load.
    """

    def __init__(self, path: str, interval: float = 0.5) -> None:
        self._path = path
        self._interval = interval
        self.restart_due = False
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def poke(self) -> None:
        """A commit happened: checkpoint soon."""
        if self._thread is None:
            with self._lock:
                if self._thread is None and not self._stopping:
                    self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
                    self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        # No journal-mode pragma here (it would wait for the writer's lock): the file is in WAL mode already.
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False, timeout=1.0)
        try:
            page_size = conn.execute("PRAGMA page_size").fetchone()[0]
            while True:
                self._wake.wait()
                if self._stopping:
                    break
                self._wake.clear()
                try:
                    _, frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.restart_due = frames * page_size >= WAL_RESTART_BYTES
                except sqlite3.Error:
                    pass  # busy or closing: the next commit asks again, and close() checkpoints
                time.sleep(self._interval)
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()

    def restart(self, conn: sqlite3.Connection) -> None:
        """Checkpoint what is left and let the next write start the log over (the writer calls it between its
        transactions); gives up quietly when a reader of an old snapshot holds on for long."""
        self.restart_due = False
        conn.execute(f"PRAGMA busy_timeout = {WAL_RESTART_WAIT_MS}")
        try:
            conn.execute("PRAGMA wal_checkpoint(RESTART)")
        except sqlite3.Error:
            pass  # the thread asks again after a later checkpoint
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def stop(self) -> None:
        """Stop the thread after a last checkpoint."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=30)


#: Scheduled work's locks by name, process-wide (an SQLite file is served by one service process).
_EXCLUSIVE: dict[str, threading.Lock] = {}
_EXCLUSIVE_GUARD = threading.Lock()


class SqliteDatabase:
    """One SQLite file (or ``:memory:`` for tests) as the store's :class:`~events.store.database.Database`."""

    #: Reads run in this process, a millisecond or so each.
    cheap_local_reads = True

    def __init__(self, path: str | Path, *, durable: bool = True):
        self.path = str(path)
        self.synchronous = "FULL" if durable else "NORMAL"
        self._local = threading.local()
        self._write_lock = threading.Lock()
        #: Each thread's connection, by thread: a thread that ended leaves its connection here, closed when the
        #: next thread connects (worker pools end idle threads and start new ones all day long).
        self._connections: dict[threading.Thread, sqlite3.Connection] = {}
        self._connections_lock = threading.Lock()
        self._pid = os.getpid()
        self._memory = self.path == ":memory:"
        if not self._memory:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._shared = self._connect() if self._memory else None
        self._checkpointer = None if self._memory else _Checkpointer(self.path)

    @property
    def shared_across_processes(self) -> bool:
        """False for ``:memory:``: each connection's database is its own."""
        return not self._memory

    def identity(self) -> str:
        """The file's resolved path and the host's name: a copy lives at another path or on another host."""
        if self._memory:
            return "SQLite in memory"
        return f"SQLite file {Path(self.path).resolve()} on host {socket.gethostname()}"

    def create_table(self, tx: Tx, table: Table) -> None:
        """Create one table with its indexes (through sqlite-utils, like every table here)."""
        assert isinstance(tx, SqliteTx)
        _create(sqlite_utils.Database(tx.conn), table)

    def has_table(self, tx: Tx, name: str) -> bool:
        """Whether the table exists in the file."""
        return tx.fetchone("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) is not None

    def after_append(self, tx: Tx, last_position: int) -> None:
        """Nothing to do: other processes learn of appends by polling the log's end."""

    @contextmanager
    def notifications(self) -> Iterator[NotificationWait | None]:
        """SQLite has no push notice: callers poll."""
        yield None

    @contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        """A lock within the process, tried without waiting (an SQLite file is served by one service process)."""
        with _EXCLUSIVE_GUARD:
            lock = _EXCLUSIVE.setdefault(name, threading.Lock())
        acquired = lock.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                lock.release()

    # connections -----------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not self._memory:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        conn.execute("PRAGMA foreign_keys = OFF")
        if not self._memory:
            # Checkpoints run on a background thread (see _Checkpointer), not inside the writer's COMMIT.
            conn.execute("PRAGMA wal_autocheckpoint = 0")
            conn.execute(f"PRAGMA journal_size_limit = {WAL_RESTART_BYTES}")
        return conn

    def _connection(self) -> sqlite3.Connection:
        if self._shared is not None:
            return self._shared
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
            with self._connections_lock:
                self._close_orphans()
                self._connections[threading.current_thread()] = conn
        return conn

    def _close_orphans(self) -> None:
        """Close the connections of threads that have ended (no transaction can be open on them any more)."""
        if os.getpid() != self._pid:
            return  # a forked child: those are its parent's
        for thread in [t for t in self._connections if not t.is_alive()]:
            self._connections.pop(thread).close()

    @contextmanager
    def reading(self) -> Iterator[SqliteTx]:
        """A consistent read snapshot (a deferred read transaction)."""
        conn = self._connection()
        if self._memory:
            with self._write_lock:
                yield SqliteTx(conn)
            return
        if conn.in_transaction:  # nested inside a write on this thread: read what it sees
            yield SqliteTx(conn)
            return
        conn.execute("BEGIN")
        try:
            yield SqliteTx(conn)
        finally:
            conn.execute("COMMIT")

    @contextmanager
    def writing(self) -> Iterator[SqliteTx]:
        """The one writer: ``BEGIN IMMEDIATE`` under a process-wide lock; rolls back on any error."""
        conn = self._connection()
        with self._write_lock:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:  # busy past the timeout: another process held the lock
                raise Unavailable(f"the database is busy ({error}); retry shortly") from None
            try:
                yield SqliteTx(conn)
                conn.execute("COMMIT")
            except BaseException as error:
                # A COMMIT that failed (a full disk) may leave the transaction open, holding the write lock for
                # good; SQLite may also have rolled it back already.
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if _disk_full(error):
                    raise StorageFull(f"the disk holding the database is full, or refused a write ({error});"
                                      " nothing of this write was stored; retry once space is freed") from error
                raise
            if self._checkpointer is not None and self._checkpointer.restart_due:
                self._checkpointer.restart(conn)
        if self._checkpointer is not None:
            self._checkpointer.poke()

    def backup(self, path: str | Path) -> int:
        """Copy the database into the new file ``path`` with ``VACUUM INTO`` (a consistent snapshot, compacted), check
        the copy (:func:`check_copy`) and return its last log position.

        Runs on a connection of its own, outside any transaction, so appends go on
        meanwhile (WAL); the copy is written and checked under a temporary name and renamed
        into place, so a file at ``path`` is always a complete database that passed its check.
        """
        target = Path(path)
        if target.exists():
            raise FileExistsError(f"{target} exists; a backup never overwrites a file")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        # VACUUM INTO writes a rollback journal beside the copy; one that fails (a full disk) can leave it behind.
        leftovers = (partial, partial.with_name(partial.name + "-journal"))

        def remove_leftovers() -> None:
            for leftover in leftovers:
                leftover.unlink(missing_ok=True)

        remove_leftovers()
        try:
            if self._shared is not None:  # an in-memory database has only its one connection
                with self._write_lock:
                    self._shared.execute("VACUUM INTO ?", (str(partial),))
            else:
                conn = self._connect()
                try:
                    conn.execute("VACUUM INTO ?", (str(partial),))
                finally:
                    conn.close()
            position = check_copy(partial)
        except sqlite3.Error as error:  # a full disk, say: the half-written copy goes, and so does its space
            remove_leftovers()
            raise BackupFailed(f"the copy could not be written: {error}") from None
        except BaseException:
            remove_leftovers()
            raise
        partial.replace(target)
        leftovers[1].unlink(missing_ok=True)
        return position

    def close(self) -> None:
        """Close every connection this database opened (after a last checkpoint of the write-ahead log)."""
        if self._checkpointer is not None:
            self._checkpointer.stop()
        with self._connections_lock:
            for conn in self._connections.values():
                conn.close()
            self._connections.clear()
        if self._shared is not None:
            self._shared.close()


#: SQLite's answers when a write finds no room: SQLITE_FULL (no space left), and SQLITE_IOERR_WRITE, which is also
#: what a file-size limit (EFBIG) gives (and a failing disk: either way the write did not happen, and retrying
#: later is all a client can do).
_NO_ROOM = (sqlite3.SQLITE_FULL, getattr(sqlite3, "SQLITE_IOERR_WRITE", 778))


def _disk_full(error: BaseException) -> bool:
    """Whether SQLite failed because the file system took no more data."""
    return isinstance(error, sqlite3.Error) and (getattr(error, "sqlite_errorcode", None) in _NO_ROOM
                                                 or "disk is full" in str(error))


def check_copy(path: str | Path) -> int:
    """Check a copy of a database, opened read-only: SQLite's ``PRAGMA integrity_check`` says ``ok``, and its log has
    every position from 1 to its last. Returns the last position; raises :class:`BackupFailed` otherwise."""
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupFailed(f"the copy cannot be opened: {error}") from None
    try:
        problems = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupFailed(f"the copy fails SQLite's integrity check: {'; '.join(problems[:3])}")
        count, last = conn.execute("SELECT count(*), coalesce(max(position), 0) FROM events").fetchone()
    except sqlite3.Error as error:
        raise BackupFailed(f"the copy cannot be read: {error}") from None
    finally:
        conn.close()
    if count != last:
        raise BackupFailed(f"the copy's log holds {count} events but ends at position {last}")
    return int(last)
