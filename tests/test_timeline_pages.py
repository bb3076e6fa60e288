"""The timeline by window, filter and page, and its counts per period: on both backends, against the whole
timeline filtered by hand; and the same over HTTP (limits, cursors, refusals)."""

import contextlib
import datetime as dt
import random

import pytest

from events import queries
from service import answers
from tests.conftest import AUTH, POSTGRES_URL, events, make, postgres_schema, registrations, require_postgres

ACTORS = ("fr", "gb", "de", "coalition")
TOPICS = ("troops", "money")
#: Dates of every shape: days, date-times sharing a day, months, seasons, years, open and unknown ends.
SHAPES = ("{y}-{m:02d}-{d:02d}", "{y}-{m:02d}-{d:02d}T{h:02d}:30:00Z", "{y}-{m:02d}", "{y}", "{y}-{m:02d}-{d:02d}/..",
          "../{y}-{m:02d}-{d:02d}", "{y}-{m:02d}-{d:02d}/{y2}-{m:02d}", "{y}-{m:02d}-{d:02d}~")
WINDOWS = [(None, None), (dt.date(2025, 3, 1), dt.date(2025, 3, 31)), (dt.date(2025, 1, 15), None),
           (None, dt.date(2024, 6, 30)), (dt.date(2025, 6, 10), dt.date(2025, 6, 10)),
           (dt.date(2023, 1, 1), dt.date(2026, 12, 31))]


def mixed_log(count: int, seed: int) -> list[dict]:
    """Registrations, then ``count`` events of random shapes, dates and actors (deterministic for ``seed``)."""
    rng = random.Random(seed)
    out = list(registrations())
    for i in range(count):
        y, m, d, h = rng.choice((2024, 2025, 2026)), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23)
        occurred = rng.choice(SHAPES).format(y=y, m=m, d=d, h=h, y2=y + 1)
        if rng.random() < 0.5:
            out.append(make("stance.stated", occurred, id=f"s{i:03d}", actor=rng.choice(ACTORS[:3]),
                            topic=rng.choice(TOPICS), stance=rng.choice(("committed", "declined"))))
        else:
            out.append(make("meeting.held", occurred, id=f"m{i:03d}", title=f"meeting {i}",
                            participants=rng.sample(ACTORS[:3], rng.randint(1, 3))))
    return out


def by_hand(entries, start, end, actor=None, topic=None):
    """The entries overlapping [start, end] that name ``actor`` and ``topic``, in the order given."""
    return [e for e in entries
            if (start is None or e.latest >= start.isoformat()) and (end is None or e.earliest <= end.isoformat())
            and (actor is None or actor in e.actors) and (topic is None or topic in e.topics)]


def every_page(tx, limit, after=None, **selection):
    """The pages of a selection, followed cursor by cursor from ``after``."""
    pages, cursor = [], after
    while True:
        page = queries.timeline_page(tx, limit=limit, after=cursor, **selection)
        pages.append(page.entries)
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def anchor(entry) -> str:
    """The first day an entry is known to reach."""
    return entry.latest if entry.earliest == "0001-01-01" else entry.earliest


def grouped(entries, period) -> dict[str, int]:
    """How many entries start in each period, counted by hand."""
    width, out = queries.PERIODS[period], {}
    for entry in entries:
        out[anchor(entry)[:width]] = out.get(anchor(entry)[:width], 0) + 1
    return out


@pytest.fixture
def mixed(store):
    store.append(events(*mixed_log(120, seed=26)))
    return store


@pytest.mark.parametrize("start, end", WINDOWS)
def test_a_window_holds_exactly_the_entries_that_reach_it(mixed, start, end):
    with mixed.reading() as tx:
        everything = queries.timeline(tx)
        for actor, topic in ((None, None), ("gb", None), (None, "money"), ("de", "troops")):
            found = queries.timeline(tx, start=start, end=end, actor=actor, topic=topic)
            assert [e.id for e in found] == [e.id for e in by_hand(everything, start, end, actor, topic)]
    assert any(e.precision == "instant" for e in everything) and any(e.latest == "9999-12-31" for e in everything)


