"""The writer process: the server's group commits run in a process of their own.

In one process the event loop (reading requests, encoding answers) and the group
committer's writer (checking, storing, projecting) share one interpreter lock, so a
busy server uses one core however many it has. With the writer in a child process
they run side by side: the committer's thread hands each group over a pipe and waits,
without the lock, for the outcome. The child opens its own connection to the same
database; the server's reads, the feed and the answer cache already follow appends
made by any process (they read the log's end), so nothing else changes.

Used by ``serve`` for a database it opens from its settings (not ``:memory:``, which a
second process cannot see); tests that hand in a store or a clock object keep the
writer thread. If the child dies, the group it held fails with 503 (its transaction
rolled back unless it had committed: retrying with the same event ids is safe) and the
next group starts a new child.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

import msgspec

from events import AppendResult, CommitmentError
from events.model.catalog import AnyEvent
from events.model.errors import Unavailable
from events.store import UNATTRIBUTED
from events.writing.append import Request

_log = logging.getLogger("service.writing.writer_process")
#: How long a stopping child may take to finish its group and close the store.
_STOP_SECONDS = 30
_READY = "ready"
# Inbound events are instances of the strict twins of the event types, which do not pickle by name:
# they cross as JSON and arrive as the stored types (the same canonical content).
_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(list[AnyEvent])

Outcome = AppendResult | CommitmentError


class WriterProcess:
    """A child process that owns the writes: ``append_group`` there, the outcome back here.

    ``database``, ``durable`` and ``clock`` (an RFC 3339 instant or None) are the settings the
    child opens its store with. One thread calls :meth:`append_group` at a time (the committer's).
    """

    def __init__(self, database: str, *, durable: bool = True, clock: str | None = None) -> None:
        self.database, self.durable, self.clock = database, durable, clock
        self._context = multiprocessing.get_context("spawn")  # never fork a process that runs threads
        self._process: Any = None
        self._pipe: Connection | None = None
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (for tests and logs)."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the child and wait until its store is open; raises Unavailable if it cannot open it."""
        with self._lock:
            self._start()

    def _start(self) -> None:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(theirs, self.database, self.durable, self.clock),
                                        name="commitments-writer", daemon=True)
        process.start()
        theirs.close()
        try:
            hello = ours.recv()
        except EOFError:
            hello = "the writer process exited while opening the database"
        if hello != _READY:
            process.join(timeout=_STOP_SECONDS)
            ours.close()
            raise Unavailable(f"cannot start the writer process: {hello}")
        self._process, self._pipe = process, ours

    def append_group(self, requests: Sequence[Request]) -> list[Outcome]:
        """:meth:`EventStore.append_group <events.EventStore.append_group>` in the child; raises what it raised."""
        with self._lock:
            if self._pipe is None:
                self._start()
            assert self._pipe is not None
            try:
                self._pipe.send([(_ENCODER.encode(list(request[0])), request[1],
                                  request[2] if len(request) == 3 else UNATTRIBUTED) for request in requests])
                outcome = self._pipe.recv()
            except (EOFError, OSError) as error:
                self._reap()
                _log.error("the writer process stopped during an append (%s); the next append starts a new one",
                           error or type(error).__name__)
                raise Unavailable("the writer process stopped during this append; retry with the same event ids"
                                  " (an append that was stored is then answered as a retry)") from None
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def stop(self) -> None:
        """Let the child finish and close its store; kill it if it does not within 30 s."""
        with self._lock:
            if self._pipe is not None:
                try:
                    self._pipe.send(None)
                except OSError:
                    pass
            self._reap()

    def _reap(self) -> None:
        process, pipe = self._process, self._pipe
        self._process = self._pipe = None
        if process is not None:
            process.join(timeout=_STOP_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()
        if pipe is not None:
            pipe.close()


def _serve(pipe: Connection, database: str, durable: bool, clock_text: str | None) -> None:
    """The child: open the store, then append each group the pipe brings until it brings None or closes."""
    # Ctrl-C reaches the whole process group: the server stops its writer itself, after its last group.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from events import open_store
    from service.settings import Settings, build_clock

    try:
        store = open_store(database, clock=build_clock(Settings(clock=clock_text)), durable=durable)
    except Exception as error:  # reported to the parent, which refuses to start
        pipe.send(f"{type(error).__name__}: {error}")
        return
    pipe.send(_READY)
    try:
        while True:
            try:
                requests = pipe.recv()
            except EOFError:  # the server is gone
                return
            if requests is None:
                return
            try:
                outcome: Any = store.append_group([(_DECODER.decode(body), expected, by)
                                                   for body, expected, by in requests])
            except CommitmentError as error:
                outcome = error
            except Exception:  # the whole group failed and was rolled back (e.g. the disk); say why in the log
                traceback.print_exc()  # to the server's stderr, which the child shares
                sys.stderr.flush()
                outcome = Unavailable("the append failed and nothing of it was stored; the server's log says why")
            pipe.send(outcome)
    finally:
        store.close()
