"""Webhooks: registration, signed deliveries in order, retries with backoff, and progress across restarts.

Deliveries go to a real receiver (``http.server`` on 127.0.0.1 in a thread) from a real
server; the backoff arithmetic and the dispatcher's decisions are also checked in
simulated time, with a FixedClock and an in-process transport.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from events import FixedClock, open_store, queries, subscriptions
from service.live.dispatcher import CAUGHT_UP, WebhookDispatcher
from service.live.feed import change_json
from service.live.watcher import ChangeWatcher
from service.live.webhooks import Policy, backoff, deliver, sign, verify_signature
from tests.conftest import AUTH
from tests.live import ACTORS, all_changes, live_server, settings_for, stance_batch, wait_until, world

pytestmark = pytest.mark.timeout(60)
SECRET = "a-receiver-secret-0123456789"


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers 500 to its first ``fail_first`` requests, then 204."""

    def __init__(self, fail_first: int = 0):
        self.fail_first = fail_first
        self.requests: list[tuple[dict[str, str], bytes, int]] = []  # headers, body, status answered
        self.paths: list[str] = []  # the path and query of each request
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    status = 500 if len(receiver.requests) < receiver.fail_first else 204
                    receiver.requests.append((dict(self.headers), body, status))
                    receiver.paths.append(self.path)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def delivered(self) -> list[dict]:
        """The change records acknowledged (2xx), in arrival order."""
        with self.lock:
            return [json.loads(body) for _, body, status in self.requests if status < 300]


@pytest.fixture
def database(tmp_path):
    """A database file holding the registrations, and a store of the test's own on it."""
    path = tmp_path / "hooks.db"
    store = open_store(path, durable=False)
    store.append(world())
    yield path, store
    store.close()


def register(url: str, callback: str, **fields) -> dict:
    response = httpx.post(f"{url}/subscriptions", json={"url": callback, "secret": SECRET, **fields}, headers=AUTH)
    assert response.status_code == 201, response.text
    return response.json()


# --- real deliveries ----------------------------------------------------------------------------------


def test_deliveries_are_signed_and_carry_the_change_json(database):
    path, store = database
    with Receiver() as receiver, live_server(settings_for(path)) as server:
        created = register(server.url, receiver.url)
        assert created["secret"] == SECRET and created["subscription"]["delivered_through"] == 0
        store.append(stance_batch(0, actors=ACTORS[:2]))  # 4 change records
        wait_until(lambda: len(receiver.delivered()) == 4, what="four deliveries")
        expected = all_changes(server.url)
        for (headers, body, _), change in zip(receiver.requests, expected):
            digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()  # what a receiver computes
            assert headers["X-Signature"] == f"sha256={digest}"
            assert headers["X-Change-Seq"] == str(change["seq"])
            assert headers["Content-Type"] == "application/json"
            assert json.loads(body) == change and b"\n" not in body
        assert [c["seq"] for c in receiver.delivered()] == [1, 2, 3, 4]
        status = httpx.get(f"{server.url}/subscriptions/{created['subscription']['id']}", headers=AUTH).json()
        assert status["delivered_through"] == 4 and status["failures"] == 0


def test_a_failing_receiver_is_retried_with_backoff_and_gets_every_change_in_order(database):
    path, store = database
    settings = settings_for(path, webhook_backoff_seconds=0.05, webhook_backoff_cap_seconds=0.15)
    with Receiver(fail_first=4) as receiver, live_server(settings) as server:
        ident = register(server.url, receiver.url)["subscription"]["id"]
        store.append(stance_batch(0, actors=ACTORS[:3]))  # 6 change records
        wait_until(lambda: len(receiver.delivered()) == 6, what="six deliveries")
        assert [c["seq"] for c in receiver.delivered()] == [1, 2, 3, 4, 5, 6]
        assert len(receiver.requests) == 10  # 4 failures at seq 1, then one attempt each
        log = httpx.get(f"{server.url}/subscriptions/{ident}/deliveries", headers=AUTH).json()["deliveries"]
        log.reverse()  # oldest first
        failures = log[:4]
        assert [(d["seq"], d["attempt"], d["status"], d["error"]) for d in failures] == [
            (1, n, 500, "HTTP 500") for n in (1, 2, 3, 4)]
        waits = [instant(d["next_attempt"]) - instant(d["attempted_at"]) for d in failures]
        assert waits == [dt.timedelta(seconds=s) for s in (0.05, 0.1, 0.15, 0.15)]  # doubling, capped
        for failed, retry in zip(log, log[1:5]):
            assert instant(retry["attempted_at"]) >= instant(failed["next_attempt"])  # never before it was due
        assert [(d["seq"], d["attempt"], d["status"]) for d in log[4:]] == [(1, 5, 204)] + [
            (seq, 1, 204) for seq in range(2, 7)]
        assert all(d["delivered_at"] and d["next_attempt"] is None for d in log[4:])


