"""A private PostgreSQL cluster for tests that stop the database: ``initdb`` and ``pg_ctl`` in a temporary folder.

The shared server (``COMMITMENTS_TEST_POSTGRES``, 127.0.0.1:5432) must never be stopped by a test: other
tests and other people use it. An outage test starts a cluster of its own instead, on a free port of
127.0.0.1, with its socket in its own folder, and :func:`private_cluster` stops it and removes every file
whatever happens. The binaries come from the folder ``pg_config --bindir`` names (Debian's
``/usr/lib/postgresql/<version>/bin``; ``make test`` installs the package when it is missing). PostgreSQL
refuses to run as root, so under root the cluster is created and run by the ``postgres`` user.

``fsync`` is off: the tests stop the server process (``pg_ctl stop -m immediate`` is a crash as far as
PostgreSQL knows), they do not cut power, and the page cache survives a process crash.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.server import free_port

#: Seconds ``pg_ctl`` may take to start or stop the cluster.
PG_CTL_TIMEOUT = 60


def bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None when PostgreSQL's server binaries are not installed."""
    candidates = []
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        candidates.append(found)
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def missing() -> str | None:
    """Why a private cluster cannot be started here, or None when it can."""
    if bindir() is None:
        return "PostgreSQL's server binaries (initdb, pg_ctl) are not installed: `make test` installs them"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "running as root without runuser: cannot start PostgreSQL as the postgres user"
    return None


def _as_owner(args: list[str]) -> list[str]:
    """Run ``args`` as the cluster's owner: the postgres user under root (PostgreSQL refuses root), else oneself."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class Cluster:
    """One private cluster: its folder, port and URL; started, stopped and started again by the test."""

    def __init__(self, root: Path, binaries: Path, port: int):
        self.root = root
        self.data = root / "data"
        self.sockets = root / "sockets"
        self.log = root / "postgres.log"
        self.bin = binaries
        self.port = port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *args: str, timeout: float = PG_CTL_TIMEOUT) -> None:
        done = subprocess.run(_as_owner(list(args)), capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr.strip()[-2000:]}"
                               f"\n{self.log_tail()}")

    def create(self) -> None:
        """``initdb`` with trust authentication for local connections (the cluster listens on 127.0.0.1 only)."""
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync",
                  "-E", "UTF8", "--locale=C")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.sockets}"
                   " -c fsync=off -c max_connections=60")
        self._run(str(self.bin / "pg_ctl"), "start", "-D", str(self.data), "-l", str(self.log), "-w",
                  "-t", str(PG_CTL_TIMEOUT), "-o", options)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` (clients disconnected, a clean shutdown) or ``immediate`` (a crash: recovery on
        the next start)."""
        self._run(str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-m", mode, "-w", "-t", str(PG_CTL_TIMEOUT))

    def running(self) -> bool:
        """Whether the server of this folder is up (``pg_ctl status``)."""
        done = subprocess.run(_as_owner([str(self.bin / "pg_ctl"), "status", "-D", str(self.data)]),
                              capture_output=True, check=False)
        return done.returncode == 0

    def log_tail(self, lines: int = 20) -> str:
        """The end of the server's log, for failure messages."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """A new cluster, started, on a free 127.0.0.1 port; stopped (immediately) and deleted at the end."""
    binaries = bindir()
    if binaries is None:
        raise RuntimeError(missing())
    root = Path(tempfile.mkdtemp(prefix="commitments-pg-"))
    cluster = Cluster(root, binaries, free_port())
    try:
        cluster.sockets.mkdir()
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
            shutil.chown(cluster.sockets, "postgres", "postgres")
        cluster.create()
        for attempt in range(3):
            try:
                cluster.start()
                break
            except RuntimeError:
                if attempt == 2 or "already in use" not in cluster.log_tail():
                    raise
                cluster.port = free_port()  # lost the race for the port: another one
                cluster.url = f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres"
        yield cluster
    finally:
        if cluster.data.exists() and cluster.running():
            try:
                cluster.stop("immediate")
            except (RuntimeError, subprocess.TimeoutExpired):
                pid_file = cluster.data / "postmaster.pid"
                if pid_file.exists():  # the postmaster's own id, never a name match
                    os.kill(int(pid_file.read_text().split()[0]), 9)
                    time.sleep(0.5)
        shutil.rmtree(root, ignore_errors=True)
