"""SQLite's disk fills: appends are refused with 503 and store nothing, reads go on, and appends resume once space is
freed; a backup that runs out of space leaves no file behind.

The database lives on a small tmpfs mounted for the test (we may run as root); where mounting is not allowed, the
server gets a file-size limit (``RLIMIT_FSIZE``) instead, raised again to free the space. Either way the rest of the
machine's disk is never filled.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from events import open_store
from tests.benchmarks.server import process_tree
from tests.conftest import AUTH, make, registrations
from tests.server import command, server_env, start_server

pytestmark = pytest.mark.timeout(120)
ACTORS = tuple(f"a{i:02d}" for i in range(10))
TOPICS = ("troops", "money")
#: Size of the test's file system; the database fills what the ballast leaves of it.
DISK_BYTES = 16 * 1024 * 1024
#: Room left beside the ballast: a few batches fit, then the disk is full.
ROOM_BYTES = 1536 * 1024
#: The file-size limit when no tmpfs can be mounted (the database is a few hundred kB before the batches).
FSIZE_LIMIT = 2 * 1024 * 1024
BATCH = 200


@dataclass
class SmallDisk:
    """Where the database goes, and how the test frees space: delete the ballast, or lift the size limit."""

    folder: Path
    ballast: Path | None
    limited: bool

    def fill(self) -> None:
        """Leave only ROOM_BYTES free on the tmpfs (nothing to do under a file-size limit)."""
        if self.ballast is None:
            return
        stat = os.statvfs(self.folder)
        free = stat.f_bavail * stat.f_frsize
        with open(self.ballast, "wb") as out:
            out.write(b"\0" * max(0, free - ROOM_BYTES))

    def free(self, pids: list[int]) -> None:
        """Make room: the ballast goes, or the processes' size limit is lifted."""
        if self.ballast is not None:
            self.ballast.unlink()
        for pid in pids:
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def _mount(folder: Path) -> bool:
    folder.mkdir()
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(folder)],
                          capture_output=True, check=False)
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    """A tmpfs of DISK_BYTES mounted at a folder of the test (unmounted at the end), else a plain folder whose
    processes get a file-size limit."""
    folder = tmp_path / "disk"
    mounted = _mount(folder)
    try:
        yield SmallDisk(folder, folder / "ballast" if mounted else None, limited=not mounted)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def limit_file_size() -> None:
    """In the server child: writes past FSIZE_LIMIT fail with EFBIG (SIGXFSZ ignored, so nothing is killed)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    # Only the soft limit: lifting it again needs no privilege (the hard one would).
    resource.setrlimit(resource.RLIMIT_FSIZE, (FSIZE_LIMIT, resource.RLIM_INFINITY))


def batch(n: int) -> list[dict]:
    """BATCH stances with ids of batch n (some backdated), and a correction of the batch before."""
    out = [make("stance.stated", f"20{20 + (n + k) % 6}-{1 + k % 12:02d}-{1 + n % 28:02d}", id=f"b{n}-{k}",
                actor=ACTORS[k % len(ACTORS)], topic=TOPICS[(n + k) % 2],
                stance=("supportive", "reluctant", "committed")[(n + k) % 3], summary="x" * 200)
           for k in range(BATCH)]
    if n:
        out.append(make("event.corrected", "2026-01-20", id=f"b{n}-fix", corrects=f"b{n - 1}-0",
                        replacement={"stance": "declined"}))
    return out


def snapshot(client: httpx.Client) -> tuple[int, int, str]:
    """The log's end, the feed's end, and a projection answer: what a refused append must not change."""
    health = client.get("/health")
    assert health.status_code == 200, health.text
    stances = client.get("/stances", params={"at": "2025-06-01"})
    assert stances.status_code == 200, stances.text
    return health.json()["last_position"], health.json()["last_change"], stances.text


def test_a_full_disk_refuses_appends_keeps_reads_and_appends_resume_once_space_is_freed(small_disk: SmallDisk,
                                                                                        tmp_path: Path):
    database = small_disk.folder / "log.db"
    env = server_env(COMMITMENTS_BACKUP_INTERVAL_HOURS="0")
    server = start_server(database, tmp_path / "server.log", env=env,
                          **({"preexec_fn": limit_file_size} if small_disk.limited else {}))
    acked: list[int] = []
    try:
        with server.client(timeout=60.0) as client:
            world = registrations(actors=ACTORS, topics=TOPICS, conditions=())
            assert client.post("/events", json=world, headers=AUTH).status_code == 201
            small_disk.fill()
            refused = None
            for n in range(200):  # bounded: the disk holds a few dozen batches at most
                before = snapshot(client)
                response = client.post("/events", json=batch(n), headers=AUTH)
                if response.status_code == 201:
                    acked.append(n)
                    continue
                refused = response
                break
            assert refused is not None, "the disk never filled"
            assert refused.status_code in (503, 507), refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.headers["retry-after"].isdigit()
            assert "full" in refused.json()["detail"], refused.json()
            assert acked, "some batches fitted before the disk was full"

            # While full: reads answer and the refused batch left nothing. (No immediate retry is asserted: the
            # rolled-back append can hand its pages back to the filesystem, so a retry may just fit.)
            assert snapshot(client) == before
            assert client.get(f"/events/b{n}-0").status_code == 404

            small_disk.free(process_tree(server.process.pid))
            assert client.post("/events", json=batch(n), headers=AUTH).status_code == 201
            assert client.post("/events", json=batch(n + 1), headers=AUTH).status_code == 201
            acked += [n, n + 1]
            after = snapshot(client)
            assert after[0] == before[0] + 2 * (BATCH + 1)
    finally:
        server.stop()

    store = open_store(database)
    try:
        with store.reading() as tx:
            rows = tx.fetchall("SELECT position, id FROM events ORDER BY position")
    finally:
        store.close()
    ids = Counter(row[1] for row in rows)
    assert [row[0] for row in rows] == list(range(1, len(rows) + 1)), "positions are gap-free"
    assert all(ids[f"b{n}-{k}"] == 1 for n in acked for k in range(BATCH)), "each acknowledged event once"
    assert not any(i.startswith(f"b{acked[-1] + 1}-") for i in ids)
    verified = subprocess.run([*command(), "verify", "--database", str(database)], capture_output=True, text=True,
                              env=server_env(), timeout=60, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_backup_that_runs_out_of_space_leaves_no_file_and_fails_in_one_line(small_disk: SmallDisk, tmp_path: Path):
    database = tmp_path / "log.db"
    store = open_store(database, durable=False)
    try:
        from events import events_from_objects

        store.append(events_from_objects(registrations(actors=ACTORS, topics=TOPICS, conditions=())))
        for n in range(12):
            store.append(events_from_objects(batch(n)))
    finally:
        store.close()
    small_disk.fill()
    target = small_disk.folder / "backups"
    target.mkdir()
    preexec = {"preexec_fn": limit_file_size} if small_disk.limited else {}
    failed = subprocess.run([*command(), "--database", str(database), "backup", str(target / "copy.db")],
                            capture_output=True, text=True, env=server_env(), timeout=60, check=False, **preexec)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "the backup failed, nothing was kept" in failed.stderr and "Traceback" not in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1, failed.stderr
    assert list(target.iterdir()) == [], "no copy, whole or partial, is left"

    small_disk.free([])
    made = subprocess.run([*command(), "--database", str(database), "backup", str(target / "copy.db")],
                          capture_output=True, text=True, env=server_env(), timeout=60, check=False)
    assert made.returncode == 0, made.stdout + made.stderr
    assert [p.name for p in target.iterdir()] == ["copy.db"]
