"""`commitments migrate` copies a log between databases (SQLite to PostgreSQL) with identical answers."""

import datetime as dt

from click.testing import CliRunner

from events import open_store, queries
from events.verify import checksums
from seeds import load_seed, read_seed
from service import cli
from tests.conftest import POSTGRES_URL, make, postgres_schema, require_postgres


def test_migrate_sqlite_to_postgres_gives_the_same_projections_and_change_records(tmp_path, clock):
    require_postgres()
    source_path = tmp_path / "source.db"
    source = open_store(source_path, clock=clock)
    load_seed(source)
    clock.advance(days=3)
    from events import events_from_objects

    source.append(events_from_objects([make("condition.changed", "2026-01-08", condition="ceasefire", status="met"),
                                       make("event.corrected", corrects="2026-01-09-oreshnik-strike-lviv",
                                            replacement={"summary": "corrected summary"})]))
    with postgres_schema() as schema:
        target_url = f"{POSTGRES_URL}?schema={schema}"
        runner = CliRunner()
        for _ in range(2):  # a second run copies nothing more
            result = runner.invoke(cli.main, ["migrate", "--from", str(source_path), "--to", target_url])
            assert result.exit_code == 0, result.output
        assert f"Copied 0 of {len(read_seed()) + 2} events" in result.output  # the seed and the two appends
        target = open_store(target_url)
        try:
            with source.reading() as a, target.reading() as b:
                assert checksums(a) == checksums(b)
                day = dt.date(2026, 1, 10)
                assert queries.stances(a, day) == queries.stances(b, day)
        finally:
            target.close()
    source.close()
