"""The page's editor in a real browser (Debian's chromium through Playwright, as tests/test_web_browser.py).

An editor signs in with a key, drafts an event in the form built from the event types' JSON Schemas, sees the
dry run's preview, and proposes or appends it; a reviewer accepts; the matrix and the live panel follow. Faults
show by their fields; a reader, and a visitor who has not signed in, get no editor. Each test that writes has a
server of its own (the seed, the clock frozen on 2026-01-07).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from tests.conftest import AUTH, TOKEN
from tests.test_web_browser import (  # noqa: F401 - browser and chromium_path are fixtures used here
    LOAD_MS,
    TODAY,
    LiveServer,
    _new_page,
    browser,
    chromium_path,
    open_page,
    show_day,
)

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.timeout(180)

#: The screenshots docs/editing.md shows (refreshed with UPDATE_UI_SCREENSHOT=1, as docs/ui.md says).
SCREENSHOTS = ("editing-preview.png", "editing-fault.png", "editing-review.png")


def _unexpected(watched) -> list[str]:
    """Page errors, console errors and external requests (signing in asks ``/keys/me``, which fails for no role)."""
    return list(watched.problems())


class Browsing:
    """A browser context on a server, checked for unexpected problems when it closes."""

    def __init__(self, launched, server, width: int = 1440, height: int = 1000):
        self.context, self.watched = _new_page(launched, server, width, height)
        self.page = self.watched.page
        #: Failed loads that are the answer a test expects (a refused upload).
        self.errors_allowed: tuple[str, ...] = ()

    def close(self) -> None:
        self.context.close()
        problems = [p for p in _unexpected(self.watched) if not any(a in p for a in self.errors_allowed)]
        assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def server(tmp_path_factory, chromium_path):  # noqa: F811 - chromium_path is the imported fixture
    """One seeded service for the tests that only preview (a dry run stores nothing)."""
    with LiveServer(tmp_path_factory.mktemp("editor") / "service.db") as live:
        yield live


@pytest.fixture
def own_server(tmp_path, chromium_path):  # noqa: F811
    """A server of the test's own, for a test that writes."""
    with LiveServer(tmp_path / "service.db") as live:
        yield live


@pytest.fixture
def browsing(browser, server):  # noqa: F811
    session = Browsing(browser, server)
    yield session
    session.close()


def sign_in(page, key: str) -> None:
    page.fill("#key", key)
    page.click("#sign-in button[type=submit]")
    page.wait_for_selector("#signed-in:not([hidden])", timeout=LOAD_MS)


def draft_stance(page, *, actor: str, topic: str, stance: str, occurred: str, summary: str, outlet: str, url: str):
    """Fill the form as an editor would: the type, the picks, the date, the summary and one source."""
    page.select_option("#event-type", "stance.stated")
    page.fill("[data-path='occurred'] input", occurred)
    page.fill("[data-path='actor'] input", actor)
    page.fill("[data-path='topic'] input", topic)
    page.select_option("[data-path='stance'] select", stance)
    page.fill("[data-path='summary'] textarea", summary)
    page.fill("[data-path='sources[0].outlet'] input", outlet)
    page.fill("[data-path='sources[0].url'] input", url)


def preview(page) -> str:
    page.click("#preview-button")
    page.wait_for_selector("#editor-preview .preview", timeout=LOAD_MS)
    return " ".join(page.inner_text("#editor-preview").split())


NL_DECLINES = dict(actor="nl", topic="troops-in-ukraine", stance="declined", occurred=TODAY,
                   summary="The Hague rules out sending troops.", outlet="Example Wire", url="https://example.org/nl")


# --- who sees the editor -------------------------------------------------------------------------


def test_a_visitor_sees_the_sign_in_and_no_editor(browsing):
    page = browsing.page
    open_page(page)
    assert page.is_visible("#sign-in")
    assert page.is_hidden("#editor-section") and page.is_hidden("#review-section")
    page.locator("#matrix td[data-actor='fr'][data-topic='troops-in-ukraine'] button").click()
    page.wait_for_selector("#details-body h3", timeout=LOAD_MS)
    assert page.locator("#details-body button.correct").count() == 0


