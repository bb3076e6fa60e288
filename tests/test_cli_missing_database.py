"""No false successes: a command pointed at a database that does not exist says so, creates nothing and fails;
only the commands that load data (serve, seed, import, migrate --to) may create one. Database URLs follow the
usual convention (``sqlite:///relative.db``, ``sqlite:////absolute.db``)."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from events import open_store
from events.store.database_url import parse_database_url
from service import cli
from tests.conftest import POSTGRES_URL, coalition_world, events, postgres_schema, require_postgres

READING_COMMANDS = [["verify"], ["export"], ["stance", "fr"], ["matrix"], ["pending"], ["timeline"], ["rebuild"],
                    ["tail", "--once"]]


def invoke(*args: str, cwd=None):
    runner = CliRunner()
    env = {"COMMITMENTS_CLOCK": "2026-01-12T12:00:00Z", "COMMITMENTS_DATABASE_URL": None}
    if cwd is None:
        return runner.invoke(cli.main, list(args), env=env)
    before = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(cli.main, list(args), env=env)
    finally:
        os.chdir(before)


@pytest.mark.parametrize("command", READING_COMMANDS, ids=lambda c: c[0])
def test_a_command_on_a_missing_file_fails_in_one_line_and_creates_nothing(tmp_path, command):
    missing = tmp_path / "missing-backup.db"
    for args in (["--database", str(missing), *command], [*command, "--database", str(missing)]):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        message = result.output.strip().splitlines()
        assert len(message) == 1 and "no database at" in message[0] and str(missing) in message[0], message
        assert "consistent" not in result.output
        assert not missing.exists() and not (tmp_path / "missing-backup.db-wal").exists()


def test_the_database_option_works_after_the_command_too(tmp_path):
    path = tmp_path / "world.db"
    store = open_store(path)
    store.append(events(*coalition_world()))
    store.close()
    result = invoke("verify", "--database", str(path))
    assert result.exit_code == 0 and "consistent" in result.output
    assert invoke("stance", "fr", "--at", "2026-01-07", "--database", str(path)).exit_code == 0


def test_the_commands_that_load_data_create_the_database(tmp_path):
    fresh = tmp_path / "fresh.db"
    assert invoke("--database", str(fresh), "seed").exit_code == 0 and fresh.exists()
    exported = invoke("--database", str(fresh), "export")
    imported = tmp_path / "imported.db"
    (tmp_path / "log.ndjson").write_text(exported.output)
    assert invoke("--database", str(imported), "import", str(tmp_path / "log.ndjson")).exit_code == 0
    assert imported.exists()


@pytest.mark.parametrize(("url", "path"), [
    ("sqlite:///data/c.db", "data/c.db"), ("sqlite:///./data/c.db", "./data/c.db"),
    ("sqlite:////srv/data/c.db", "/srv/data/c.db"), ("sqlite:///:memory:", ":memory:"),
    ("sqlite://:memory:", ":memory:"), ("data/c.db", "data/c.db"),
])
def test_sqlite_urls_follow_the_usual_convention(url, path):
    assert parse_database_url(url).path == path


@pytest.mark.parametrize("url", ["sqlite://host/c.db", "sqlite:///", "sqlite:///c.db?mode=ro"])
def test_ambiguous_sqlite_urls_are_refused(url):
    with pytest.raises(ValueError, match="sqlite:///relative.db"):
        parse_database_url(url)


def test_migrate_reads_three_slashes_as_a_relative_path_and_copies_the_log(tmp_path):
    (tmp_path / "data").mkdir()
    store = open_store(tmp_path / "data" / "commitments.db")
    store.append(events(*coalition_world()))
    store.close()
    result = invoke("migrate", "--from", "sqlite:///data/commitments.db", "--to", "sqlite:///copy.db", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert f"Copied {len(coalition_world())} of {len(coalition_world())} events" in result.output
    assert (tmp_path / "copy.db").exists()


def test_migrate_from_a_missing_or_empty_source_fails_loudly(tmp_path):
    missing = invoke("migrate", "--from", str(tmp_path / "nowhere.db"), "--to", str(tmp_path / "copy.db"))
    assert missing.exit_code == 2 and "no database at" in missing.output
    assert not (tmp_path / "nowhere.db").exists() and not (tmp_path / "copy.db").exists()
    open_store(tmp_path / "empty.db").close()
    empty = invoke("migrate", "--from", str(tmp_path / "empty.db"), "--to", str(tmp_path / "copy.db"))
    assert empty.exit_code == 2 and "holds no events" in empty.output
    assert not (tmp_path / "copy.db").exists()


def test_postgres_a_schema_that_does_not_exist_is_refused_not_created():
    require_postgres()
    import psycopg

    with postgres_schema() as schema:
        result = invoke("--database", f"{POSTGRES_URL}?schema={schema}", "verify")
        assert result.exit_code == 2 and "holds no event log" in result.output, result.output
        with psycopg.connect(POSTGRES_URL) as conn:
            found = conn.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schema,))
            assert found.fetchone() is None
