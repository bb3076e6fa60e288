"""The docs cannot drift silently: they name every module, command, setting and route that exists, and
nothing that does not (in the manner of sqlite-utils' ``tests/test_docs.py``)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from service.cli import main
from service.settings import variables

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
#: Variables the tests and the benchmark read: documented for contributors, not settings of the service.
TEST_VARIABLES = {"COMMITMENTS_TEST_POSTGRES", "COMMITMENTS_BENCH_POSTGRES"}


def read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def layout_block() -> str:
    """The ``text`` block under "## Layout" in docs/architecture.md."""
    section = read("docs/architecture.md").split("## Layout", 1)[1]
    return section.split("```text\n", 1)[1].split("```", 1)[0]


def documented_modules(block: str) -> set[str]:
    """The paths the layout tree names: each line is an indentation (two spaces a level), names separated by
    ", " (a folder ends in "/"), then at least two spaces and what it holds; a line that is only a description
    continues the one above."""
    folders: list[tuple[int, str]] = []
    names: set[str] = set()
    for line in block.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        head = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
        items = [item.strip() for item in head.split(",")]
        if not all(re.fullmatch(r"[\w.-]+/?", item) for item in items) or not any(
                item.endswith(("/", ".py")) for item in items):
            continue  # a continued description
        while folders and folders[-1][0] >= indent:
            folders.pop()
        parent = folders[-1][1] if folders else ""
        for item in items:
            names.add(parent + item)
            if item.endswith("/"):
                folders.append((indent, parent + item))
    return names


def existing_modules() -> set[str]:
    """Every Python module of the three packages, and every folder that holds one."""
    found: set[str] = set()
    for package in ("events", "service", "seeds"):
        for path in (ROOT / package).rglob("*.py"):
            if "node_modules" in path.parts:
                continue
            relative = path.relative_to(ROOT)
            found.update(f"{'/'.join(relative.parts[:depth])}/" for depth in range(1, len(relative.parts)))
            if path.name != "__init__.py":
                found.add(str(relative))
    return found


def test_the_layout_reader_reads_folders_groups_and_continuations():
    block = ("pkg/   the package\n  a.py, b.py   two\n  sub/   one more\n    c.py   deep\n"
             "               more words\n  d.py  x\n")
    assert documented_modules(block) == {"pkg/", "pkg/a.py", "pkg/b.py", "pkg/sub/", "pkg/sub/c.py", "pkg/d.py"}


def test_the_architecture_layout_names_every_module_and_no_other():
    documented = documented_modules(layout_block())
    existing = existing_modules()
    assert sorted(existing - documented) == [], "modules missing from docs/architecture.md's layout"
    stale = {name for name in documented - existing if name.endswith(".py") and name != "events/__init__.py"}
    assert sorted(stale) == [], "docs/architecture.md's layout names modules that do not exist"


def commands() -> list[str]:
    """Every command of the ``commitments`` CLI, subcommands of groups as "group sub"."""
    found = []
    for name, command in main.commands.items():
        found.append(name)
        if isinstance(command, click.Group):
            found.extend(f"{name} {sub}" for sub in command.commands)
    return found


@pytest.mark.parametrize("command", commands())
def test_every_cli_command_is_documented_with_an_example(command):
    assert re.search(rf"`commitments {re.escape(command)}\b", read("docs/api.md")), \
        f"docs/api.md's command table lacks `commitments {command}`"
    command_object = main
    for part in command.split():
        command_object = command_object.commands[part]  # type: ignore[attr-defined]
    assert command_object.help and "commitments" in command_object.help, "its --help needs an example"


def test_the_documented_commands_exist():
    table = read("docs/api.md").split("## The same answers from the command line", 1)[1]
    documented = {match for match in re.findall(r"^\| `commitments ([a-z-]+(?: [a-z-]+)?)", table, re.M)}
    assert documented <= {command for command in commands()} | {c.split()[0] for c in commands()}


@pytest.mark.parametrize("variable", [row[0] for row in variables()])
def test_every_setting_is_documented(variable):
    tables = "".join(read(f"docs/{name}.md") for name in ("api", "feed", "deploy"))
    assert re.search(rf"^\| `{variable}\b", tables, re.M), f"no table row documents {variable}"


def test_the_docs_name_no_setting_that_does_not_exist():
    known = {row[0] for row in variables()} | TEST_VARIABLES
    named = {name for doc in DOCS for name in re.findall(r"\bCOMMITMENTS_[A-Z0-9_]+", doc.read_text("utf-8"))}
    assert sorted(named - known) == []


def routes() -> list[str]:
    """Every route of the app as "METHOD /path" with path parameters as ``{name}`` (HEAD and OPTIONS aside)."""
    from service.app import create_app
    from service.settings import Settings

    app = create_app(Settings(database=":memory:", token="a-token-for-the-docs-test"))
    found = set()
    for route in app.routes:
        path = re.sub(r"\{(\w+):[^}]+\}", r"{\1}", route.path)
        found.update(f"{method} {path}" for method in route.methods if method not in {"HEAD", "OPTIONS"})
    return sorted(found)


@pytest.mark.parametrize("route", [route for route in routes() if "/static/vendor/" not in route])
def test_every_route_is_in_the_api_docs(route):
    assert f"`{route}`" in read("docs/api.md"), f"docs/api.md's route table lacks {route}"


def test_the_documented_routes_exist():
    table = read("docs/api.md").split("## Routes", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`((?:GET|POST|PUT|PATCH|DELETE) /[^`]*)`", table))
    assert sorted(documented - set(routes())) == []


def test_the_readme_walkthrough_counts_the_seed_as_it_is():
    from seeds import read_seed

    count = len(read_seed())
    readme = read("README.md")
    assert f"Appended {count} seed events; the log ends at position {count}." in readme
    assert f'"position":{count + 1}}}],"last_position":{count + 1},"created":true}}' in readme
