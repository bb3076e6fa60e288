"""``commitments serve`` as a subprocess on a free port of 127.0.0.1, for the HTTP and feed measurements.

The write rate limit is raised far above anything the benchmark sends (the default of
2 writes/s per client would measure the limiter, not the service), the token comes
from the environment, and the server is always stopped: SIGINT for uvicorn's graceful
shutdown, then SIGTERM, then SIGKILL, each after a bounded wait.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import httpx

from tests.benchmarks.common import LOGS, child_env, commitments_command, log

HOST = "127.0.0.1"
#: Writes per second and burst size per client: high enough never to throttle a benchmark.
UNTHROTTLED = "1000000000"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants now (the server, its writer process and multiprocessing's helper)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                pending.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:
                continue
    return found


def _own_peak_rss(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _own_cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime and stime, fields 14 and 15 of stat(5)


def peak_rss_bytes(pid: int) -> int | None:
    """The peak resident set size so far (VmHWM) of the process and its children, summed (an upper bound on
    their peak together), or None if the process is gone."""
    sizes = [size for member in process_tree(pid) if (size := _own_peak_rss(member)) is not None]
    return sum(sizes) if sizes else None


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU seconds the process and its live children have used so far, or None if it is gone."""
    times = [seconds for member in process_tree(pid) if (seconds := _own_cpu_seconds(member)) is not None]
    return sum(times) if times else None


class Server:
    """A running ``commitments serve`` on ``database_url``: use as a context manager."""

    def __init__(self, database_url: str, *, name: str = "server", start_timeout: float = 120.0,
                 env: dict[str, str] | None = None):
        self.database_url = database_url
        self.env = env or {}
        self.token = secrets.token_urlsafe(24)
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.start_timeout = start_timeout
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"{name}-{os.getpid()}.log"  # the runner's pid: concurrent runs keep their own logs
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The server's process id."""
        assert self.process is not None
        return self.process.pid

    def headers(self) -> dict[str, str]:
        """What a write needs."""
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}

    def __enter__(self) -> Server:
        # Backups off: a scheduled VACUUM INTO of a gigabyte database must not land inside a measurement.
        env = child_env(COMMITMENTS_TOKEN=self.token, COMMITMENTS_WRITE_RATE=UNTHROTTLED,
                        COMMITMENTS_WRITE_BURST=UNTHROTTLED, COMMITMENTS_BACKUP_INTERVAL_HOURS="0", **self.env)
        command = [*commitments_command(), "serve", "--host", HOST, "--port", str(self.port),
                   "--database", self.database_url]
        # The server's output (uvicorn logs every request) goes to a file: a pipe nobody reads would fill
        # and block the server.
        with open(self.log_path, "wb") as sink:
            self.process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        log(f"server pid {self.pid} ready at {self.base} (log {self.log_path})")
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with code {self.process.returncode}; see {self.log_path}")
            try:
                if httpx.get(f"{self.base}/health", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer /health within {self.start_timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        """Stop the server: graceful first, forceful if it does not go."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        for sig, wait in ((signal.SIGINT, 15.0), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            process.send_signal(sig)
            try:
                process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
