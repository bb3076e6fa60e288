"""The architecture's rules, checked: the core imports no web framework and nothing of the service;
only the backend modules import their database drivers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DRIVERS = {"sqlite3": "events/store/sqlite.py", "sqlite_utils": "events/store/sqlite.py",
           "psycopg": "events/store/postgres.py", "psycopg_pool": "events/store/postgres.py"}


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module a file imports (at any depth of the file)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


SOURCES = sorted(p for package in ("events", "service", "seeds") for p in (ROOT / package).rglob("*.py")
                 if "node_modules" not in p.parts)


@pytest.mark.parametrize("path", [p for p in SOURCES if p.parts[len(ROOT.parts)] == "events"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_imports_no_framework_and_no_service_code(path):
    assert not imported_modules(path) & {"litestar", "service", "uvicorn", "apscheduler", "click", "httpx"}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_database_drivers_are_imported_only_by_their_backend(path):
    relative = str(path.relative_to(ROOT))
    for driver in imported_modules(path) & set(DRIVERS):
        assert DRIVERS[driver] == relative, f"{relative} imports {driver}"
