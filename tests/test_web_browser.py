"""The page at ``/`` in a real browser: Debian's chromium driven by Playwright against a live server.

One seeded service runs on a free port of 127.0.0.1 for the whole module (uvicorn in a
thread, its clock frozen on 2026-01-07, so the page opens on that day). Every test gets a
fresh browser context that fails the test on a page error, a console error, or any
request to a host other than 127.0.0.1.

Skipped only when chromium (or Playwright) cannot be found, and never in CI: with ``CI``
set, a missing browser fails. ``make test`` installs chromium when it is absent.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from events import FixedClock
from tests.conftest import AUTH, TOKEN
from tests.live import LiveServer as SharedLiveServer

ROOT = Path(__file__).resolve().parent.parent
DOCS_SCREENSHOT = ROOT / "docs" / "ui-2026-01-07.png"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: The page opens on the service's today when it lies inside the data's span: freeze it there.
TODAY = "2026-01-07"
LAST_DAY = "2026-01-11"  # the seed's latest known day (the slider's end)
LOAD_MS = 15_000

pytestmark = pytest.mark.timeout(120)


def _missing(reason: str) -> None:
    """Skip on a developer's machine; fail in CI, where a missing browser must not pass silently."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the browser tests must run; `make test` installs chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        _missing("chromium not found on PATH (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("Python Playwright is not installed (pip install -e '.[test]')")
    from service.http.web import missing_vendor

    missing = missing_vendor()
    assert not missing, f"the page's libraries are not installed ({missing}): run `make install` (npm ci)"
    return path


# --- the server --------------------------------------------------------------------------------


class LiveServer(SharedLiveServer):
    """The seeded service (tests/live.py's server) with the page's clock at TODAY, used as a context manager."""

    def __init__(self, database: Path, **settings_overrides):
        from service.settings import Settings

        settings = Settings(database=str(database), token=TOKEN, seed_if_empty=True, write_burst=1000,
                            write_rate=1000.0, durable=False).replace(**settings_overrides)
        super().__init__(settings, clock=FixedClock(dt.datetime.fromisoformat(f"{TODAY}T12:00:00+00:00")))

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def get(self, path: str) -> dict:
        response = httpx.get(self.url + path, timeout=10)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="module")
def server(tmp_path_factory, chromium_path):
    with LiveServer(tmp_path_factory.mktemp("web") / "service.db") as live:
        yield live


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Watched:
    """A page plus what went wrong on it: page errors, console errors, requests that left 127.0.0.1."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.external: list[str] = []

    def problems(self) -> list[str]:
        return self.errors + [f"external request: {url}" for url in self.external]


def _new_page(browser, server, width: int = 1440, height: int = 900) -> tuple:
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=server.url)
    page = context.new_page()
    watched = Watched(page)
    page.on("pageerror", lambda error: watched.errors.append(f"page error: {error}"))
    page.on("console", lambda message: message.type == "error" and watched.errors.append(
        f"console error: {message.text} ({message.location.get('url')})"))

    def only_local(route):
        # Everything must come from this service: anything else is refused and fails the test.
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            watched.external.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    return context, watched


@pytest.fixture
def watched(browser, server):
    context, page = _new_page(browser, server)
    yield page
    context.close()
    assert not page.problems(), "\n".join(page.problems())


@pytest.fixture
def own_server(tmp_path, chromium_path):
    """A server of the test's own, for a test that appends: the shared one keeps the seed as it is."""
    with LiveServer(tmp_path / "service.db") as live:
        yield live


def open_page(page, path: str = "/"):
    page.goto(path)
    page.wait_for_selector("body[data-ready='true']", timeout=LOAD_MS)


def matrix_cells(page) -> dict[tuple[str, str], str]:
    """(actor, topic) -> the cell's text, whitespace collapsed."""
    cells = page.eval_on_selector_all(
        "#matrix td", "tds => tds.map(td => [td.dataset.actor, td.dataset.topic, td.innerText])")
    return {(actor, topic): " ".join(text.split()) for actor, topic, text in cells}


def expected_cells(server, day: str, legend: dict[str, str], keys) -> dict[tuple[str, str], str]:
    """What each cell should say on ``day`` according to ``/stances?at=``: abbreviation, status, conditions, and
    whether reports of it compete."""
    expected = dict.fromkeys(keys, "·")
    for row in server.get(f"/stances?at={day}")["rows"]:
        words = [legend[row["stance"]]]
        if row["status"]:
            words.append(row["status"])
        if row["conditions"]:
            words.append(f"{len(row['conditions'])} cond.")
        if row["disputed"]:
            words.append("DISPUTED")
        expected[(row["actor"], row["topic"])] = " ".join(words)
    return expected