def test_nothing_is_lost_across_a_restart(database):
    path, store = database
    settings = settings_for(path)
    with Receiver() as receiver:
        with live_server(settings) as server:
            ident = register(server.url, receiver.url)["subscription"]["id"]
            store.append(stance_batch(0, actors=ACTORS[:2]))  # seq 1-4
            wait_until(lambda: len(receiver.delivered()) == 4, what="the first deliveries")
        store.append(stance_batch(1, actors=ACTORS[:2]))  # seq 5-8, while the service is down
        store.append(stance_batch(2, actors=ACTORS[:1]))  # seq 9-10
        with live_server(settings) as server:
            wait_until(lambda: len(receiver.delivered()) == 10, what="the rest after the restart")
            assert [c["seq"] for c in receiver.delivered()] == list(range(1, 11))
            assert receiver.delivered() == all_changes(server.url)
            status = httpx.get(f"{server.url}/subscriptions/{ident}", headers=AUTH).json()
            assert status["delivered_through"] == 10


# --- what the logs and the answers show of a callback URL ---------------------------------------------

#: Secret parts of a callback URL: they must reach the receiver and nothing else.
USER, PASSWORD, QUERY_TOKEN = "hook-user-7f3a", "hook-password-9c1e", "query-token-5d2b"


def with_secrets(url: str) -> str:
    """``url`` with credentials in its userinfo and a token in its query."""
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{USER}:{PASSWORD}@{rest}?token={QUERY_TOKEN}&v=2"


@pytest.mark.parametrize(("url", "shown"), [
    ("https://example.org/hooks/commitments", "https://example.org/hooks/commitments"),
    ("http://user:pass@host:8080/h?token=abc&v=2", "http://***@host:8080/h?token=***&v=***"),
    ("https://only-a-user@host/h", "https://***@host/h"),
    ("https://host/h?bare-secret-value&k=", "https://host/h?***&k=***"),
    ("https://host/h#fragment-token", "https://host/h#***"),
    ("https://us%40er:p%3Ass@host/h", "https://***@host/h"),
])
def test_a_callback_url_is_shown_without_userinfo_query_values_or_fragment(url, shown):
    assert subscriptions.redact_url(url) == shown


def test_an_error_text_is_scrubbed_of_the_secret_parts_in_any_form():
    url = "http://us%40er:p%3Assword@host/h?token=t0k%2Fen&v=2"
    text = f"failed on {url}; as the library prints it: http://us%40er:p%3Assword@host/h?token=t0k/en&v=2 (p:ssword)"
    scrubbed = subscriptions.scrub(text, url)
    assert not [part for part in ("us%40er", "us@er", "p%3Assword", "p:ssword", "t0k%2Fen", "t0k/en")
                if part in scrubbed], scrubbed
    assert "http://***@host/h?token=***&v=***" in scrubbed and "v=2" in scrubbed  # too short to hunt down