def test_a_wrong_key_is_refused_and_kept_nowhere(browsing):
    page = browsing.page
    open_page(page)
    page.fill("#key", "not-a-key-of-this-service")
    page.click("#sign-in button[type=submit]")
    page.wait_for_selector("#sign-in-fault:not([hidden])", timeout=LOAD_MS)
    assert page.is_hidden("#editor-section")
    assert page.evaluate("sessionStorage.length") == 0
    # The 401 is the answer the page reads; the browser logs the failed load.
    browsing.watched.errors[:] = [e for e in browsing.watched.errors if "status of 401" not in e]


def issue_key(server, name: str, role: str) -> str:
    """A key of ``role``, issued by the bootstrap admin (POST /keys)."""
    created = httpx.post(server.url + "/keys", json={"name": name, "role": role}, headers=AUTH, timeout=10)
    assert created.status_code == 201, created.text
    return created.json()["key"]


@pytest.mark.parametrize(("role", "edits"), [("reader", False), ("editor", True)])
def test_a_reader_sees_no_editor_and_an_editor_no_review_queue(browser, server, role, edits):  # noqa: F811
    key = issue_key(server, f"browser-{role}", role)
    session = Browsing(browser, server)
    page = session.page
    open_page(page)
    sign_in(page, key)
    assert page.text_content("#role") == role
    assert page.is_visible("#editor-section") is edits
    assert page.is_hidden("#review-section")
    page.locator("#matrix td[data-actor='fr'][data-topic='troops-in-ukraine'] button").click()
    page.wait_for_selector("#details-body h3", timeout=LOAD_MS)
    assert (page.locator("#details-body button.correct").count() > 0) is edits
    session.close()


def test_the_bootstrap_token_signs_in_as_admin(browsing):
    page = browsing.page
    open_page(page)
    sign_in(page, TOKEN)
    assert page.text_content("#role") == "admin"


def test_signing_in_keeps_the_key_in_the_tab_until_sign_out(browsing):
    page = browsing.page
    open_page(page)
    sign_in(page, TOKEN)
    assert page.is_visible("#editor-section")
    assert page.evaluate("sessionStorage.getItem('commitments.key')") == TOKEN
    assert page.evaluate("localStorage.length") == 0  # never kept beyond the tab
    page.reload()
    page.wait_for_selector("body[data-ready='true']", timeout=LOAD_MS)
    assert page.is_visible("#signed-in") and page.is_visible("#editor-section")
    page.click("#sign-out")
    assert page.evaluate("sessionStorage.length") == 0
    assert page.is_hidden("#editor-section") and page.is_visible("#sign-in")


# --- the form ------------------------------------------------------------------------------------


def test_the_form_offers_every_event_type_of_the_schema(browsing, server):
    page = browsing.page
    open_page(page)
    sign_in(page, TOKEN)
    body = server.get("/schema/openapi.json")["paths"]["/events"]["post"]["requestBody"]
    types = [option["$ref"].split("/")[-1] for option in body["content"]["application/json"]["schema"]["oneOf"]
             if "$ref" in option]
    offered = page.eval_on_selector_all("#event-type option", "options => options.map((o) => o.value)")
    assert len(offered) == len(types) and "stance.stated" in offered and "event.corrected" in offered
    # Each type's form has a control for each of its fields (the type itself is implied).
    schemas = server.get("/schema/openapi.json")["components"]["schemas"]
    for name in types:
        schema = schemas[name]
        page.select_option("#event-type", schema["properties"]["type"]["const"])
        shown = set(page.eval_on_selector_all("#event-form [data-path]", "els => els.map((e) => e.dataset.path)"))
        assert set(schema["properties"]) - {"type"} <= shown, name
    # Reference fields pick from the registered ids: the actor field offers every actor of /actors.
    page.select_option("#event-type", "stance.stated")
    listed = page.eval_on_selector_all("[data-path='actor'] datalist option", "os => os.map((o) => o.value)")
    assert sorted(listed) == sorted(a["id"] for a in server.get("/actors")["actors"])