def show_day(page, day: str) -> None:
    page.wait_for_selector(f"#matrix[data-day='{day}']", timeout=LOAD_MS)


# --- the tests ---------------------------------------------------------------------------------


def test_the_page_opens_on_the_services_today_with_everything_local(watched, server):
    page = watched.page
    open_page(page)
    show_day(page, TODAY)  # the service's today lies inside the seed's span, so the page opens on it
    assert page.input_value("#at-date") == TODAY
    assert f"at={TODAY}" in page.url
    # The seed's first known day: Poland's logistics hub, a role held since the full-scale invasion (004, 2022-02).
    assert page.get_attribute("#at-date", "min") == "2022-02-01"
    assert page.get_attribute("#at-date", "max") == LAST_DAY
    assert page.is_hidden("#notice")
    # The page itself refuses other origins, so the libraries cannot reach a CDN either.
    policy = httpx.get(server.url + "/").headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "http" not in policy


def test_the_timelines_show_one_item_per_event(watched, server):
    page = watched.page
    open_page(page)
    native = server.get("/timeline?format=native")["events"]
    vis_events = [i for i in server.get("/timeline?format=vis")["items"] if "event" in i["className"].split()]
    assert len(vis_events) == len(native)
    page.wait_for_selector(".vis-item.event", timeout=LOAD_MS)
    counted = page.text_content("#overview-count")
    assert counted.startswith(f"{len(native)} events and "), counted

    slides = server.get("/timeline?format=timelinejs")["events"]
    page.click("#tab-story")
    page.wait_for_selector(".tl-timemarker", state="attached", timeout=LOAD_MS)
    assert page.locator("#story-timeline .tl-timemarker").count() == len(slides)
    assert page.locator("#story-timeline .tl-slide").count() == len(slides) + 1  # + the title slide
    assert page.is_hidden("#overview")


def test_moving_the_date_changes_the_matrix_to_what_stances_says(watched, server):
    page = watched.page
    open_page(page)
    legend = dict(page.eval_on_selector_all("#legend li", "lis => lis.map(li => [li.dataset.stance, li.dataset.abbr])"))
    assert list(legend)[0] == "hostile" and list(legend)[-1] == "delivered"

    page.fill("#at-date", "2025-06-01")  # typing a day in the date field
    page.dispatch_event("#at-date", "change")
    show_day(page, "2025-06-01")
    june = matrix_cells(page)
    assert june == expected_cells(server, "2025-06-01", legend, june)
    assert page.text_content("#matrix-heading") == "Stances on 1 June 2025"

    page.focus("#at-slider")  # the keyboard on the slider: End is the last day of the data
    page.keyboard.press("End")
    show_day(page, LAST_DAY)
    january = matrix_cells(page)
    assert january == expected_cells(server, LAST_DAY, legend, january)
    assert january != june

    pending = server.get(f"/conditions?at={LAST_DAY}&status=pending")["conditions"]
    page.wait_for_selector(f"#conditions[data-day='{LAST_DAY}']", timeout=LOAD_MS)  # they follow the matrix
    shown = page.eval_on_selector_all("#conditions li[data-condition]", "lis => lis.map(li => li.dataset.condition)")
    assert shown == [c["id"] for c in pending]


def test_a_cell_opens_its_conditions_and_evidence_from_the_keyboard(watched, server):
    page = watched.page
    open_page(page, f"/?at={TODAY}")
    cell = page.locator("#matrix td[data-actor='fr'][data-topic='troops-in-ukraine'] button")
    cell.focus()
    page.keyboard.press("Enter")
    details = page.locator("#details-body")
    assert details.locator("h3").text_content() == "France · troops in ukraine"
    stance = next(r for r in server.get(f"/stances?at={TODAY}&actor=fr&topic=troops-in-ukraine")["rows"])
    for condition in stance["conditions"]:
        assert f"{condition['status']} {condition['id']}" in " ".join(details.inner_text().split())
    records = details.locator("ul.evidence-list a.record")
    assert records.count() == len(stance["evidence"])
    href = records.first.get_attribute("href")
    assert href == f"/events/{stance['evidence'][0]['event_id']}"
    assert server.get(href)["id"] == stance["evidence"][0]["event_id"]
    # Focus is visible: the focused cell draws an outline.
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"


