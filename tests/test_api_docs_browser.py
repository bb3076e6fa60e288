"""The API docs (``/schema`` with Scalar, ``/schema/swagger`` with Swagger UI) in a real browser, offline.

Each page must render every operation that ``/schema/openapi.json`` documents while
every request it makes goes to the service (127.0.0.1): the libraries come from the
pinned npm packages the service serves, never from a CDN. The browser, the server and
the rules (a page error, a console error or a request elsewhere fails the test) are
those of tests/test_web_browser.py.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import httpx
import pytest

from tests.test_web_browser import LOAD_MS, LiveServer, _new_page, browser, chromium_path  # noqa: F401 - fixtures

pytestmark = pytest.mark.timeout(120)

#: Scalar gives each operation's section an id ending in ``/<METHOD>/<path without its leading slash>``.
SCALAR_OPERATIONS = """() => Array.from(document.querySelectorAll('[id]'), e => e.id)
    .map(id => id.match(/^api-1\\/tag\\/[^/]+\\/(GET|POST|PUT|PATCH|DELETE)\\/([^.]*)$/))
    .filter(Boolean).map(m => m[1] + ' /' + m[2])"""
#: Swagger UI draws each operation as an ``.opblock`` with its method and path.
SWAGGER_OPERATIONS = """() => Array.from(document.querySelectorAll('.opblock'), block =>
    block.querySelector('.opblock-summary-method').textContent.trim() + ' '
    + block.querySelector('.opblock-summary-path').dataset.path)"""


@pytest.fixture(scope="module")
def server(tmp_path_factory, chromium_path):  # noqa: F811 - the imported fixture
    with LiveServer(tmp_path_factory.mktemp("docs") / "service.db") as live:
        yield live


def documented_operations(server) -> set[str]:
    """``GET /events``, ... : every operation of the document the pages render."""
    document = httpx.get(server.url + "/schema/openapi.json", timeout=10).json()
    return {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
            if method in {"get", "post", "put", "patch", "delete"}}


def rendered_operations(page, script: str, expected: set[str]) -> set[str]:
    """The operations the page shows, once it shows as many as the document has (or the wait times out)."""
    # Polled from here: wait_for_function's string predicate is eval'd in the page, which its CSP refuses.
    deadline = time.monotonic() + LOAD_MS / 1000
    while True:
        shown = set(page.evaluate(script))
        if len(shown) >= len(expected) or time.monotonic() > deadline:
            return shown
        page.wait_for_timeout(100)


def open_docs(browser, server, path: str):  # noqa: F811 - the imported fixture
    """The page at ``path`` in a fresh context, with every request it makes recorded."""
    context, watched = _new_page(browser, server)
    requested: list[str] = []
    watched.page.on("request", lambda request: requested.append(request.url))
    response = watched.page.goto(path)
    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "http" not in policy
    return context, watched, requested


@pytest.mark.parametrize(("path", "script"), [("/schema", SCALAR_OPERATIONS), ("/schema/swagger", SWAGGER_OPERATIONS)],
                         ids=["scalar", "swagger-ui"])
def test_the_api_docs_render_every_operation_from_this_service_alone(browser, server, path, script):  # noqa: F811
    expected = documented_operations(server)
    context, watched, requested = open_docs(browser, server, path)
    assert rendered_operations(watched.page, script, expected) == expected
    context.close()
    assert not watched.problems(), "\n".join(watched.problems())
    assert requested and all(urlsplit(url).hostname == "127.0.0.1" for url in requested), requested
    # The libraries are the pinned copies the service serves.
    assert any(url.endswith(("/static/vendor/scalar/standalone.js", "/static/vendor/swagger-ui/swagger-ui-bundle.js"))
               for url in requested)


def test_swagger_try_it_out_answers_with_the_documented_examples(browser, server):  # noqa: F811
    """The examples Swagger UI fills in are the document's, and the request they make answers 200."""
    context, watched, requested = open_docs(browser, server, "/schema/swagger")
    page = watched.page
    block = page.locator(".opblock").filter(has=page.locator("[data-path='/actors/{actor_id}/stances']"))
    block.locator(".opblock-summary").click()
    block.locator("button.try-out__btn").click()
    block.locator("button.execute").click()
    status = block.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for(timeout=LOAD_MS)
    assert status.inner_text().strip() == "200"
    sent = [url for url in requested if "/actors/" in url and "/stances" in url]
    assert len(sent) == 1 and "known_at=" in sent[0] and "at=" in sent[0], sent
    context.close()
    assert not watched.problems(), "\n".join(watched.problems())
    assert all(urlsplit(url).hostname == "127.0.0.1" for url in requested), requested
