"""Spreadsheet authoring: the CSV template, reading it back (header checked first, faults by row and column), and
the same file through ``commitments import --format csv``, ``commitments propose`` and ``POST /proposals``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from events import InvalidEvent, open_store
from service import cli, spreadsheet
from tests.conftest import AUTH, coalition_world, events

HEADER = ",".join(spreadsheet.COLUMNS)


def rows(*lines: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *lines]).encode() + b"\n"


FR = "stance.stated,s1,2026-01-05,fr,troops,conditional,ceasefire;vote,,Paris would send troops,,Wire,,"
GB = "stance.stated,,2026-01-05,gb,troops,committed,,,London commits,a quote,Wire,https://example.org/gb,2026-01-05"


def test_the_published_template_is_the_commands_and_reads_back_as_its_example():
    published = (Path(__file__).resolve().parent.parent / "docs" / "events-template.csv").read_text()
    assert published == spreadsheet.template()
    (event,) = spreadsheet.read_events(published.encode())
    assert (event.type, event.id, event.actor, event.stance) == ("stance.stated", "2026-01-08-de-undecided", "de",
                                                                "undecided")
    assert event.sources[0].url == "https://example.org/de"


def test_rows_become_events_with_lists_and_one_source():
    fr, gb = spreadsheet.read_events(rows(FR, "", GB))
    assert fr.conditions == ("ceasefire", "vote") and fr.sources[0].outlet == "Wire" and fr.sources[0].url is None
    assert gb.id is None and gb.sources[0].quote == "a quote" and gb.sources[0].published == "2026-01-05"
    assert spreadsheet.read_rows(rows(FR, "", GB))[1] == [2, 4]


@pytest.mark.parametrize(("header", "pointer", "words"), [
    (HEADER.replace("occurred", "occured"), "header.occured", "did you mean 'occurred'"),
    (HEADER.replace(",summary", ""), "header.summary", "required column 'summary' is missing"),
    (HEADER + ",type", "header.type", "repeated column"),
])
def test_a_bad_header_is_refused_before_any_row_is_read(header, pointer, words):
    with pytest.raises(InvalidEvent) as refused:
        spreadsheet.read_events(rows("this row,is not,even,read", header=header))
    first = refused.value.errors[0]  # a misspelt required column is also missing: both are said
    assert (first.pointer, words in first.message) == (pointer, True)


def test_each_bad_row_is_reported_with_its_number_and_column():
    bad_date = FR.replace("2026-01-05", "2026-13-05")
    bad_url = GB.replace("https://example.org/gb", "ftp://x")
    no_type = FR.replace("stance.stated", "stance.stat")
    with pytest.raises(InvalidEvent) as refused:
        spreadsheet.read_events(rows(FR, bad_date, bad_url, no_type))
    assert [e.pointer for e in refused.value.errors] == ["row 3.occurred", "row 4.url", "row 5.type"]
    for empty in (b"", rows()):
        with pytest.raises(InvalidEvent):
            spreadsheet.read_events(empty)


def run_cli(database, *args, expect=0):
    result = CliRunner().invoke(cli.main, ["--database", str(database), *args])
    assert result.exit_code == expect, result.output
    return result.output


def test_import_and_propose_read_the_csv_and_name_rows(tmp_path, monkeypatch):
    monkeypatch.delenv("COMMITMENTS_DATABASE_URL", raising=False)
    database = tmp_path / "s.db"
    store = open_store(database)
    store.append(events(*coalition_world()))
    before = store.last_position()
    store.close()
    assert run_cli(database, "template").splitlines()[0] == HEADER
    sheet = tmp_path / "events.csv"
    sheet.write_bytes(rows(FR, GB.replace(",gb,", ",nobody,")))
    refused = run_cli(database, "import", "--format", "csv", str(sheet), expect=2)
    assert "row 3.actor" in refused and "nobody" in refused
    sheet.write_bytes(rows(FR.replace("2026-01-05", "2026-02-30")))
    assert "row 2.occurred" in run_cli(database, "propose", str(sheet), expect=2)
    sheet.write_bytes(rows(FR, GB))
    proposed = run_cli(database, "propose", "--format", "csv", str(sheet), "--by", "ed")
    assert "would append 2 events" in proposed
    assert "appended 2 events" in run_cli(database, "import", "--format", "csv", str(sheet))
    store = open_store(database)
    assert store.last_position() == before + 2
    store.close()


def test_the_page_can_propose_a_csv_upload(service_world):
    created = service_world.post("/proposals", content=rows(FR, GB),
                                 headers={**AUTH, "Content-Type": "text/csv; charset=utf-8"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert [e["actor"] for e in body["events"]] == ["fr", "gb"] and body["preview"]["problems"] == []
    bad = service_world.post("/proposals", content=rows(FR.replace("troops", "")),
                             headers={**AUTH, "Content-Type": "text/csv"})
    assert bad.status_code == 422 and [e["pointer"] for e in bad.json()["errors"]] == ["row 2.topic"]
    header = service_world.post("/proposals", content=rows(FR, header=HEADER.replace("url", "link")),
                                headers={**AUTH, "Content-Type": "text/csv"})
    assert header.status_code == 422 and header.json()["errors"][0]["pointer"] == "header.link"
    assert service_world.post("/events", content=rows(FR), headers={**AUTH, "Content-Type": "text/csv"}
                              ).status_code == 415