def test_the_page_says_dates_in_the_same_words_as_the_service(watched, server):
    from service import formats
    from tests.test_formats import HUMAN_DATES

    page = watched.page
    open_page(page, f"/?at={TODAY}")
    said = page.evaluate("async (texts) => { const { inWords } = await import('/static/js/dates.js');"
                         " return Object.fromEntries(texts.map((text) => [text, inWords(text)])); }",
                         list(HUMAN_DATES))
    assert said == {text: formats.human_date(text) for text in HUMAN_DATES} == HUMAN_DATES
    # the details of a cell say its date in words, with the precision the answer reports (France: a day)
    page.locator("#matrix td[data-actor='fr'][data-topic='troops-in-ukraine'] button").click()
    since = page.locator("#details-body .since")
    assert since.get_attribute("data-precision") == "day"
    assert since.text_content() == f" dated {formats.human_date(since.get_attribute('data-date'))}"


def test_a_disputed_cell_is_marked_and_its_details_list_every_version_with_its_sources(watched, server):
    page = watched.page
    open_page(page, f"/?at={TODAY}")
    disputed = {(r["actor"], r["topic"]) for r in server.get(f"/stances?at={TODAY}&disputed=true")["rows"]}
    marked = page.evaluate("""[...document.querySelectorAll('#matrix td.disputed')]
        .map((td) => [td.dataset.actor, td.dataset.topic, td.innerText])""")
    assert {(actor, topic) for actor, topic, _ in marked} == disputed and ("it", "troops-in-ukraine") in disputed
    assert all("disputed" in text.lower() for _, _, text in marked)  # said in words, not by colour alone
    page.click("#matrix td[data-actor='it'][data-topic='troops-in-ukraine'] button")
    versions = page.locator("#details-body ol.versions > li.version")
    versions.first.wait_for(timeout=LOAD_MS)
    italy = server.get(f"/stances?at={TODAY}&actor=it&topic=troops-in-ukraine")["rows"][0]
    assert versions.count() == 1 + len(italy["alternatives"])
    texts = [" ".join(versions.nth(i).inner_text().split()) for i in range(versions.count())]
    for text, version in zip(texts, [italy, *italy["alternatives"]]):
        assert version["stance"] in text
        for evidence in version["evidence"]:
            for source in evidence["sources"]:
                assert source["outlet"] in text


def test_an_appended_event_shows_in_the_live_panel_within_two_seconds(browser, own_server):
    server = own_server
    context, watched = _new_page(browser, server)
    page = watched.page
    open_page(page)
    page.wait_for_selector("#feed-state[data-state='live']", timeout=5_000)
    # Dated today by the service's clock: a change dated later reaches the feed only on its day.
    event = {
        "id": "browser-test-nl-declines", "type": "stance.stated", "occurred": TODAY, "actor": "nl",
        "topic": "troops-in-ukraine", "stance": "declined", "summary": "The Hague rules out sending troops.",
        "sources": [{"outlet": "Example Wire", "url": "https://example.org/nl"}],
    }
    response = httpx.post(server.url + "/events", json=event, headers=AUTH, timeout=10)
    assert response.status_code == 201, response.text
    entry = page.wait_for_selector(f"#live li[data-event='{event['id']}']", timeout=2_000)
    text = " ".join(entry.inner_text().split())
    assert "Netherlands · troops in ukraine: undecided → declined" in text
    assert entry.query_selector("a[href='https://example.org/nl']") is not None  # the outlet links to its URL
    assert page.is_hidden("#live-empty")
    # The change also reaches the matrix: the page reloads the day's stances after a change.
    page.wait_for_selector("td[data-actor='nl'][data-topic='troops-in-ukraine'][data-stance='declined']", timeout=3_000)
    context.close()
    assert not watched.problems(), "\n".join(watched.problems())


def test_in_private_mode_the_page_says_that_reads_need_the_token(browser, tmp_path, chromium_path):
    with LiveServer(tmp_path / "service.db", read_requires_token=True) as private:
        context, watched = _new_page(browser, private)
        page = watched.page
        page.goto("/")  # the page and its assets stay public; the data does not
        page.wait_for_selector("#notice:not([hidden])", timeout=LOAD_MS)
        assert "private" in page.text_content("#notice")
        context.close()
    # The refused reads show as failed loads (401) in the console; nothing else may go wrong.
    assert [e for e in watched.problems() if "401" not in e] == []
    assert any("401" in e for e in watched.errors)


