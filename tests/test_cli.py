"""The ``commitments`` command, through click's CliRunner, each test on a fresh database file."""

import json
import sqlite3

import msgspec
import pytest
from click.testing import CliRunner

from events import open_store, queries
from events.verify import log_checksum
from seeds import read_seed
from service import cli, formats
from service.live import feed
from tests.conftest import TOKEN, coalition_world, events, make, registrations

CLOCK = "2026-01-12T12:00:00Z"


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Run a command against a fresh database with the clock fixed after the Paris summit."""
    database = tmp_path / "cli.db"
    for name in ("COMMITMENTS_DATABASE_URL", "COMMITMENTS_TOKEN", "COMMITMENTS_PRIVATE_READS"):
        monkeypatch.delenv(name, raising=False)

    def invoke(*args, input=None, database=database, expect=0):
        runner = CliRunner()
        result = runner.invoke(cli.main, ["--database", str(database), *args], input=input,
                               env={"COMMITMENTS_CLOCK": CLOCK})
        assert result.exit_code == expect, (result.output, result.exception)
        return result

    invoke.database = database
    return invoke


@pytest.fixture
def world(run):
    """The CLI's database holding the small test world."""
    store = open_store(run.database)
    store.append(events(*coalition_world()))
    store.close()
    return run


def test_every_command_has_help_with_an_example():
    runner = CliRunner()
    for name, command in cli.main.commands.items():
        result = runner.invoke(cli.main, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example" in result.output and command.help, name


def test_seed_twice_appends_nothing_new(run):
    first = run("seed").output
    assert first.startswith("Appended ")
    second = run("seed").output
    assert second.startswith("Nothing new")


def test_stance_table_and_json(world):
    table = world("stance", "fr", "--at", "2026-01-07").output
    assert "troops" in table and "conditional" in table and "ceasefire (pending)" in table
    document = json.loads(world("stance", "fr", "--json").output)
    assert document["actor"] == "fr" and document["at"] == "2026-01-12"
    assert document["stances"][0]["status"] == "pending"


def test_stance_known_at(world):
    result = world("stance", "gb", "--known-at", "2030-01-01T00:00:00Z", "--json")
    assert json.loads(result.output)["known_at"] == "2030-01-01T00:00:00.000000Z"
    assert "actor 'gb' was not yet known at 2020-01-01T00:00:00.000000Z" in world("stance", "gb", "--known-at",
                                                                            "2020-01-01T00:00:00Z", expect=2).output


def test_matrix_table_csv_and_json(world):
    table = world("matrix", "--at", "2026-01-07").output
    assert table.splitlines()[0].split() == ["actor", "money", "troops"]
    csv_text = world("matrix", "--at", "2026-01-07", "--csv").output
    position = json.loads(world("matrix", "--at", "2026-01-07", "--json").output)["position"]
    assert csv_text.splitlines()[:2] == [f"# commitments matrix read at log position {position}",
                                         f"# query: /stances?at=2026-01-07&as_of_position={position}"]
    assert csv_text.splitlines()[2] == "actor,money,troops"
    assert "fr,,conditional (pending)" in csv_text.splitlines()
    rows = json.loads(world("matrix", "--json").output)["rows"]
    assert {(r["actor"], r["topic"]) for r in rows} == {("de", "troops"), ("fr", "troops"), ("gb", "troops"),
                                                         ("gb", "money")}


def test_pending_lists_conditions_and_their_dependents(world):
    output = world("pending", "--at", "2026-01-07").output
    assert "ceasefire" in output and "fr on troops (conditional)" in output and "gb on troops" in output
    document = json.loads(world("pending", "--json").output)
    assert {c["status"] for c in document["conditions"]} == {"pending"}


@pytest.mark.parametrize("fmt", ["native", "timelinejs", "vis"])
def test_timeline_formats(world, fmt):
    document = json.loads(world("timeline", "--format", fmt, "--json").output)
    assert document["format"] == fmt
    if fmt == "timelinejs":
        assert any(e["unique_id"] == "coalition-founded" for e in document["events"])


def test_timeline_table(world):
    output = world("timeline", "--from", "2026-01-01").output
    assert "Paris summit" in output and "March 2025" not in output


def test_the_cli_says_dates_in_words(run):
    store = open_store(run.database)
    store.append(events(*registrations(), make("stance.stated", "2025-21", id="spring", actor="fr", topic="troops",
                                               stance="supportive"),
                        make("stance.stated", "201X", id="decade", actor="gb", topic="troops", stance="undecided")))
    store.close()
    assert "spring 2025" in run("stance", "fr", "--at", "2025-04-01").output
    assert "some year in the 2010s" in run("stance", "gb", "--at", "2012-01-01").output
    timeline = run("timeline").output
    assert "spring 2025" in timeline and "season" in timeline and "some year in the 2010s" in timeline


def test_export_then_import_round_trips(world, tmp_path):
    exported = world("export").output
    lines = [json.loads(line) for line in exported.splitlines()]
    assert [line["position"] for line in lines] == list(range(1, 15))
    assert len({line["recorded"] for line in lines}) == 1  # one append, one recorded instant
    copy = tmp_path / "copy.db"
    result = world("import", "-", input=exported, database=copy)
    assert "appended 14 in 1 appends" in result.output
    again = world("import", "-", input=exported, database=copy)
    assert "appended 0" in again.output
    original, restored = open_store(world.database), open_store(copy)
    try:
        with original.reading() as a, restored.reading() as b:
            assert log_checksum(a) == log_checksum(b)
            assert all_changes(a) == all_changes(b)
    finally:
        original.close()
        restored.close()


def all_changes(tx):
    return msgspec.to_builtins(queries.changes(tx, after=0, limit=100_000)[0])


def test_import_groups_lines_by_recorded_instant_and_batches_the_rest(run, tmp_path):
    objects = coalition_world()
    stamped = [{**o, "recorded": "2026-01-10T00:00:00Z"} for o in objects[:8]]
    stamped += [{**o, "recorded": "2026-01-11T00:00:00Z", "position": 99} for o in objects[8:10]]
    plain = objects[10:]
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(json.dumps(o) for o in stamped + plain) + "\n\n")
    output = run("import", str(path), "--batch-size", "2").output
    assert "Read 14 events, appended 14 in 4 appends" in output
    store = open_store(run.database)
    try:
        recorded = [s.recorded for s in store.read()]
    finally:
        store.close()
    assert recorded[:8] == ["2026-01-10T00:00:00.000000Z"] * 8
    assert recorded[8:10] == ["2026-01-11T00:00:00.000000Z"] * 2
    assert recorded[10] == recorded[11] != recorded[12]


