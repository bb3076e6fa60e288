"""Schemathesis with ``--checks all`` against ``/schema``: the document is exactly as strict as the server.

Every check runs: no 5xx, statuses, content types, headers and bodies as documented, a
request the document allows is accepted (``positive_data_acceptance``) and one it forbids
is refused (``negative_data_rejection``), ``OPTIONS`` and 405 answers list the path's real
methods (``allow_header_conformance``), and the stateful checks. Two changes: a
schema-valid request that the log's contents refuse (an id the log does not hold, ``to``
before ``from``) passes, and so does a schema-violating dry run of ``POST /events`` answered
200 with its faults in ``problems``; tests/schema_fuzz_checks.py says exactly which.

The server is ``commitments serve`` with the seed timeline and a frozen clock, as an
operator runs it, in a process of its own (tests/server.py); its webhook deliveries go to a
proxy address where nothing listens, so the callback URLs the fuzz registers are never
contacted. The run is bounded (``--max-examples`` per operation, besides the coverage
phase's one request per boundary) and deterministic (``--seed``, no example database).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TOKEN
from tests.server import ROOT, running_server, server_env

#: Generated cases per operation and phase: enough to find each mismatch the document once had
#: (the regression cases below), few enough that the whole run takes well under a minute.
MAX_EXAMPLES = 10
SEED = 20260107
#: Where webhook deliveries go instead of the fuzzed callback URLs: a port nothing listens on.
NOWHERE = "http://127.0.0.1:9"

pytestmark = pytest.mark.timeout(300)


def schemathesis_run(base: str, report: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``schemathesis run --checks all`` against ``base``, with this suite's check (see the module docstring)."""
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "run", f"{base}/schema/openapi.json",
        "--checks", "all", "--exclude-checks", "positive_data_acceptance,negative_data_rejection",
        "--header", f"Authorization: Bearer {TOKEN}",
        "--exclude-path", "/feed",  # an endless stream: tests/test_feed_sse.py reads it with a real client
        "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--generation-database", "none",
        "--report", "json", "--report-json-path", str(report), "--no-color", *extra,
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.schema_fuzz_checks", "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, cwd=report.parent, env=env, capture_output=True, text=True, timeout=240)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A seeded ``commitments serve`` on 127.0.0.1 whose clock stands on 2026-01-12 and whose webhooks reach nothing
    (its wrong-key budget never runs out: the fuzz tries many routes without the key, and 429 would hide the 401)."""
    folder = tmp_path_factory.mktemp("fuzz")
    env = server_env(COMMITMENTS_SEED_IF_EMPTY="1", COMMITMENTS_CLOCK="2026-01-12T12:00:00Z",
                     COMMITMENTS_DURABLE="0", HTTP_PROXY=NOWHERE, HTTPS_PROXY=NOWHERE, ALL_PROXY=NOWHERE,
                     NO_PROXY="", COMMITMENTS_AUTH_FAILURE_BURST="1000000")
    with running_server(folder / "fuzz.db", env=env) as server:
        yield server, folder


def test_every_check_passes_on_every_operation(served):
    server, folder = served
    report = folder / "report.json"
    run = schemathesis_run(server.base, report)
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    with server.client() as client:
        document = client.get("/schema/openapi.json").json()
    documented = {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
                  if method in {"get", "post", "put", "patch", "delete"}}
    summary = json.loads(report.read_text())
    # Every operation but the feed was tested, none skipped or broken, and every phase ran to its end.
    operations = summary["operations"]
    assert operations["tested"] == len(documented - {"GET /feed"}), operations
    assert operations["errored"] == operations["skipped"] == 0 and summary["complete"], operations
    assert {name for name, phase in summary["phases"].items() if phase["status"] == "success"} == {
        "examples", "coverage", "fuzzing", "stateful"}, summary["phases"]
    assert "Traceback" not in server.log.read_text(errors="replace"), server.log_tail(60)