def test_screenshot_at_2026_01_07_on_a_laptop_and_a_phone(browser, server, tmp_path):
    for width, height, name in ((1440, 900, "ui-2026-01-07.png"), (390, 844, "ui-2026-01-07-phone.png")):
        context, watched = _new_page(browser, server, width, height)
        page = watched.page
        open_page(page, f"/?at={TODAY}")
        show_day(page, TODAY)
        page.wait_for_selector(".vis-item.event", timeout=LOAD_MS)
        # Show a cell's details too: Italy on troops, where two reports disagree (a disputed cell).
        page.click("#matrix td[data-actor='it'][data-topic='troops-in-ukraine'] button")
        page.wait_for_selector("#details-body h3", timeout=LOAD_MS)
        # Responsive: nothing but the matrix's own scroll area is wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        page.screenshot(path=tmp_path / name, full_page=True)
        context.close()
        assert not watched.problems(), "\n".join(watched.problems())
        assert (tmp_path / name).stat().st_size > 10_000
    if os.environ.get("UPDATE_UI_SCREENSHOT"):  # refresh the copy docs/ui.md shows (see there)
        shutil.copyfile(tmp_path / "ui-2026-01-07.png", DOCS_SCREENSHOT)
    assert re.search(r"ui-2026-01-07\.png", (ROOT / "docs" / "ui.md").read_text(encoding="utf-8"))


def test_the_search_box_finds_marks_and_filters_by_clicked_facets(watched, server):
    from playwright.sync_api import expect

    page = watched.page
    open_page(page)
    page.fill("#search-q", "turkiye")
    page.click("#search button[type=submit]")
    page.wait_for_selector("#search-hits li", timeout=LOAD_MS)
    answer = server.get("/search?q=turkiye")
    assert page.locator("#search-hits li").count() == len(answer["hits"])
    assert page.locator("#search-hits mark").first.inner_text() == "Türkiye"
    facet = page.locator("#search-facets button[data-facet='type']").first
    type_, count = facet.get_attribute("data-value"), answer["facets"]["type"][facet.get_attribute("data-value")]
    facet.click()
    page.wait_for_selector("#search-facets button[aria-pressed='true']", timeout=LOAD_MS)
    expect(page.locator("#search-hits li")).to_have_count(min(count, 20), timeout=LOAD_MS)
    expect(page.locator("#search-count")).to_have_text(re.compile(f"^{count} found"), timeout=LOAD_MS)
    assert {hit["type"] for hit in server.get(f"/search?q=turkiye&type={type_}")["hits"]} == {type_}
    if os.environ.get("UPDATE_UI_SCREENSHOT"):  # the picture docs/ui.md shows of a search
        page.fill("#search-q", "troops")
        page.click("#search button[type=submit]")
        expect(page.locator("#search-count")).to_have_text(re.compile(r"^\d+ found"), timeout=LOAD_MS)
        page.locator("#search-section").screenshot(path=str(ROOT / "docs" / "ui-search.png"))
    page.fill("#search-q", '"unbalanced')
    page.click("#search button[type=submit]")
    expect(page.locator("#search-count")).to_contain_text("unbalanced quote", timeout=LOAD_MS)
    # chromium logs every 4xx fetch as a console error: this one is the refusal the test asked for
    watched.errors = [e for e in watched.errors if "/search?q=%22unbalanced" not in e]


def test_a_cited_view_shows_the_same_after_later_appends(browser, own_server):
    context, watched = _new_page(browser, own_server)
    page = watched.page
    try:
        open_page(page, f"/?at={TODAY}")
        show_day(page, TODAY)
        before = matrix_cells(page)
        page.click("#cite")
        link = page.get_attribute("#cite-link", "href")
        assert f"at={TODAY}" in link and "as_of_position=" in link
        position = int(link.split("as_of_position=")[1].split("&")[0])
        assert position == own_server.get("/health")["last_position"]
        appended = httpx.post(own_server.url + "/events", headers=AUTH, timeout=10, json=[{
            "type": "stance.stated", "occurred": TODAY, "actor": "fr", "topic": "troops-in-ukraine",
            "stance": "hostile", "sources": [{"outlet": "Test Wire"}], "summary": "a later report"}])
        assert appended.status_code == 201
        open_page(page, link)
        show_day(page, TODAY)
        assert matrix_cells(page) == before
        open_page(page, f"/?at={TODAY}")
        show_day(page, TODAY)
        assert matrix_cells(page) != before
    finally:
        context.close()
    assert not watched.problems(), "\n".join(watched.problems())