@pytest.mark.parametrize("start, end", WINDOWS)
@pytest.mark.parametrize("limit", [1, 7, 1000])
def test_pages_followed_by_their_cursors_give_the_selection_once_in_order(mixed, start, end, limit):
    with mixed.reading() as tx:
        for selection in ({}, {"actor": "fr"}, {"topic": "troops"}):
            whole = queries.timeline(tx, start=start, end=end, **selection)
            pages = every_page(tx, limit, start=start, end=end, **selection)
            assert [e.id for page in pages for e in page] == [e.id for e in whole]
            assert all(len(page) == limit for page in pages[:-1]) and len(pages[-1]) <= limit


def test_a_cursor_resumes_where_it_stood_when_the_log_grows(mixed):
    with mixed.reading() as tx:
        first = queries.timeline_page(tx, limit=30)
    cursor, last = first.next_cursor, first.entries[-1]
    assert cursor is not None
    # One event dated before the page's end (a page already read) and one after it.
    mixed.append(events(make("meeting.held", "2023-01-01", id="late-early", title="early", participants=["fr"]),
                        make("meeting.held", "2027-01-01", id="late-late", title="late", participants=["fr"])))
    with mixed.reading() as tx:
        rest = [e for page in every_page(tx, 13, after=cursor) for e in page]
        everything = queries.timeline(tx)
    ids = [e.id for e in everything]
    assert [e.id for e in rest] == ids[ids.index(last.id) + 1:]
    assert "late-late" in [e.id for e in rest] and "late-early" not in [e.id for e in rest]
    assert not {e.id for e in first.entries} & {e.id for e in rest}


@pytest.mark.parametrize("period", ["year", "month", "day"])
@pytest.mark.parametrize("start, end", WINDOWS)
def test_counts_are_the_entries_grouped_by_the_period_they_start_in(mixed, period, start, end):
    with mixed.reading() as tx:
        for selection in ({}, {"actor": "gb"}, {"topic": "money"}):
            entries = queries.timeline(tx, start=start, end=end, **selection)
            counts = queries.timeline_counts(tx, period, start=start, end=end, **selection)
            assert [(c.period, c.count) for c in counts] == sorted(grouped(entries, period).items())


def test_corrections_move_an_event_between_names_and_days(store):
    store.append(events(*registrations(),
                        make("meeting.held", "2025-05-01", id="talks", title="talks", participants=["fr"]),
                        make("meeting.held", "2025-05-20", id="more", title="more talks", participants=["fr"])))
    store.append(events(make("event.corrected", "2025-05-02", id="fix", corrects="talks",
                             replacement={"participants": ["gb"], "occurred": "2025-06-03"})))
    with store.reading() as tx:
        assert [e.id for e in queries.timeline(tx, actor="gb")] == ["talks"]
        assert [e.id for e in queries.timeline(tx, actor="fr")] == ["more"]
        assert [(c.period, c.count) for c in queries.timeline_counts(tx, "month", actor="gb")] == [("2025-06", 1)]
        days = {c.period: c.count for c in queries.timeline_counts(tx, "day")}
        assert days == grouped(queries.timeline(tx), "day") and "2025-05-01" not in days and days["2025-06-03"] == 1
    store.append(events(make("event.corrected", "2025-06-04", id="gone", corrects="more", retracted=True)))
    with store.reading() as tx:
        months = {c.period: c.count for c in queries.timeline_counts(tx, "month")}
        assert months == grouped(queries.timeline(tx), "month") and "2025-05" not in months
        assert queries.timeline(tx, actor="fr") == []


def test_a_vis_page_after_a_cursor_leaves_the_stance_ranges_to_the_first(mixed):
    today = dt.date(2026, 1, 6)
    first = answers.timeline(mixed, "vis", today=today, limit=10)
    assert first.next_cursor is not None and not first.stances_left_out
    assert any(item.className.startswith("stance-") for item in first.items)
    second = answers.timeline(mixed, "vis", today=today, limit=10, after=first.next_cursor)
    assert second.stances_left_out and all(item.className.startswith("event") for item in second.items)
    assert not {i.id for i in first.items} & {i.id for i in second.items}


