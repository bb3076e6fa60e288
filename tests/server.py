"""A real ``commitments serve`` process for tests that need one: crash, concurrency and auth tests.

The in-process TestClient cannot be killed half-way through a commit, nor does it let
other processes write to the same file at the same time; these tests start the server
the way an operator does. It binds to 127.0.0.1 on a free port, logs to a file (its
access log would fill a pipe), and :func:`running_server` always stops it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import TOKEN

ROOT = Path(__file__).resolve().parent.parent
#: Seconds a server may take to answer /health after it is started.
STARTUP_TIMEOUT = 30.0


def free_port() -> int:
    """A port nobody listens on now (the OS picks it); a start that loses the race retries on another."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def command() -> list[str]:
    """The installed ``commitments`` script of this interpreter's environment (or the module, if absent)."""
    script = Path(sys.executable).parent / "commitments"
    if script.exists():
        return [str(script)]
    found = shutil.which("commitments")
    return [found] if found else [sys.executable, "-c", "from service.cli import main; main()"]


def server_env(**extra: str) -> dict[str, str]:
    """The environment of a test server: the test token, no rate limit, nothing from the caller's COMMITMENTS_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMITMENTS_")}
    env.update(COMMITMENTS_TOKEN=TOKEN, COMMITMENTS_WRITE_BURST="1000000", COMMITMENTS_WRITE_RATE="1000000",
               PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


class Server:
    """A started server: its process, base URL and log file."""

    def __init__(self, process: subprocess.Popen, base: str, log: Path):
        self.process = process
        self.base = base
        self.log = log

    def client(self, timeout: float = 30.0) -> httpx.Client:
        """An HTTP client for this server."""
        return httpx.Client(base_url=self.base, timeout=timeout)

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no rollback runs. Waits until the process is gone."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """A clean stop (SIGTERM, as from a service manager), then SIGKILL if it takes longer than 10 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's output, for assertion messages."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def start_server(database: Path | str, log: Path, *, private: bool = False, env: dict[str, str] | None = None,
                 attempts: int = 3, preexec_fn: Callable[[], None] | None = None) -> Server:
    """Start ``commitments serve`` on a free port and wait until ``/health`` answers 200.

    ``database`` is a file or a URL; ``preexec_fn`` runs in the child before it starts (a resource limit, say).
    """
    last_error = ""
    for _ in range(attempts):
        port = free_port()
        args = [*command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--database", str(database)]
        if private:
            args.append("--private")
        with open(log, "ab") as out:  # the child keeps its own descriptor
            process = subprocess.Popen(args, cwd=ROOT, env=env or server_env(), stdout=out, stderr=subprocess.STDOUT,
                                       preexec_fn=preexec_fn)
        server = Server(process, f"http://127.0.0.1:{port}", log)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{server.base}/health", timeout=2.0).status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        server.kill()
        last_error = server.log_tail()
        if "address already in use" not in last_error.lower():
            break  # not a lost race for the port: retrying will not help
    raise RuntimeError(f"the server did not start:\n{last_error}")


@contextmanager
def running_server(database: Path, *, private: bool = False, env: dict[str, str] | None = None,
                   log: Path | None = None) -> Iterator[Server]:
    """A server on ``database`` for the duration of the block; killed afterwards whatever happened."""
    server = start_server(database, log or database.with_suffix(".server.log"), private=private, env=env)
    try:
        yield server
    finally:
        server.kill()
