"""The type checks pass: the core under ``mypy --strict``, the service and the seeds under the project's settings.

mypy reads ``[tool.mypy]`` in pyproject.toml (run from the project root). Each run keeps
its own cache under ``.mypy_cache`` (a strict and a default run would otherwise
invalidate each other's entries for the core), so a rerun checks only what changed.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def mypy(cache: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run mypy from the project root with its cache in ``.mypy_cache/<cache>``."""
    command = [sys.executable, "-m", "mypy", "--cache-dir", str(ROOT / ".mypy_cache" / cache), *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)


def test_the_core_passes_mypy_strict():
    result = mypy("tests-strict-events", "--strict", "events")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_service_and_the_seeds_pass_mypy():
    result = mypy("tests-service", "service", "seeds")
    assert result.returncode == 0, result.stdout + result.stderr