def test_a_bad_import_line_is_named(run, tmp_path):
    path = tmp_path / "bad.ndjson"
    good = json.dumps(coalition_world()[0])
    path.write_text(good + "\n" + '{"type": "stance.stated", "colour": "blue"}\n')
    result = run("import", str(path), expect=2)
    assert "line 2" in result.output and "Traceback" not in result.output
    path.write_text(good + "\nnot json\n")
    assert "line 2" in run("import", str(path), expect=2).output
    unknown = json.dumps({**coalition_world()[-1], "actor": "xx"})
    path.write_text(good + "\n" + unknown + "\n")
    assert "line 2.actor: unknown actor 'xx'" in run("import", str(path), expect=2).output


def test_rebuild_and_verify(world):
    assert "from 14 events" in world("rebuild").output
    assert "consistent" in world("verify").output
    connection = sqlite3.connect(world.database)
    connection.execute("DELETE FROM stance_intervals WHERE actor = 'de'")
    connection.commit()
    connection.close()
    result = world("verify", expect=1)
    assert "problem: projection 'stance_intervals' differs" in result.output
    world("rebuild")
    world("verify")


def test_tail_once_prints_the_change_feed(world):
    lines = world("tail", "--once", "--json").output.splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 2, 3, 4]
    store = open_store(world.database)
    try:
        page = feed.changes_page(store)
    finally:
        store.close()
    assert lines == [feed.change_json(change) for change in page.changes]
    later = world("tail", "--once", "--after", "3").output.splitlines()
    assert len(later) == 1 and later[0].startswith("#4 ")


def test_follow_polls_until_there_is_something_new(world):
    store = open_store(world.database)
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise KeyboardInterrupt

    try:
        seen = []
        with pytest.raises(KeyboardInterrupt):
            for change in feed.follow(store, after=2, interval=0.5, sleep=sleep):
                seen.append(change.seq)
    finally:
        store.close()
    assert seen == [3, 4] and sleeps == [0.5, 0.5]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["stance", "xx"], "no actor 'xx'"),
        (["stance", "fr", "--at", "yesterday"], "is not a day"),
        (["matrix", "--known-at", "soon"], "not an RFC 3339 instant"),
        (["matrix", "--known-at", "0001-01-01T00:00:00+01:00"], "not an RFC 3339 instant"),
        (["import", "/no/such/file.ndjson"], "No such file"),
        (["timeline", "--format", "svg"], "Invalid value"),
        (["tail", "--after", "-1"], "Invalid value"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(world, args, words):
    result = world(*args, expect=2)
    assert words in result.output and "Traceback" not in result.output


def test_a_bad_database_is_a_one_line_error(run, tmp_path):
    assert "unsupported database URL scheme" in run("matrix", database="mysql://x/y", expect=2).output
    not_a_database = tmp_path / "junk.db"
    not_a_database.write_bytes(b"this is not sqlite" * 100)
    result = run("matrix", database=not_a_database, expect=2)
    assert "cannot open the database" in result.output and "Traceback" not in result.output


def test_serve_prints_the_urls_and_a_new_token_once(run, monkeypatch, tmp_path):
    started = []
    monkeypatch.setattr("uvicorn.run", lambda app, host, port, **kw: started.append((app, host, port)))
    first = run("serve", "--port", "8765", "--seed-if-empty").output
    assert "http://127.0.0.1:8765/schema" in first and "/schema/swagger" in first and "/feed" in first
    seeded = len(read_seed())
    assert f"Seeded the empty log with {seeded} events" in first
    token = (tmp_path / "commitments.token").read_text().strip()
    assert token in first and "shown only this once" in first
    second = run("serve", "--port", "8765", "--seed-if-empty").output
    assert token not in second and "Write token" not in second and "Seeded" not in second
    app, host, port = started[-1]
    assert (host, port) == ("127.0.0.1", 8765) and app.state.token == token


def test_serve_takes_the_token_from_the_environment(run, monkeypatch, tmp_path):
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: None)
    monkeypatch.setenv("COMMITMENTS_TOKEN", TOKEN)
    output = run("serve", "--private").output
    assert "Write token" not in output and not (tmp_path / "commitments.token").exists()


