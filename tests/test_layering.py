"""The architecture's rules, checked: the core imports no web framework and nothing of the service; only the
backend modules import their database drivers; the core's layers only point down; no import circle anywhere."""

from __future__ import annotations

import ast
from collections.abc import Iterable
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


# --- import circles -------------------------------------------------------------------------


def module_name(path: Path, root: Path = ROOT) -> str:
    """The dotted module a file is (a package's ``__init__.py`` is the package)."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(packages: Iterable[str], root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the modules of ``packages`` it imports, from every import statement of its file.

    Imports at any depth count (inside functions, under ``TYPE_CHECKING``): one run of the
    program may not execute them, but the dependency is there, and a circle through a late
    import only waits for the one path that runs it first. ``from a.b import c`` is an import
    of ``a.b.c`` when that is a module, else of ``a.b``; relative imports are resolved
    against the file's package. Modules outside ``packages`` are left out.
    """
    files = {module_name(path, root): path for package in packages for path in (root / package).rglob("*.py")
             if "node_modules" not in path.parts}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join([*parts[: len(parts) - node.level + 1], *([base] if base else [])])
                for alias in node.names:
                    inner = f"{base}.{alias.name}"
                    imported.add(inner if inner in files else base)
        graph[module] = {name for name in imported if name in files and name != module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` as ``[a, b, ..., a]``, or None when its imports only point one way."""
    done: set[str] = set()
    path: list[str] = []  # the modules being visited, each importing the next
    on_path: set[str] = set()

    def visit(module: str) -> list[str] | None:
        """Depth first from ``module``: the circle found below it, else None (and it is done)."""
        path.append(module)
        on_path.add(module)
        for target in sorted(graph.get(module, ())):
            if target in on_path:
                return [*path[path.index(target):], target]
            if target not in done and (cycle := visit(target)) is not None:
                return cycle
        on_path.discard(path.pop())
        done.add(module)
        return None

    for start in sorted(graph):
        if start not in done and (cycle := visit(start)) is not None:
            return cycle
    return None


def test_the_project_has_no_import_circle():
    cycle = find_cycle(import_graph(["events", "service", "seeds"]))
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


#: The core's layers, lowest first (docs/architecture.md): a module imports only from its own layer or below.
CORE_LAYERS = ("events.model", "events.tables", "events.projections", "events.writing", "events.store")


def core_layer(module: str) -> int:
    """The layer of a module of ``events``: its package's place in :data:`CORE_LAYERS`; the answers above them
    (``queries``, ``series``, ``verify``, ``subscriptions``) are one higher, and the package's public face the
    highest."""
    for rank, package in enumerate(CORE_LAYERS):
        if module == package or module.startswith(package + "."):
            return rank
    return len(CORE_LAYERS) + (module == "events")


#: The modules above the store's layers: answers and service state kept beside the log.
ANSWERS = {"events.queries", "events.verify", "events.subscriptions", "events.preview", "events.keys",
           "events.proposals", "events.series"}


def test_every_module_of_the_core_has_a_layer():
    unplaced = [module for module in import_graph(["events"]) if core_layer(module) == len(CORE_LAYERS)
                and module not in ANSWERS]
    assert unplaced == [], "modules outside the core's layers: say in docs/architecture.md where they belong"


def test_the_cores_layers_only_point_down():
    upward = [f"{module} -> {target}" for module, targets in import_graph(["events"]).items() for target in targets
              if core_layer(target) > core_layer(module)]
    assert upward == []


def test_only_the_entry_points_import_the_bootstrap():
    """The bootstrap wires the concrete store, clock and background work: it is the top, imported by nothing below."""
    importers = {module for module, imported in import_graph(["service"]).items() if "service.bootstrap" in imported}
    assert importers <= {"service.app", "service.cli"}


def test_an_import_circle_is_found_through_late_imports(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "top.py").write_text("from pkg.sub import low\n")
    (package / "sub" / "low.py").write_text("import typing\nif typing.TYPE_CHECKING:\n    from . import mid\n")
    (package / "sub" / "mid.py").write_text("def late():\n    from ..top import x\n    import pkg.sub.low\n")
    graph = import_graph(["pkg"], root=tmp_path)
    assert graph["pkg.top"] == {"pkg.sub.low"} and graph["pkg.sub.mid"] == {"pkg.top", "pkg.sub.low"}
    assert find_cycle(graph) == ["pkg.sub.low", "pkg.sub.mid", "pkg.sub.low"]
    del graph["pkg.sub.mid"]
    assert find_cycle(graph) is None
