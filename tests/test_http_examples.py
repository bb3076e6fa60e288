"""Every example in ``/schema`` works on a freshly seeded service, as Swagger UI's and Scalar's try-it-out send it.

For each operation, each parameter example is sent with every other required parameter
at its own first example; each request body example is posted. Each must answer the success status the
schema documents for it (reads 200, appends and registrations 201). The service is seeded the way ``commitments serve
--seed-if-empty`` seeds it, on its own clock (the seed is recorded when it is loaded).
"""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.settings import Settings
from tests.conftest import AUTH, TOKEN

#: Operations no example can serve on a fresh install: a subscription's or a proposal's id is random, made when it
#: is created.
NO_EXAMPLE = {"GET /subscriptions/{subscription_id}", "DELETE /subscriptions/{subscription_id}",
              "GET /subscriptions/{subscription_id}/deliveries", "GET /proposals/{proposal_id}",
              "POST /proposals/{proposal_id}/accept", "POST /proposals/{proposal_id}/reject"}
#: The live feed never ends; tests/test_feed_sse.py reads it.
ENDLESS = {"GET /feed"}
SUCCESS = {"get": 200, "post": 201}


def documented_success(document: dict, label: str) -> int:
    """The success status the schema documents for an operation: 201 where it creates something (a first example
    on a fresh service does), else its one 2xx (a pause or resume answers 200)."""
    method, path = label.split(" ", 1)
    codes = sorted(int(code) for code in document["paths"][path][method.lower()].get("responses", {})
                   if code.startswith("2"))
    return 201 if 201 in codes else codes[0] if codes else SUCCESS[method.lower()]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    settings = Settings(database=str(tmp_path_factory.mktemp("examples") / "service.db"), token=TOKEN,
                        seed_if_empty=True, write_burst=1000, write_rate=1000.0)
    with TestClient(create_app(settings)) as client:
        yield client


def parameter_examples(parameter: dict) -> list:
    """The examples a page would offer for a parameter: its own, else its schema's."""
    examples = [example["value"] for example in (parameter.get("examples") or {}).values()]
    return examples or list(parameter.get("schema", {}).get("examples", []))


def requests_from_examples(document: dict):
    """(label, method, path, params, headers, body) for every example of every operation."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            if method not in SUCCESS or label in ENDLESS:
                continue
            parameters = operation.get("parameters", [])
            first = {p["name"]: parameter_examples(p)[0] for p in parameters if parameter_examples(p)}
            missing = [p["name"] for p in parameters if p.get("required") and p["name"] not in first]
            if missing:
                assert label in NO_EXAMPLE, f"{label}: required {missing} without an example"
                continue
            body_schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            bodies = list(body_schema.get("examples", [])) if body_schema else [None]
            assert bodies, f"{label}: a request body without an example"
            variants = [dict(first)] + [{**first, p["name"]: value} for p in parameters
                                        for value in parameter_examples(p)[1:]]
            for values in variants:
                places = {place: {p["name"]: values[p["name"]] for p in parameters
                                  if p["in"] == place and p["name"] in values} for place in ("path", "query", "header")}
                for body in bodies:
                    yield label, method, path.format(**places["path"]), places["query"], places["header"], body


def test_every_example_answers_with_success_on_a_freshly_seeded_service(fresh):
    document = fresh.get("/schema/openapi.json").json()
    tried: set[str] = set()
    for label, method, url, query, headers, body in requests_from_examples(document):
        response = fresh.request(method.upper(), url, params=query, headers={**AUTH, **headers}, json=body)
        assert response.status_code == documented_success(document, label), (label, url, query, body,
                                                                             response.text[:500])
        tried.add(label)
    every = {f"{m.upper()} {p}" for p, item in document["paths"].items() for m in item if m in SUCCESS}
    assert tried == every - NO_EXAMPLE - ENDLESS
    # The examples are not empty gestures: the ones that name things name what the seed holds.
    params = {p["name"]: parameter_examples(p) for item in document["paths"].values() for op in item.values()
              for p in op.get("parameters", [])}
    assert params["actor_id"] == ["fr"] and params["known_at"] and params["at"]
