"""The page's charts in a real browser (Debian's chromium through Playwright), against a live seeded server.

The actor chart (one actor's stance on each topic, as steps on the scale) and the topic chart (how many actors hold
each stance, stacked) must draw without a console error, say in their captions and tables what the API says for
the page's day, follow the date controls, the "as known at" instant and the live feed, and open an event's details
when a point is clicked. The server, the browser and the page watchers are tests/test_web_browser.py's.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests import test_web_browser as web
from tests.conftest import AUTH
from tests.test_web_browser import LAST_DAY, LOAD_MS, TODAY, _new_page, open_page, show_day

# The page tests' fixtures, by the same names: the chromium, the seeded server, the watched page.
chromium_path = web.chromium_path
server = web.server
browser = web.browser
watched = web.watched
own_server = web.own_server

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SCREENSHOTS = ("ui-chart-actor-2026-01-07.png", "ui-chart-topic-2026-01-07.png")
OPEN_START = "0001-01-01"

pytestmark = pytest.mark.timeout(120)


def charts_ready(page, *, actor: str | None = None, topic: str | None = None, day: str | None = None) -> None:
    """Wait until both charts have drawn (for ``actor``, ``topic`` and ``day`` when given)."""
    for kind, value in (("actor", actor), ("topic", topic)):
        selector = f"#{kind}-chart[data-ready='true']"
        if value:
            selector += f"[data-{kind}='{value}']"
        if day:
            selector += f"[data-day='{day}']"
        page.wait_for_selector(selector, timeout=LOAD_MS)


def step_on(steps: list[dict], day: str) -> dict | None:
    """The step of a /topics/{id}/counts answer in force on ``day``."""
    found = [step for step in steps if step["date"] <= day]
    return found[-1] if found else None


def matrix_counts(server, day: str, topic: str) -> dict[str, int]:
    """Actors at each stance on ``topic`` on ``day``, counted from the stance matrix."""
    return dict(Counter(row["stance"] for row in server.get(f"/stances?at={day}&topic={topic}")["rows"]))


def said_counts(caption: str) -> dict[str, int]:
    """The "N stance" pairs a topic caption says for its day."""
    said = caption.split(": ", 2)[-1].split(";")[0].rstrip(".")
    return {stance: int(number) for number, stance in (part.split(" ", 1) for part in said.split(", "))}


def rule_x(page, kind: str) -> float:
    return float(page.get_attribute(f"#{kind}-chart line.day-rule", "x1"))


# --- what the service serves -----------------------------------------------------------------------------------


def test_the_chart_libraries_are_served_as_single_files_and_nothing_else_of_their_packages(service_api):
    for path in ("/static/vendor/d3/d3.min.js", "/static/vendor/plot/plot.umd.min.js"):
        response = service_api.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript")
        assert len(response.content) > 100_000
    for path in ("/static/vendor/d3/package.json", "/static/vendor/plot/plot.umd.js", "/static/vendor/d3/d3.js",
                 "/static/vendor/d3-array/dist/d3-array.js", "/static/vendor/plot/dist/plot.umd.min.js"):
        assert service_api.get(path).status_code == 404, path


# --- the charts ------------------------------------------------------------------------------------------------


def test_both_charts_draw_with_a_caption_and_their_data_one_click_away(watched, server):
    page = watched.page
    open_page(page, f"/?at={TODAY}")
    charts_ready(page, day=TODAY)
    actor = page.get_attribute("#actor-chart", "data-actor")
    topic = page.get_attribute("#topic-chart", "data-topic")
    assert page.locator("#actor-chart .plot svg").count() == 1 and page.locator("#topic-chart .plot svg").count() == 1

    # The actor chart: one clickable point per dated stance (one held since an unknown day is a line without one).
    lines = server.get(f"/history/{actor}")["topics"]
    intervals = [i for line in lines for i in line["intervals"]]
    assert page.locator("#actor-chart .chart-point").count() == sum(i["valid_from"] != OPEN_START for i in intervals)
    # The caption says each topic's stance on the day, as /stances says it.
    caption = page.text_content("#actor-chart-caption")
    for row in server.get(f"/stances?at={TODAY}&actor={actor}")["rows"]:
        assert f"{row['topic'].replace('-', ' ')}: {row['stance']}" in caption
    # The table is one click away: every interval, the day's marked.
    table = page.locator("#actor-chart-data table")
    assert table.is_hidden()
    page.click("#actor-chart-data summary")
    assert table.is_visible() and table.locator("tbody tr").count() == len(intervals)

    # The topic chart: its table is the API's steps, and its caption the matrix's count on the day.
    steps = server.get(f"/topics/{topic}/counts")["steps"]
    page.click("#topic-chart-data summary")
    rows = page.locator("#topic-chart-data tbody tr")
    assert rows.count() == len(steps)
    shown = page.eval_on_selector_all("#topic-chart-data tbody tr", """trs => trs.map((tr) => [tr.dataset.date,
        Object.fromEntries([...tr.querySelectorAll('td[data-stance]')]
          .map((td) => [td.dataset.stance, +td.textContent]))])""")
    assert shown == [[step["date"], step["counts"]] for step in steps]
    current = page.get_attribute("#topic-chart-data tr[aria-current='true']", "data-date")
    assert current == step_on(steps, TODAY)["date"]
    assert said_counts(page.text_content("#topic-chart-caption")) == matrix_counts(server, TODAY, topic)


def test_the_charts_follow_the_date_controls(watched, server):
    page = watched.page
    open_page(page, f"/?at={TODAY}")
    charts_ready(page, day=TODAY)
    topic = page.get_attribute("#topic-chart", "data-topic")
    at_today = {kind: rule_x(page, kind) for kind in ("actor", "topic")}

    page.focus("#at-slider")
    page.keyboard.press("End")  # the slider's last day
    show_day(page, LAST_DAY)
    charts_ready(page, day=LAST_DAY)
    assert all(rule_x(page, kind) > x for kind, x in at_today.items())
    assert said_counts(page.text_content("#topic-chart-caption")) == matrix_counts(server, LAST_DAY, topic)

    for day in ("2025-06-01", "2023-01-01"):  # the second lies before the charts' first change: they widen to it
        page.fill("#at-date", day)
        page.dispatch_event("#at-date", "change")
        charts_ready(page, day=day)
        for kind in ("actor", "topic"):
            assert page.get_attribute(f"#{kind}-chart line.day-rule", "data-day") == day
            # (a vertical line has no width, so Playwright's visibility does not apply: its display does)
            assert page.eval_on_selector(f"#{kind}-chart line.day-rule", "l => getComputedStyle(l).display") != "none"
            assert rule_x(page, kind) < at_today[kind]
        steps = server.get(f"/topics/{topic}/counts")["steps"]
        expected = matrix_counts(server, day, topic)
        caption = page.text_content("#topic-chart-caption")
        assert (said_counts(caption) if step_on(steps, day) else {}) == expected, caption


def test_a_click_on_a_point_opens_its_events_details(watched, server):
    page = watched.page
    open_page(page, f"/?at={TODAY}")
    charts_ready(page)
    # A cell of the matrix picks the charts' actor and topic.
    page.click("#matrix td[data-actor='fr'][data-topic='troops-in-ukraine'] button")
    charts_ready(page, actor="fr", topic="troops-in-ukraine")
    point = page.locator("#actor-chart .chart-point[data-topic='troops-in-ukraine'][data-date='2026-01-06']")
    event_id = point.get_attribute("data-event")
    page.click("#matrix td[data-actor='gb'][data-topic='military-hubs'] button")  # the details show another cell
    page.wait_for_selector("#details-body h3:text('United Kingdom')", timeout=LOAD_MS)
    charts_ready(page, actor="gb", topic="military-hubs")
    page.select_option("#actor-chart-pick", "fr")  # the picker shows another actor
    charts_ready(page, actor="fr")

    point.click()
    page.wait_for_selector("#details-body h3:text('France')", timeout=LOAD_MS)
    details = page.locator("#details-body")
    assert details.locator("h3").text_content() == "France · troops in ukraine"
    row = server.get("/stances?at=2026-01-06&actor=fr&topic=troops-in-ukraine")["rows"][0]
    links = details.locator("ul.evidence-list a.record")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        f"/events/{e['event_id']}" for e in row["evidence"]]
    assert f"/events/{event_id}" in [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert details.locator("ol.versions > li.version").count() == 1 + len(row["alternatives"])  # disputed: both

    # The keyboard reaches the points too.
    page.click("#matrix td[data-actor='gb'][data-topic='military-hubs'] button")
    page.wait_for_selector("#details-body h3:text('United Kingdom')", timeout=LOAD_MS)
    page.select_option("#actor-chart-pick", "fr")
    charts_ready(page, actor="fr")
    point.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#details-body h3:text('France')", timeout=LOAD_MS)


def test_the_charts_follow_the_live_feed_and_the_known_at_instant(browser, own_server):
    server = own_server
    context, watched = _new_page(browser, server)
    page = watched.page
    open_page(page, f"/?at={TODAY}")
    page.wait_for_selector("#feed-state[data-state='live']", timeout=5_000)
    page.click("#matrix td[data-actor='nl'][data-topic='troops-in-ukraine'] button")
    charts_ready(page, actor="nl", topic="troops-in-ukraine")
    before = server.get("/topics/troops-in-ukraine/counts")["steps"]
    assert before[-1]["date"] < TODAY
    points = page.locator("#actor-chart .chart-point").count()

    event = {
        "id": "browser-test-nl-declines-troops", "type": "stance.stated", "occurred": TODAY, "actor": "nl",
        "topic": "troops-in-ukraine", "stance": "declined", "summary": "The Hague rules out sending troops.",
        "sources": [{"outlet": "Example Wire", "url": "https://example.org/nl"}],
    }
    response = httpx.post(server.url + "/events", json=event, headers=AUTH, timeout=10)
    assert response.status_code == 201, response.text
    # The feed brings the change; both charts load their series again.
    page.wait_for_selector(f"#topic-chart-data tr[data-date='{TODAY}']", state="attached", timeout=5_000)
    page.wait_for_selector(f"#actor-chart .chart-point[data-event='{event['id']}']", timeout=5_000)
    assert page.locator("#actor-chart .chart-point").count() == points + 1
    assert said_counts(page.text_content("#topic-chart-caption")) == matrix_counts(server, TODAY, "troops-in-ukraine")

    # As known at the instant the seed was recorded (the clock stands still; the event came a microsecond later).
    recorded = server.get("/events?limit=1")["events"][0]["recorded"]
    page.fill("#charts-known-at", recorded[:19])
    page.wait_for_selector(f"#topic-chart[data-known-at='{recorded[:19]}Z']", timeout=LOAD_MS)
    page.wait_for_selector(f"#topic-chart-data tr[data-date='{TODAY}']", state="detached", timeout=LOAD_MS)
    assert page.locator("#actor-chart .chart-point").count() == points
    assert f"known_at={recorded[:19]}Z" in page.url.replace("%3A", ":")
    assert "as the log stood at" in page.text_content("#topic-chart-caption")
    page.reload()  # the address keeps the instant: a link opens the same charts
    page.wait_for_selector(f"#topic-chart[data-known-at='{recorded[:19]}Z'][data-ready='true']", timeout=LOAD_MS)
    assert page.input_value("#charts-known-at").startswith(recorded[:16])  # chromium leaves out ":00" seconds
    page.wait_for_selector(f"#topic-chart-data tr[data-date='{TODAY}']", state="detached", timeout=LOAD_MS)
    page.click("#charts-known-now")
    page.wait_for_selector(f"#topic-chart-data tr[data-date='{TODAY}']", state="attached", timeout=LOAD_MS)
    context.close()
    assert not watched.problems(), "\n".join(watched.problems())


def test_an_instant_before_the_log_knew_the_actor_is_said_in_the_captions(browser, server):
    context, watched = _new_page(browser, server)
    page = watched.page
    open_page(page, f"/?at={TODAY}&known_at=2000-01-01T00:00:00Z")
    page.wait_for_selector("#actor-chart[data-ready='false'][data-known-at='2000-01-01T00:00:00Z']", timeout=LOAD_MS)
    actor = page.get_attribute("#actor-chart", "data-actor")
    caption = page.text_content("#actor-chart-caption")
    assert caption.startswith("Could not load the chart:") and f"actor '{actor}' was not yet known" in caption
    assert "was not yet known" in page.text_content("#topic-chart-caption")
    assert page.locator("#actor-chart svg").count() == 0 and page.is_hidden("#notice")  # the rest of the page works
    context.close()
    # The refused reads show as failed loads (404) in the console; nothing else may go wrong.
    assert [e for e in watched.problems() if "404" not in e] == []


def test_screenshots_of_both_charts(browser, server, tmp_path):
    """The pictures docs/ui.md shows: France's stances (a disputed statement) and the counts on troops in Ukraine."""
    context, watched = _new_page(browser, server, 1440, 900)
    page = watched.page
    open_page(page, f"/?at={TODAY}")
    page.click("#matrix td[data-actor='fr'][data-topic='troops-in-ukraine'] button")
    charts_ready(page, actor="fr", topic="troops-in-ukraine", day=TODAY)
    for name, kind in zip(SCREENSHOTS, ("actor", "topic"), strict=True):
        page.locator(f"#{kind}-chart").screenshot(path=tmp_path / name)
        assert (tmp_path / name).stat().st_size > 10_000
    context.close()
    assert not watched.problems(), "\n".join(watched.problems())
    # Responsive: on a phone the charts are drawn to the screen's width.
    context, watched = _new_page(browser, server, 390, 844)
    page = watched.page
    open_page(page, f"/?at={TODAY}")
    charts_ready(page, day=TODAY)
    assert all(int(page.get_attribute(f"#{kind}-chart svg", "width")) <= 390 for kind in ("actor", "topic"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
    assert not watched.problems(), "\n".join(watched.problems())
    if os.environ.get("UPDATE_UI_SCREENSHOT"):  # refresh the copies docs/ui.md shows
        for name in SCREENSHOTS:
            shutil.copyfile(tmp_path / name, DOCS / name)
    ui = (DOCS / "ui.md").read_text(encoding="utf-8")
    assert all(name in ui and (DOCS / name).is_file() for name in SCREENSHOTS)
