"""The page on a generated log of 20,000 events, in Debian's chromium: it loads what is on screen, not the log.

The log (tests/benchmarks/generate.py: 200 actors, 40 topics, 2000-2025) is generated and imported with
``commitments import`` once per test run (3 s for both on the 2-core machine, 2026-12-07), and one server serves it
to every test here. The browser, the page checks and the server are those of tests/test_web_browser.py.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from urllib.parse import parse_qs, urlsplit

import msgspec
import pytest

from tests.benchmarks.common import commitments_command
from tests.benchmarks.generate import generate
from tests.test_web_browser import LOAD_MS, LiveServer, _new_page, browser, chromium_path  # noqa: F401 (fixtures)

EVENTS = 20_000
#: What the first load may transfer, every asset included (the target is 5 MB at 100,000 events; the page loads about
#: 0.6 MB, most of it the libraries). The day's whole matrix with evidence would be 3 MB, the whole timeline over 10 MB.
FIRST_LOAD_BYTES = 1_500_000
#: What the timeline's own answers (counts and the window's items) may add up to in that first load.
FIRST_TIMELINE_BYTES = 600_000

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="session")
def large_log(tmp_path_factory):
    """A database holding the generated log, made once per test run."""
    folder = tmp_path_factory.mktemp("large-log")
    lines = folder / "events.ndjson"
    encoder = msgspec.json.Encoder()
    with open(lines, "wb") as out:
        for event in generate(EVENTS):
            out.write(encoder.encode(event) + b"\n")
    database = folder / "service.db"
    subprocess.run([*commitments_command(), "--database", str(database), "import", str(lines)],
                   check=True, capture_output=True, timeout=600)
    return database


@pytest.fixture(scope="module")
def server(large_log, chromium_path):  # noqa: F811 (the imported fixture)
    with LiveServer(large_log) as live:
        yield live


class Traffic:
    """What a page fetched: each response's URL and the bytes the network carried for it."""

    def __init__(self, context, page):
        self.sizes: dict[str, str] = {}
        self.done: list[tuple[str, int]] = []
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.responseReceived", lambda e: self.sizes.__setitem__(e["requestId"], e["response"]["url"]))
        cdp.on("Network.loadingFinished",
               lambda e: self.done.append((self.sizes.get(e["requestId"], ""), int(e["encodedDataLength"]))))

    def timeline_requests(self) -> list[tuple[str, dict[str, list[str]]]]:
        """The /timeline and /timeline/counts requests, as (path, query)."""
        parts = [urlsplit(url) for url, _ in self.done]
        return [(p.path, parse_qs(p.query)) for p in parts if p.path.startswith("/timeline")]


@pytest.fixture
def opened(browser, server):  # noqa: F811 (the imported fixture)
    context, watched = _new_page(browser, server)
    traffic = Traffic(context, watched.page)
    page = watched.page
    page.goto("/")
    page.wait_for_selector("body[data-ready='true']", timeout=LOAD_MS)
    page.wait_for_selector("#overview-timeline[data-window] .vis-item", timeout=LOAD_MS)
    yield page, traffic
    context.close()
    assert not watched.problems(), "\n".join(watched.problems())


def test_the_first_load_fetches_the_window_in_view_and_stays_small(opened, server):
    page, traffic = opened
    total = sum(size for _, size in traffic.done)
    timeline = sum(size for url, size in traffic.done if urlsplit(url).path.startswith("/timeline"))
    assert total < FIRST_LOAD_BYTES, total
    assert timeline < FIRST_TIMELINE_BYTES, timeline
    window = page.get_attribute("#overview-timeline", "data-window")
    start, end = window.split("/")
    items = [(path, query) for path, query in traffic.timeline_requests() if path == "/timeline"]
    # Only the window is asked for, never the whole log.
    assert items and all(query["from"] == [start] and query["to"] == [end] and query["limit"] == ["1000"]
                         for _, query in items)
    assert server.get("/timeline/counts")["total"] > 1000  # the log is too large to load whole


def test_panning_fetches_the_new_window(opened):
    page, traffic = opened
    before = page.get_attribute("#overview-timeline", "data-window")
    box = page.locator("#overview-timeline .vis-center").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + 30)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + 30, steps=5)  # drag right: back in time
    page.mouse.up()
    page.wait_for_function(
        f"() => document.getElementById('overview-timeline').dataset.window !== {before!r}", timeout=LOAD_MS)
    after = page.get_attribute("#overview-timeline", "data-window")
    start, end = after.split("/")
    assert start < before.split("/")[0]
    asked = [query for path, query in traffic.timeline_requests() if path == "/timeline"]
    assert asked[-1]["from"] == [start] and asked[-1]["to"] == [end]
    drawn = page.eval_on_selector_all("#overview-timeline .vis-item.event", "items => items.length")
    assert drawn > 0


def test_a_window_too_dense_to_draw_shows_counts(opened, server):
    page, traffic = opened
    page.click("#zoom-all")  # 25 years: far more than one page of events
    page.wait_for_selector("#overview-timeline .vis-item.density", timeout=LOAD_MS)
    window = page.get_attribute("#overview-timeline", "data-window")
    start, end = window.split("/")
    counts = server.get(f"/timeline/counts?group=month&from={start}&to={end}")
    shown = page.eval_on_selector_all("#overview-timeline .vis-item.density", "items => items.length")
    assert 0 < shown <= len(counts["counts"])  # vis draws the boxes in view
    assert f"{counts['total']:,} events" in page.text_content("#overview-count")
    asked = [query for path, query in traffic.timeline_requests() if path == "/timeline"]
    assert all(query["from"] != [start] for query in asked)  # the items of so dense a window are not fetched