def test_a_vis_answer_for_too_many_stances_leaves_them_out(mixed, monkeypatch):
    monkeypatch.setattr(answers, "MAX_STANCE_KEYS", 3)
    today = dt.date(2026, 1, 6)
    whole = answers.timeline(mixed, "vis", today=today)
    assert whole.stances_left_out and all(item.className.startswith("event") for item in whole.items)
    one = answers.timeline(mixed, "vis", today=today, actor="fr", topic="troops")
    assert not one.stances_left_out and any(item.className.startswith("stance-") for item in one.items)


# --- over HTTP ------------------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def mixed_api(request, service_settings, clock):
    """A service on each backend holding the mixed log."""
    from litestar.testing import TestClient

    from service.app import create_app

    with contextlib.ExitStack() as stack:
        settings = service_settings
        if request.param == "postgres":
            require_postgres()
            schema = stack.enter_context(postgres_schema())
            settings = settings.replace(database=f"{POSTGRES_URL}?schema={schema}")
        client = stack.enter_context(TestClient(create_app(settings, clock=clock)))
        response = client.post("/events", json=mixed_log(120, seed=26), headers=AUTH)
        assert response.status_code == 201, response.text
        yield client


@pytest.mark.parametrize("fmt, key", [("native", "events"), ("timelinejs", "events"), ("vis", "items")])
def test_every_format_pages_with_the_same_cursors(mixed_api, fmt, key):
    native = mixed_api.get("/timeline", params={"from": "2025-01-01"}).json()
    assert "next_cursor" not in native
    ids, cursor = [], None
    while True:
        params = {"format": fmt, "from": "2025-01-01", "limit": 9, **({"cursor": cursor} if cursor else {})}
        body = mixed_api.get("/timeline", params=params).json()
        ids += [item.get("id", item.get("unique_id")) for item in body[key]
                if not item.get("className", "event").startswith("stance-")]
        cursor = body.get("next_cursor")
        if cursor is None:
            break
    assert ids == [e["id"] for e in native["events"]]


def test_a_cut_story_says_so_on_its_title_slide(mixed_api):
    cut = mixed_api.get("/timeline", params={"format": "timelinejs", "actor": "fr", "limit": 5}).json()
    assert len(cut["events"]) == 5 and cut["next_cursor"]
    assert "the first 5 events of the selection" in cut["title"]["text"]["text"]
    whole = mixed_api.get("/timeline", params={"format": "timelinejs", "actor": "fr"}).json()
    assert "next_cursor" not in whole and "more follow" not in whole["title"]["text"]["text"]


def test_counts_over_http_add_up_to_the_timeline(mixed_api):
    params = {"from": "2025-02-01", "to": "2025-09-30", "topic": "troops"}
    counts = mixed_api.get("/timeline/counts", params={**params, "group": "month"}).json()
    items = mixed_api.get("/timeline", params=params).json()["events"]
    assert counts["group"] == "month" and counts["total"] == len(items) == sum(c["count"] for c in counts["counts"])
    assert mixed_api.get("/timeline/counts").json()["group"] == "month"


@pytest.mark.parametrize("path, params", [
    ("/timeline", {"limit": 0}), ("/timeline", {"limit": 1001}), ("/timeline", {"limit": "many"}),
    ("/timeline", {"cursor": "2025-01-01"}), ("/timeline", {"cursor": "2025-01-01.0.x"}),
    ("/timeline", {"cursor": "2025-01-01.0." + "9" * 19}), ("/timeline/counts", {"group": "week"}),
    ("/timeline/counts", {"actor": "no spaces"}),
])
def test_bad_paging_or_grouping_is_a_400_problem(mixed_api, path, params):
    response = mixed_api.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 400


def test_a_backwards_window_of_counts_is_a_422_naming_to(mixed_api):
    response = mixed_api.get("/timeline/counts", params={"from": "2025-02-01", "to": "2025-01-01"})
    assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "to"