def test_a_bad_line_anywhere_in_an_import_stores_nothing(run, tmp_path):
    good = [json.dumps(o) for o in coalition_world()]
    path = tmp_path / "broken.ndjson"
    path.write_text("\n".join([*good, '{"type": "stance.stated", "occurred": "2026-02-30"}']) + "\n")
    result = run("import", str(path), "--batch-size", "3", expect=2)
    assert f"line {len(good) + 1}" in result.output and "Traceback" not in result.output
    store = open_store(run.database)
    try:
        assert store.last_position() == 0
    finally:
        store.close()


def test_an_import_without_recorded_instants_is_one_append_and_names_the_line_of_a_fault(run, tmp_path, monkeypatch):
    monkeypatch.setattr("events.writing.append.APPEND_CHUNK", 3)  # the fault lies in a later chunk of the one append
    good = [json.dumps(o) for o in coalition_world()]
    bad = json.dumps(make("stance.stated", "2026-01-06", actor="nobody", topic="troops", stance="committed"))
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join([*good[:5], "", *good[5:], bad]) + "\n")
    result = run("import", str(path), expect=2)
    assert f"line {len(good) + 2}.actor: unknown actor 'nobody'" in result.output
    path.write_text("\n".join([*good[:5], "", *good[5:]]) + "\n")
    assert f"Read {len(good)} events, appended {len(good)} in 1 appends" in run("import", str(path)).output
    store = open_store(run.database)
    try:
        assert len({stored.recorded for stored in store.read()}) == 1
    finally:
        store.close()


def test_pending_says_since_when_a_condition_is_overdue(run):
    declared = make("condition.declared", "2026-01-01", id="vote-declared", condition="vote-by-march",
                    description="parliament votes", kind="trigger", deadline="2026-03")
    store = open_store(run.database)
    store.append(events(*coalition_world(), declared))
    store.close()
    before = run("pending", "--at", "2026-03-31").output
    after = run("pending", "--at", "2026-04-02").output
    since = f"since {formats.human_date('2026-04-01')}"  # dates are said in words (docs/dates.md)
    assert "overdue" in before.splitlines()[0] and since not in before
    row = next(line for line in after.splitlines() if line.startswith("vote-by-march"))
    assert since in row
    document = json.loads(run("pending", "--at", "2026-04-02", "--json").output)
    vote = next(c for c in document["conditions"] if c["id"] == "vote-by-march")
    assert vote["overdue"] is True and vote["overdue_since"] == "2026-04-01"


def test_search_prints_hits_and_facets_and_refuses_a_malformed_query(world):
    shown = world("search", "paris")
    assert "found at log position" in shown.output and "[Paris]" in shown.output
    as_json = json.loads(world("search", "paris", "--json").output)
    assert as_json["total"] >= 1 and as_json["hits"][0]["snippet"]
    assert json.loads(world("search", "paris", "--json", "--as-of-position", "1").output)["total"] == 0
    refused = world("search", '"paris', expect=2)
    assert "unbalanced quote" in refused.output and refused.output.count("\n") == 1


def test_panel_writes_the_same_csv_as_the_api_and_refuses_a_reversed_range(world):
    shown = world("panel", "--from", "2026-01-05", "--to", "2026-01-07", "--csv").output
    lines = shown.splitlines()
    assert lines[0].startswith("# commitments panel read at log position ") and lines[1].startswith("# query: /panel?")
    assert lines[2] == "date,actor,topic,stance,rank,status,pending_conditions,disputed,certain,since"
    assert any(line.startswith("2026-01-07,fr,") for line in lines)
    as_json = json.loads(world("panel", "--from", "2026-01-05", "--to", "2026-01-07", "--actor", "fr").output)
    assert {row["actor"] for row in as_json["rows"]} == {"fr"}
    refused = world("panel", "--from", "2026-01-07", "--to", "2026-01-05", expect=2)
    assert "before 'from'" in refused.output