def test_the_story_tells_the_window_and_says_when_it_is_cut(opened):
    page, traffic = opened
    page.click("#zoom-all")
    page.wait_for_selector("#overview-timeline .vis-item.density", timeout=LOAD_MS)
    page.click("#tab-story")
    page.wait_for_selector("#story-timeline .tl-timemarker", state="attached", timeout=LOAD_MS)
    asked = [query for path, query in traffic.timeline_requests() if query.get("format") == ["timelinejs"]]
    assert asked and all(query["limit"] == ["200"] and "from" in query and "to" in query for query in asked)
    assert page.locator("#story-timeline .tl-timemarker").count() == 200
    assert "first 200 events of the selection" in page.text_content("#story-timeline .tl-slide-titleslide")


def test_the_matrix_filters_actors_and_topics_under_sticky_headers(opened):
    page, _ = opened
    page.wait_for_selector("#matrix td", timeout=LOAD_MS)
    assert page.is_visible("#matrix-filter")
    page.fill("#filter-actor", "a01")
    page.fill("#filter-topic", "t3")
    rows = page.eval_on_selector_all("#matrix tbody tr:not([hidden]) th", "ths => ths.map(th => th.title)")
    assert rows and all("a01" in actor for actor in rows)
    topics = page.eval_on_selector_all("#matrix thead th[scope='col']:not(.corner)",
                                       "ths => ths.filter(th => th.offsetParent !== null).map(th => th.title)")
    assert topics and all("t3" in topic for topic in topics)
    assert page.text_content("#filter-count") == f"{len(rows)} of 200 actors, {len(topics)} of 40 topics"
    # The topic row stays in view when the matrix scrolls, and the rows scrolled to are drawn and loaded.
    page.fill("#filter-actor", "")
    page.fill("#filter-topic", "")
    page.eval_on_selector("#matrix-section .table-scroll", "box => { box.scrollTop = 2000; }")
    page.wait_for_selector("#matrix td[data-actor='a040'][data-stance]", timeout=LOAD_MS)
    head = page.locator("#matrix thead th.corner").bounding_box()
    scroller = page.locator("#matrix-section .table-scroll").bounding_box()
    assert head is not None and scroller is not None
    assert abs(head["y"] - scroller["y"]) < 3


def test_the_matrix_loads_only_the_rows_in_view(opened):
    page, traffic = opened
    drawn = page.eval_on_selector_all("#matrix tbody tr:not(.spacer) th", "ths => ths.map(th => th.title)")
    assert 0 < len(drawn) < 60 and page.get_attribute("#matrix", "aria-rowcount") == "201"
    asked = [parse_qs(urlsplit(url).query) for url, _ in traffic.done if urlsplit(url).path.startswith("/stances")]
    assert asked and all(query.get("actor") and len(query["actor"]) <= len(drawn) for query in asked)
    # Scrolling draws the rows now in view, and loads their cells only.
    page.eval_on_selector("#matrix-section .table-scroll", "box => { box.scrollTop = box.scrollHeight; }")
    page.wait_for_selector("#matrix td[data-actor='a199'][data-topic]:not(.loading)", timeout=LOAD_MS)
    last = [parse_qs(urlsplit(url).query) for url, _ in traffic.done if urlsplit(url).path == "/stances/cells"][-1]
    assert "a199" in last["actor"] and "a000" not in last["actor"]
    # A selected cell's evidence is asked for alone.
    page.locator("#matrix td[data-actor='a199'][data-stance] button").first.click()
    page.wait_for_selector("#details-body h3", timeout=LOAD_MS)
    details = [parse_qs(urlsplit(url).query) for url, _ in traffic.done if urlsplit(url).path == "/stances"]
    assert details and len(details[-1]["actor"]) == 1 and details[-1]["actor"] == ["a199"] and "topic" in details[-1]


def test_a_drag_across_the_counts_pans_without_zooming_in(opened):
    page, _ = opened
    page.click("#zoom-all")
    page.wait_for_selector("#overview-timeline .vis-item.density", timeout=LOAD_MS)
    before = page.get_attribute("#overview-timeline", "data-window")
    strip = page.locator("#overview-timeline .vis-center").bounding_box()
    count = page.locator("#overview-timeline .vis-item.density").nth(10).bounding_box()
    y = count["y"] + count["height"] / 2  # the drag starts and ends on counts
    page.mouse.move(strip["x"] + strip["width"] * 0.6, y)
    page.mouse.down()
    page.mouse.move(strip["x"] + strip["width"] * 0.4, y, steps=5)
    page.mouse.up()
    page.wait_for_function(
        f"() => document.getElementById('overview-timeline').dataset.window !== {before!r}", timeout=LOAD_MS)
    after = page.get_attribute("#overview-timeline", "data-window")

    def days(window: str) -> int:
        start, end = (dt.date.fromisoformat(day) for day in window.split("/"))
        return (end - start).days

    assert after.split("/")[0] > before.split("/")[0]  # panned forward in time
    assert days(after) >= days(before) - 1  # and kept the zoom (a click on a count would zoom into its month)