class Capture(logging.Handler):
    """Every log record of the process, from the moment it is attached to the root logger."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def capturing(level: int) -> Iterator[Capture]:
    """Capture every record at ``level`` and above (attach it after the app is built: litestar's logging
    configuration replaces the root logger's handlers, pytest's ``caplog`` among them)."""
    root, capture = logging.getLogger(), Capture()
    before = root.level
    root.addHandler(capture)
    root.setLevel(level)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(before)


def test_callback_credentials_reach_the_receiver_but_no_log_line_and_no_answer(database):
    path, store = database
    settings = settings_for(path, webhook_backoff_seconds=0.05, webhook_backoff_cap_seconds=0.05)
    with (Receiver(fail_first=2) as receiver, live_server(settings) as server,
          capturing(logging.DEBUG) as log):  # every record of every logger, httpx's and httpcore's included
        callback = with_secrets(receiver.url)
        refused_port = with_secrets("http://127.0.0.1:9/hook")  # nobody listens: a connection error
        created = [register(server.url, url) for url in (callback, refused_port)]
        store.append(stance_batch(0, actors=ACTORS[:1]))  # 2 change records
        wait_until(lambda: len(receiver.delivered()) == 2, what="two deliveries after two failures")
        ident, refused_ident = (c["subscription"]["id"] for c in created)
        wait_until(lambda: subscriptions.get(store, refused_ident).failures >= 2, what="two refused attempts")
        answers = [json.dumps(c) for c in created] + [
            httpx.get(f"{server.url}{route}", headers=AUTH).text
            for route in ("/subscriptions", f"/subscriptions/{ident}", f"/subscriptions/{ident}/deliveries",
                          f"/subscriptions/{refused_ident}", f"/subscriptions/{refused_ident}/deliveries")]
    # The receiver got them: the credentials as Basic auth, the token in the query.
    headers = receiver.requests[-1][0]
    assert headers["Authorization"] == "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert receiver.paths[-1] == f"/hook?token={QUERY_TOKEN}&v=2"
    assert subscriptions.get(store, ident).url == callback  # stored whole
    lines = [record.getMessage() for record in log.records]
    assert any("ConnectError" in line for line in lines)
    assert any(r.name.startswith("httpcore") for r in log.records)  # DEBUG lines were captured too
    for secret in (USER, PASSWORD, QUERY_TOKEN):
        assert not [line for line in lines if secret in line], secret
        assert not [answer for answer in answers if secret in answer], secret
    redacted = receiver.url.replace("http://", "http://***@") + "?token=***&v=***"
    assert json.loads(answers[3])["url"] == redacted and redacted in answers[0] and redacted in answers[2]
    assert "ConnectError" in json.loads(answers[5])["last_error"]
    # httpx's line for each delivery request is there at DEBUG, redacted.
    delivery_lines = [r for r in log.records if r.name == "httpx" and "/hook" in r.getMessage()]
    assert len(delivery_lines) == 4 and {r.levelno for r in delivery_lines} == {logging.DEBUG}
    assert all("***@" in r.getMessage() for r in delivery_lines)


def test_each_delivery_outcome_is_one_line_and_httpx_request_lines_of_webhooks_are_debug(database):
    path, store = database
    settings = settings_for(path, webhook_backoff_seconds=0.05, webhook_backoff_cap_seconds=0.05)
    with Receiver(fail_first=1) as receiver, live_server(settings) as server, capturing(logging.INFO) as log:
        ident = register(server.url, with_secrets(receiver.url))["subscription"]["id"]
        store.append(stance_batch(0, actors=ACTORS[:2]))  # 4 change records
        wait_until(lambda: len(receiver.delivered()) == 4, what="four deliveries after one failure")
        wait_until(lambda: subscriptions.get(store, ident).delivered_through == 4, what="the progress")
    redacted = receiver.url.replace("http://", "http://***@") + "?token=***&v=***"
    outcomes = [r for r in log.records if r.name == "service.live.webhooks"]
    assert [(r.levelname, r.getMessage()) for r in outcomes] == [
        ("WARNING", f"delivery of change 1 to {ident} ({redacted}) failed, attempt 1: HTTP 500; next attempt at "
                    + outcomes[0].getMessage().rsplit("next attempt at ", 1)[1]),
        *[("INFO", f"delivered change {seq} to {ident} ({redacted}): HTTP 204") for seq in (1, 2, 3, 4)]]
    request_lines = [r.getMessage().split('"')[0] for r in log.records if r.name == "httpx"]
    # Only the test's own client (registering the webhook) still has its INFO line: the quieting is not global.
    assert request_lines == [f"HTTP Request: POST {server.url}/subscriptions "]


# --- the API --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "javascript:alert(1)",
                                 "gopher://example.org", "example.org/hook", "http:///no-host", "http://a b/"])
def test_callbacks_that_are_not_http_urls_are_refused(service_api, url):
    response = service_api.post("/subscriptions", json={"url": url}, headers=AUTH)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "$.url"


def test_subscriptions_need_the_token(service_api):
    assert service_api.post("/subscriptions", json={"url": "https://example.org/hook"}).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token-at-all"}
    assert service_api.post("/subscriptions", json={"url": "https://example.org/h"}, headers=wrong).status_code == 401
    ident = service_api.post("/subscriptions", json={"url": "https://example.org/h"}, headers=AUTH).json()[
        "subscription"]["id"]
    for method, path in [("GET", "/subscriptions"), ("GET", f"/subscriptions/{ident}"),
                         ("DELETE", f"/subscriptions/{ident}"), ("GET", f"/subscriptions/{ident}/deliveries")]:
        assert service_api.request(method, path).status_code == 401, (method, path)


def test_listing_never_shows_secrets_and_removal_stops_deliveries(service_world):
    api = service_world
    created = api.post("/subscriptions", json={"url": "https://example.org/hook", "actor": "fr", "after": 0},
                       headers=AUTH).json()
    assert len(created["secret"]) >= 32  # generated, shown this once
    ident = created["subscription"]["id"]
    assert created["subscription"]["actor"] == "fr" and created["subscription"]["delivered_through"] == 0
    listing = api.get("/subscriptions", headers=AUTH)
    assert [s["id"] for s in listing.json()["subscriptions"]] == [ident]
    assert created["secret"] not in listing.text and "secret" not in listing.text
    assert "secret" not in api.get(f"/subscriptions/{ident}", headers=AUTH).json()
    assert api.delete(f"/subscriptions/{ident}", headers=AUTH).status_code == 204
    assert api.get(f"/subscriptions/{ident}", headers=AUTH).status_code == 404
    assert api.get(f"/subscriptions/{ident}/deliveries", headers=AUTH).status_code == 404
    assert api.delete(f"/subscriptions/{ident}", headers=AUTH).status_code == 404


@pytest.mark.parametrize(("body", "pointer", "words"), [
    ({}, "$.url", "missing required field `url`"),
    ({"url": "https://example.org/h", "secret": "short"}, "$.secret", "must be at least 16 characters long"),
    ({"url": "https://example.org/h", "kind": "old"}, "$.kind", "'old' is not one of: new, revision, overdue"),
    ({"url": "https://example.org/h", "unknown": 1}, "$.unknown", "unknown field `unknown`"),
    ({"url": "https://e.org", "after": -1}, "$.after", "must be at least 0"),
    ({"url": "https://e.org", "after": "1"}, "$.after", "must be a whole number, not text"),
    ([], "$", "must be a JSON object"),
])
def test_bad_registrations_are_422_naming_the_field_like_bad_events(service_api, body, pointer, words):
    """A short secret is refused like a bad URL (422 invalid-subscription), as POST /events refuses bad fields."""
    response = service_api.post("/subscriptions", json=body, headers=AUTH)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"].endswith(":invalid-subscription") and problem["title"] == "Invalid subscription"
    [fault] = problem["errors"]
    assert fault["pointer"] == pointer and fault["message"].startswith(words), problem


def test_a_registration_that_is_not_json_is_400_and_an_empty_one_says_what_to_send(service_api):
    response = service_api.post("/subscriptions", content=b"{", headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 400 and "not valid UTF-8 JSON" in response.json()["detail"]
    response = service_api.post("/subscriptions", content=b"", headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["errors"] == [{"pointer": "$", "message": 'the body is empty; send a subscription object, '
                                          'e.g. {"url": "https://example.org/hooks/commitments"}'}]


@pytest.mark.parametrize("field", ["actor", "topic"])
def test_a_filter_on_an_actor_or_topic_the_log_does_not_hold_is_refused_naming_the_field(service_world, field):
    """Such a subscription would never match: 422 unknown-reference, and nothing is registered."""
    response = service_world.post("/subscriptions", json={"url": "https://example.org/h", field: "atlantis"},
                                  headers=AUTH)
    assert response.status_code == 422, response.text
    assert response.json()["type"].endswith(":unknown-reference")
    assert response.json()["errors"] == [{"pointer": f"$.{field}", "message": f"unknown {field} 'atlantis'"}]
    assert service_world.get("/subscriptions", headers=AUTH).json()["subscriptions"] == []
    known = {"actor": "fr", "topic": "troops"}[field]
    assert service_world.post("/subscriptions", json={"url": "https://example.org/h", field: known},
                              headers=AUTH).status_code == 201


# --- in simulated time --------------------------------------------------------------------------------


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_backoff_doubles_up_to_the_cap():
    policy = Policy(backoff_seconds=2, backoff_cap_seconds=60)
    assert [backoff(n, policy).total_seconds() for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]
    assert backoff(10_000, policy).total_seconds() == 60


def test_signatures_verify_and_tampering_does_not():
    body = b'{"seq":1}'
    header = sign(body, SECRET)
    assert header == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert verify_signature(body, SECRET, header)
    assert not verify_signature(b'{"seq":2}', SECRET, header) and not verify_signature(body, "other" * 4, header)


def test_a_lane_retries_only_when_due_by_its_clock(database, clock):
    path, store = database
    answers = iter([500, 503, 200, 200, 200, 200])
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(int(request.headers["X-Change-Seq"]))
        return httpx.Response(next(answers))

    client = httpx.Client(transport=httpx.MockTransport(handler))
    created = subscriptions.create(store, url="https://example.org/hook", now=clock.now(), after=0)
    store.append(stance_batch(0, actors=ACTORS[:2]))  # seq 1-4
    dispatcher = WebhookDispatcher(store, clock, ChangeWatcher(store), Policy(backoff_seconds=10,
                                   backoff_cap_seconds=100), client=client)
    assert dispatcher.waiting() == [created.id]
    assert dispatcher.turn(created.id) == 10.0  # seq 1 failed: come back in 10 s
    assert dispatcher.turn(created.id) == 10.0 and seen == [1]  # not due yet: nothing sent
    clock.advance(seconds=10)
    assert dispatcher.turn(created.id) == 20.0 and seen == [1, 1]  # second failure: 20 s
    clock.advance(seconds=19)
    assert dispatcher.turn(created.id) == 1.0
    assert seen == [1, 1]
    clock.advance(seconds=1)
    assert dispatcher.turn(created.id) == CAUGHT_UP  # every record delivered: the lane waits for the next
    assert seen == [1, 1, 1, 2, 3, 4]
    after = subscriptions.get(store, created.id)
    assert after.delivered_through == 4 and after.failures == 0 and after.next_attempt is None
    assert dispatcher.waiting() == []
    client.close()


def test_a_filtered_subscriber_skips_what_it_does_not_want_and_advances_past_it(database, clock):
    path, store = database
    bodies: list[dict] = []
    client = httpx.Client(transport=httpx.MockTransport(
        lambda request: (bodies.append(json.loads(request.content)), httpx.Response(200))[1]))
    created = subscriptions.create(store, url="https://example.org/hook", now=clock.now(), actor="a01", after=0)
    store.append(stance_batch(0, actors=ACTORS[:3]))  # a00, a01, a02 x 2 topics: seq 1-6
    outcome = deliver(store, client, subscriptions.get(store, created.id), FixedClock(clock.now()))
    assert outcome.delivered == 2 and [b["actor"] for b in bodies] == ["a01", "a01"]
    assert subscriptions.get(store, created.id).delivered_through == 6  # past a02's records too
    with store.reading() as tx:
        from events import queries

        records, _ = queries.changes(tx, after=0, limit=10, actor="a01")
    assert [json.loads(change_json(r)) for r in records] == bodies
    client.close()


def test_a_slow_receiver_gives_up_its_turn_on_a_delivery_thread_after_about_a_second(database, clock, monkeypatch):
    path, store = database
    now = [0.0]  # the time the runs measure their share with: each answer of the slow receiver takes 0.6 s
    monkeypatch.setattr("service.live.webhooks._monotonic", lambda: now[0])
    seen: dict[str, list[int]] = {"slow": [], "prompt": []}

    def handler(request: httpx.Request) -> httpx.Response:
        name = request.url.path.strip("/")
        seen[name].append(int(request.headers["X-Change-Seq"]))
        if name == "slow":
            now[0] += 0.6
        return httpx.Response(204)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    slow = subscriptions.create(store, url="https://example.org/slow", now=clock.now(), after=0)
    prompt = subscriptions.create(store, url="https://example.org/prompt", now=clock.now(), after=0)
    store.append(stance_batch(0, actors=ACTORS[:5]))  # seq 1-10
    policy = Policy(turn_seconds=1.0)
    assert deliver(store, client, subscriptions.get(store, slow.id), clock, policy).delivered == 2  # 0.6 s, 1.2 s
    assert deliver(store, client, subscriptions.get(store, prompt.id), clock, policy).delivered == 10
    assert seen == {"slow": [1, 2], "prompt": list(range(1, 11))}
    assert deliver(store, client, subscriptions.get(store, slow.id), clock, policy).delivered == 2
    assert seen["slow"] == [1, 2, 3, 4], "the next turn goes on where the last one stopped, in order"
    client.close()


# --- lanes: one receiver never waits for another -----------------------------------------------------


class Receivers:
    """In-process receivers by path; ``/slow`` answers only once the test sets ``release`` (each request)."""

    def __init__(self) -> None:
        self.seen: dict[str, list[int]] = {"slow": [], "fast": []}
        self.release = threading.Event()
        self.slow_waiting = threading.Event()  # set when the slow receiver holds a request
        self.lock = threading.Lock()

    def handler(self, request: httpx.Request) -> httpx.Response:
        name = request.url.path.strip("/")
        with self.lock:
            self.seen[name].append(int(request.headers["X-Change-Seq"]))
        if name == "slow":
            self.slow_waiting.set()
            assert self.release.wait(60), "the test never let the slow receiver answer"
        return httpx.Response(204)


async def until(condition, what: str) -> None:
    """Wait for ``condition()`` (a guard against a hang, not a time limit on the dispatcher)."""
    for _ in range(3000):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


def last_change(store) -> int:
    with store.reading() as tx:
        return queries.last_change(tx)


def test_a_slow_receiver_does_not_hold_back_a_fast_one(store, clock):
    store.append(world())
    receivers = Receivers()
    slow = subscriptions.create(store, url="https://example.org/slow", now=clock.now())
    fast = subscriptions.create(store, url="https://example.org/fast", now=clock.now())
    start = last_change(store)

    async def scenario() -> None:
        watcher = ChangeWatcher(store, poll_seconds=0.02)
        await watcher.start()
        client = httpx.Client(transport=httpx.MockTransport(receivers.handler))
        dispatcher = WebhookDispatcher(store, clock, watcher, Policy(), client=client)
        await dispatcher.start()
        try:
            store.append(stance_batch(0, actors=ACTORS[:2]))
            await until(receivers.slow_waiting.is_set, "the slow receiver's first request")
            for round_ in range(1, 4):  # written while the slow receiver holds its first request
                store.append(stance_batch(round_, actors=ACTORS[:2]))
            end = last_change(store)
            await until(lambda: subscriptions.get(store, fast.id).delivered_through == end,
                        "the fast receiver's deliveries through the last record")
            assert receivers.seen["fast"] == list(range(start + 1, end + 1))
            assert receivers.seen["slow"] == [start + 1], "the slow receiver still holds its first request"
            assert subscriptions.get(store, slow.id).delivered_through == start
        finally:
            receivers.release.set()
            await dispatcher.stop()
            await watcher.stop()
            client.close()

    asyncio.run(scenario())


def test_a_receiver_that_was_slow_catches_up_to_the_end_in_order(store, clock):
    store.append(world())
    receivers = Receivers()
    slow = subscriptions.create(store, url="https://example.org/slow", now=clock.now())
    start = last_change(store)

    async def scenario() -> None:
        watcher = ChangeWatcher(store, poll_seconds=0.02)
        await watcher.start()
        client = httpx.Client(transport=httpx.MockTransport(receivers.handler))
        dispatcher = WebhookDispatcher(store, clock, watcher, Policy(batch=5), client=client)
        await dispatcher.start()
        try:
            store.append(stance_batch(0))
            await until(receivers.slow_waiting.is_set, "the slow receiver's first request")
            for round_ in range(1, 4):  # a backlog of several batches builds while it is slow
                store.append(stance_batch(round_))
            end = last_change(store)
            assert end - start > 4 * 5
            receivers.release.set()
            await until(lambda: subscriptions.get(store, slow.id).delivered_through == end,
                        "the slow receiver's deliveries through the last record")
            assert list(dispatcher.lanes) == [slow.id]  # one lane, waiting for the next record
            assert receivers.seen["slow"] == list(range(start + 1, end + 1)), "every record once, in order"
        finally:
            receivers.release.set()
            await dispatcher.stop()
            await watcher.stop()
            client.close()

    asyncio.run(scenario())