def test_a_new_event_type_gets_its_form_from_its_schema_alone(browsing):
    """A type the catalogue does not have: its JSON Schema is all the form needs (no page code names a type)."""
    page = browsing.page
    open_page(page)
    made_up = {
        "type": "object", "title": "SanctionImposed", "required": ["type", "occurred", "actor", "targets", "level"],
        "properties": {
            "type": {"type": "string", "const": "sanction.imposed"},
            "occurred": {"type": "string", "description": "an EDTF date (levels 0 and 1)"},
            "actor": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"},
            "targets": {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"}},
            "level": {"type": "string", "enum": ["light", "heavy"]},
            "amount": {"oneOf": [{"type": "number"}, {"type": "null"}]},
        },
    }
    read = page.evaluate("""async (schema) => {
        const { eventForm } = await import('/static/js/form.js');
        const ids = { actor: [{ id: 'fr', name: 'France' }, { id: 'ru', name: 'Russia' }] };
        const form = eventForm(schema, { resolve: (s) => s, ids });
        document.body.append(form.element);
        const el = form.element;
        el.querySelector("[data-path='occurred'] input").value = '2026-01~';
        el.querySelector("[data-path='occurred'] input").dispatchEvent(new Event('input'));
        el.querySelector("[data-path='actor'] input").value = 'fr';
        el.querySelector("[data-path='targets'] select option[value='ru']").selected = true;
        el.querySelector("[data-path='level'] select").value = 'heavy';
        el.querySelector("[data-path='amount'] input").value = '12.5';
        const words = el.querySelector("[data-path='occurred'] .date-words").textContent;
        const faults = form.showFaults([
          { pointer: '$[0].actor', message: 'unknown actor' }, { pointer: '$', message: 'x' }]);
        const shown = el.querySelector("[data-path='actor'] .fault").textContent;
        const value = form.read();
        el.remove();
        return { value, words, shown, faults };
    }""", made_up)
    assert read["value"] == {"occurred": "2026-01~", "actor": "fr", "targets": ["ru"], "level": "heavy",
                             "amount": 12.5, "type": "sanction.imposed"}
    assert read["words"] == "Means: about January 2026"
    assert read["shown"] == "unknown actor"
    assert read["faults"] == [{"pointer": "$", "message": "x"}]  # a fault of no field is answered back


def test_the_date_field_says_in_words_what_a_date_means(browsing):
    from service import formats

    page = browsing.page
    open_page(page)
    sign_in(page, TOKEN)
    for text in ("2026-01-XX", "2026-01-06~", "2025-21", "2025-06/.."):
        page.fill("[data-path='occurred'] input", text)
        assert page.text_content("[data-path='occurred'] .date-words") == f"Means: {formats.human_date(text)}"
    page.fill("[data-path='occurred'] input", "2026-13-01")
    assert "Not a date" in page.text_content("[data-path='occurred'] .date-words")


def test_an_invalid_date_shows_its_fault_by_the_field(browsing, server):
    page = browsing.page
    open_page(page)
    sign_in(page, TOKEN)
    draft_stance(page, **{**NL_DECLINES, "occurred": "2026-13-01"})
    said = preview(page)
    assert "would refuse" in said
    fault = page.locator("[data-path='occurred'] .fault")
    assert fault.count() == 1
    # The words are the service's own: the dry run's fault for that field.
    dry = httpx.post(server.url + "/events?dry_run=true", headers=AUTH, timeout=10, json=[{
        "type": "stance.stated", "occurred": "2026-13-01", "actor": "nl", "topic": "troops-in-ukraine",
        "stance": "declined", "summary": NL_DECLINES["summary"],
        "sources": [{"outlet": "Example Wire", "url": "https://example.org/nl"}]}]).json()
    assert [p["pointer"] for p in dry["problems"]] == ["$[0].occurred"]
    assert fault.text_content() == dry["problems"][0]["message"]
    assert page.get_attribute("[data-path='occurred'] input", "aria-invalid") == "true"
    assert page.is_disabled("#append-button")  # nothing refused can be sent
    # Mended, the fault goes and the draft may be sent.
    page.fill("[data-path='occurred'] input", TODAY)
    assert "would accept" in preview(page)
    assert page.locator("#event-form .fault").count() == 0
    assert page.is_enabled("#append-button")


def test_an_unknown_actor_is_named_by_its_field(browsing):
    page = browsing.page
    open_page(page)
    sign_in(page, TOKEN)
    draft_stance(page, **{**NL_DECLINES, "actor": "atlantis"})
    assert "would refuse" in preview(page)
    assert "unknown actor 'atlantis'" in page.text_content("[data-path='actor'] .fault")


def test_a_fault_of_a_second_source_lands_on_that_source(browsing):
    page = browsing.page
    open_page(page)
    sign_in(page, TOKEN)
    draft_stance(page, **NL_DECLINES)
    page.click("[data-path='sources'] button.add")
    page.click("[data-path='sources'] button.add")
    page.locator("[data-path='sources[1]'] button.remove").click()  # the third source becomes the second
    page.fill("[data-path='sources[1].outlet'] input", "Other Wire")
    page.fill("[data-path='sources[1].url'] input", "ftp://example.org/nl")
    assert "would refuse" in preview(page)
    assert page.locator("[data-path='sources[1].url'] .fault").count() == 1
    assert page.locator("[data-path='sources[0].url'] .fault").count() == 0


# --- preview, send, and what the page shows after -------------------------------------------------


def test_an_editor_drafts_a_stance_sees_the_preview_and_appends_it(browser, own_server):  # noqa: F811
    server = own_server
    session = Browsing(browser, server)
    page = session.page
    open_page(page)
    page.wait_for_selector("#feed-state[data-state='live']", timeout=LOAD_MS)
    sign_in(page, TOKEN)
    draft_stance(page, **NL_DECLINES)
    said = preview(page)
    assert "would accept" in said
    assert "Netherlands · troops in ukraine: undecided → declined" in said and "from 7 January 2026" in said
    before = server.get("/health")["last_position"]
    assert server.get("/health")["last_position"] == before  # the preview stored nothing
    page.click("#append-button")
    page.wait_for_selector("#editor-status:has-text('Appended')", timeout=LOAD_MS)
    # The live panel and the matrix change, as for any append.
    page.wait_for_selector("#live li.change:has-text('undecided → declined')", timeout=LOAD_MS)
    page.wait_for_selector("td[data-actor='nl'][data-topic='troops-in-ukraine'][data-stance='declined']",
                           timeout=LOAD_MS)
    assert server.get(f"/stances?at={TODAY}&actor=nl&topic=troops-in-ukraine")["rows"][0]["stance"] == "declined"
    session.close()


def test_an_editor_proposes_and_a_reviewer_accepts(browser, own_server):  # noqa: F811
    server = own_server
    editor = Browsing(browser, server)
    page = editor.page
    open_page(page)
    sign_in(page, issue_key(server, "ed", "editor"))
    draft_stance(page, **NL_DECLINES)
    assert "undecided → declined" in preview(page)
    page.fill("#note", "From the Dutch government's briefing.")
    page.click("#send-button")
    sent = page.wait_for_selector("#editor-preview .sent", timeout=LOAD_MS)
    proposal = sent.get_attribute("data-proposal")
    stored = httpx.get(f"{server.url}/proposals/{proposal}", headers=AUTH, timeout=10).json()
    assert (stored["status"], stored["proposed_by"]) == ("open", "ed")
    assert stored["note"] == "From the Dutch government's briefing."
    assert server.get(f"/stances?at={TODAY}&actor=nl&topic=troops-in-ukraine")["rows"][0]["stance"] == "undecided"

    reviewer = Browsing(browser, server)
    review = reviewer.page
    open_page(review)
    review.wait_for_selector("#feed-state[data-state='live']", timeout=LOAD_MS)
    sign_in(review, issue_key(server, "rev", "reviewer"))
    item = review.wait_for_selector(f"#proposals li[data-proposal='{proposal}']", timeout=LOAD_MS)
    text = " ".join(item.inner_text().split())
    assert "stance.stated" in text and "undecided → declined" in text  # the events beside their preview
    assert "From the Dutch government's briefing." in text
    item.query_selector("button.accept").click()
    review.wait_for_selector(f"#proposals li[data-proposal='{proposal}'][data-decided='accept']", timeout=LOAD_MS)
    review.wait_for_selector("#live li.change:has-text('undecided → declined')", timeout=LOAD_MS)
    review.wait_for_selector("td[data-actor='nl'][data-topic='troops-in-ukraine'][data-stance='declined']",
                             timeout=LOAD_MS)
    accepted = server.get("/events?recorded_by=rev")["events"]
    assert [(e["actor"], e["stance"], e["proposed_by"]) for e in accepted] == [("nl", "declined", "ed")]
    # The editor's page follows too: the live panel and the matrix.
    page.wait_for_selector("#live li.change:has-text('undecided → declined')", timeout=LOAD_MS)
    page.wait_for_selector("td[data-actor='nl'][data-topic='troops-in-ukraine'][data-stance='declined']",
                           timeout=LOAD_MS)
    reviewer.close()
    editor.close()


def test_a_reviewer_rejects_with_a_reason(browser, own_server):  # noqa: F811
    server = own_server
    editor_key = issue_key(server, "ed", "editor")
    event = {"type": "stance.stated", "occurred": TODAY, "actor": "nl", "topic": "troops-in-ukraine",
             "stance": "declined", "summary": "The Hague rules out troops.", "sources": [{"outlet": "Example Wire"}]}
    proposed = httpx.post(server.url + "/proposals", json=event, timeout=10,
                          headers={"Authorization": f"Bearer {editor_key}"})
    assert proposed.status_code == 201, proposed.text
    proposal = proposed.json()["id"]
    session = Browsing(browser, server)
    page = session.page
    open_page(page)
    sign_in(page, issue_key(server, "rev", "reviewer"))
    item = page.locator(f"#proposals li[data-proposal='{proposal}']")
    item.locator("button.reject").click()  # without a reason: the service's fault is shown, nothing decided
    page.wait_for_selector(f"#proposals li[data-proposal='{proposal}'] .outcome:has-text('Refused')", timeout=LOAD_MS)
    assert httpx.get(f"{server.url}/proposals/{proposal}", headers=AUTH, timeout=10).json()["status"] == "open"
    item.locator("input").fill("The briefing does not say so.")
    item.locator("button.reject").click()
    page.wait_for_selector(f"#proposals li[data-proposal='{proposal}'][data-decided='reject']", timeout=LOAD_MS)
    decided = httpx.get(f"{server.url}/proposals/{proposal}", headers=AUTH, timeout=10).json()
    assert (decided["status"], decided["decided_by"], decided["reason"]) == (
        "rejected", "rev", "The briefing does not say so.")
    page.wait_for_selector(f"#proposals li[data-proposal='{proposal}']", state="detached", timeout=LOAD_MS)
    assert page.is_visible("#proposals-empty")
    session.errors_allowed = ("status of 422",)  # the reject without a reason
    session.close()


def test_under_required_review_an_editors_append_is_refused_and_said_so(browser, tmp_path, chromium_path):  # noqa: F811
    with LiveServer(tmp_path / "service.db", review="required") as server:
        session = Browsing(browser, server)
        page = session.page
        open_page(page)
        sign_in(page, issue_key(server, "ed", "editor"))
        draft_stance(page, **NL_DECLINES)
        assert "would accept" in preview(page)  # editors still preview
        page.click("#append-button")
        page.wait_for_selector("#editor-status[data-kind='fault']", timeout=LOAD_MS)
        said = page.text_content("#editor-status")
        assert said.startswith("Refused (403)") and "/proposals" in said
        page.click("#send-button")  # proposing is the way
        page.wait_for_selector("#editor-preview .sent", timeout=LOAD_MS)
        session.errors_allowed = ("status of 403",)
        session.close()


def test_a_proposal_the_log_no_longer_takes_shows_why_and_stays_open(browser, own_server):  # noqa: F811
    server = own_server
    event = {"id": "nl-2026-01-07", "type": "stance.stated", "occurred": TODAY, "actor": "nl",
             "topic": "troops-in-ukraine", "stance": "declined", "summary": "The Hague rules out troops.",
             "sources": [{"outlet": "Example Wire"}]}
    proposed = httpx.post(server.url + "/proposals", json=event, headers=AUTH, timeout=10)
    assert proposed.status_code == 201, proposed.text
    proposal = proposed.json()["id"]
    # Meanwhile the log takes another event under the same id: the proposal now conflicts.
    appended = httpx.post(server.url + "/events", json={**event, "stance": "reluctant"}, headers=AUTH, timeout=10)
    assert appended.status_code == 201, appended.text
    session = Browsing(browser, server)
    page = session.page
    open_page(page)
    sign_in(page, TOKEN)
    item = page.locator(f"#proposals li[data-proposal='{proposal}']")
    assert "would refuse" in " ".join(item.inner_text().split())  # its fresh preview says so already
    item.locator("button.accept").click()
    page.wait_for_selector(f"#proposals li[data-proposal='{proposal}'] .outcome:has-text('Refused (409)')",
                           timeout=LOAD_MS)
    assert httpx.get(f"{server.url}/proposals/{proposal}", headers=AUTH, timeout=10).json()["status"] == "open"
    session.errors_allowed = ("status of 409",)
    session.close()


def test_the_review_queue_follows_proposals_made_elsewhere(browser, own_server):  # noqa: F811
    server = own_server
    session = Browsing(browser, server)
    page = session.page
    open_page(page)
    sign_in(page, issue_key(server, "rev", "reviewer"))
    assert page.is_visible("#proposals-empty")
    event = {"type": "stance.stated", "occurred": TODAY, "actor": "nl", "topic": "troops-in-ukraine",
             "stance": "declined", "summary": "The Hague rules out troops.", "sources": [{"outlet": "Example Wire"}]}
    proposed = httpx.post(server.url + "/proposals", json=event, headers=AUTH, timeout=10)
    assert proposed.status_code == 201, proposed.text
    # The queue polls /proposals/feed: the new proposal arrives without a reload ...
    page.wait_for_selector(f"#proposals li[data-proposal='{proposed.json()['id']}']", timeout=LOAD_MS)
    assert page.is_hidden("#proposals-empty")
    # ... and leaves when someone else decides it.
    rejected = httpx.post(f"{server.url}/proposals/{proposed.json()['id']}/reject", json={"reason": "No source."},
                          headers=AUTH, timeout=10)
    assert rejected.status_code == 200, rejected.text
    page.wait_for_selector("#proposals li.proposal", state="detached", timeout=LOAD_MS)
    assert page.is_visible("#proposals-empty")
    session.close()


def test_a_csv_upload_becomes_a_proposal_with_its_preview(browser, own_server, tmp_path):  # noqa: F811
    server = own_server
    session = Browsing(browser, server)
    page = session.page
    open_page(page)
    sign_in(page, issue_key(server, "ed", "editor"))
    template = ROOT / "docs" / "events-template.csv"
    page.set_input_files("#csv-file", str(template))
    page.click("#upload button[type=submit]")
    sent = page.wait_for_selector("#upload-result .sent", timeout=LOAD_MS)
    proposal = httpx.get(f"{server.url}/proposals/{sent.get_attribute('data-proposal')}", headers=AUTH,
                         timeout=10).json()
    rows = template.read_text(encoding="utf-8").strip().splitlines()[1:]
    assert proposal["status"] == "open" and len(proposal["events"]) == len(rows)
    shown = " ".join(page.inner_text("#upload-result").split())
    assert "would accept" in shown
    for change in proposal["preview"]["changes"]:
        assert "from " in shown and change["kind"] in shown
    # A misspelt header is refused before any row is read, and the page says how.
    bad = tmp_path / "bad.csv"
    bad.write_text(template.read_text(encoding="utf-8").replace("occurred", "ocurred", 1), encoding="utf-8")
    page.set_input_files("#csv-file", str(bad))
    page.click("#upload button[type=submit]")
    refused = page.wait_for_selector("#upload-result .refused", timeout=LOAD_MS)
    assert "ocurred" in refused.inner_text()
    session.errors_allowed = ("status of 422",)
    session.close()


def test_correct_this_event_opens_the_form_prefilled_as_a_correction(browsing, server):
    page = browsing.page
    open_page(page, f"/?at={TODAY}")
    sign_in(page, TOKEN)
    page.locator("#matrix td[data-actor='fr'][data-topic='troops-in-ukraine'] button").click()
    button = page.locator("#details-body ul.evidence-list button.correct").first
    event_id = page.locator("#details-body ul.evidence-list li.evidence").first.get_attribute("data-event")
    button.click()
    page.wait_for_selector("#event-form .event-form[data-type='event.corrected']", timeout=LOAD_MS)
    assert page.input_value("#event-type") == "event.corrected"
    assert page.input_value("[data-path='corrects'] input") == event_id
    stored = server.get(f"/events/{event_id}")
    assert page.input_value("[data-path='replacement.summary'] textarea") == stored["summary"]
    # Changing one field previews the correction: the service says what it would change.
    page.select_option("[data-path='replacement.stance'] select", "declined")
    page.fill("[data-path='summary'] textarea", "The stance was misreported.")
    page.fill("[data-path='sources[0].outlet'] input", "Example Wire")
    said = preview(page)
    assert "would accept" in said and "→ declined" in said


# --- the pictures docs/editing.md shows ---------------------------------------------------------------


def test_screenshots_of_the_editor_for_the_docs(browser, own_server, tmp_path):  # noqa: F811
    """The editor with a clean preview, with a fault by its field, and the review queue; kept in docs/ with
    UPDATE_UI_SCREENSHOT=1."""
    server = own_server
    session = Browsing(browser, server, 1440, 1800)  # tall enough that the whole editor shows without scrolling
    page = session.page
    open_page(page, f"/?at={TODAY}")
    sign_in(page, TOKEN)
    draft_stance(page, **{**NL_DECLINES, "occurred": "2026-01-07~"})
    assert "would accept" in preview(page)
    page.locator("#editor-section").screenshot(path=tmp_path / "editing-preview.png")
    page.fill("[data-path='occurred'] input", "2026-13-07")
    assert "would refuse" in preview(page)
    page.locator("#editor-section").screenshot(path=tmp_path / "editing-fault.png")
    page.fill("[data-path='occurred'] input", "2026-01-07~")
    preview(page)
    page.fill("#note", "From the Dutch government's briefing.")
    page.click("#send-button")
    page.wait_for_selector("#editor-preview .sent", timeout=LOAD_MS)
    page.reload()  # the review queue loads when the page (and the key) do
    page.wait_for_selector("#review-section:not([hidden]) #proposals li.proposal", timeout=LOAD_MS)
    page.locator("#review-section").screenshot(path=tmp_path / "editing-review.png")
    session.close()
    for name in SCREENSHOTS:
        assert (tmp_path / name).stat().st_size > 10_000
        if os.environ.get("UPDATE_UI_SCREENSHOT"):  # refresh the copies docs/editing.md shows
            shutil.copyfile(tmp_path / name, ROOT / "docs" / name)
    text = (ROOT / "docs" / "editing.md").read_text(encoding="utf-8")
    for name in SCREENSHOTS:
        assert f"({name})" in text, f"docs/editing.md does not show {name}"
