"""``/schema`` documents every route, parameter and response; ``/health`` answers."""

import pytest

ROUTES = {
    ("/events", "post"), ("/events", "get"), ("/events/{event_id}", "get"), ("/actors", "get"),
    ("/actors/{actor_id}", "get"), ("/actors/{actor_id}/stances", "get"), ("/stances", "get"),
    ("/stances/cells", "get"),
    ("/conditions", "get"), ("/diff", "get"), ("/history/{actor_id}/{topic_id}", "get"), ("/changes", "get"),
    ("/timeline", "get"), ("/timeline/counts", "get"), ("/search", "get"), ("/panel", "get"),
    ("/health", "get"), ("/feed", "get"), ("/subscriptions", "post"), ("/subscriptions", "get"),
    ("/subscriptions/{subscription_id}", "get"), ("/subscriptions/{subscription_id}", "delete"),
    ("/subscriptions/{subscription_id}/deliveries", "get"), ("/subscriptions/resume", "post"),
    ("/subscriptions/pause", "post"), ("/keys", "get"), ("/keys/me", "get"), ("/keys", "post"),
    ("/keys/{name}", "delete"),
    ("/proposals", "post"), ("/proposals", "get"), ("/proposals/feed", "get"), ("/proposals/{proposal_id}", "get"),
    ("/proposals/{proposal_id}/accept", "post"), ("/proposals/{proposal_id}/reject", "post"),
    ("/history/{actor_id}", "get"), ("/topics/{topic_id}/counts", "get"),
}
#: Answers that are not JSON documents: the live feed is an event stream, a removal has no body.
NOT_JSON = {("/feed", "get"): "text/event-stream", ("/subscriptions/{subscription_id}", "delete"): None}


@pytest.fixture
def openapi(service_api):
    response = service_api.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_every_route_is_documented(openapi):
    assert {(path, method) for path, method, _ in operations(openapi)} == ROUTES


def test_every_parameter_has_a_description_and_a_schema(openapi):
    for path, method, operation in operations(openapi):
        for parameter in operation.get("parameters", []):
            assert parameter.get("description") and parameter.get("schema"), (path, method, parameter["name"])


def test_query_names_are_the_public_ones(openapi):
    names = {p["name"] for _, _, op in operations(openapi) for p in op.get("parameters", [])}
    assert {"after", "limit", "type", "actor", "topic", "at", "known_at", "from", "to", "format", "status",
            "If-Match"} <= names
    assert not {n for n in names if n.endswith("_") and n != "_"}


def test_every_response_has_a_schema_and_errors_are_problem_json(openapi):
    for path, method, operation in operations(openapi):
        responses = operation["responses"]
        if (path, method) in NOT_JSON:
            media = NOT_JSON[path, method]
            assert media is None and "204" in responses or media in responses["200"]["content"], (path, method)
        else:
            success = responses.get("200") or responses.get("201")
            assert success["content"]["application/json"]["schema"], (path, method)
        for status, response in responses.items():
            if status.startswith("4"):
                assert list(response["content"]) == ["application/problem+json"], (path, method, status)
                assert response["content"]["application/problem+json"]["schema"] == {
                    "$ref": "#/components/schemas/Problem"}


def test_appends_document_their_statuses_body_and_token(openapi):
    post = openapi["paths"]["/events"]["post"]
    assert {"200", "201", "400", "401", "409", "413", "415", "422", "429"} <= set(post["responses"])
    assert post["security"] == [{"bearer": []}]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/StanceStated"} in body["oneOf"]
    assert openapi["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_reads_with_ids_document_404(openapi):
    for path in ("/events/{event_id}", "/actors/{actor_id}", "/actors/{actor_id}/stances",
                 "/history/{actor_id}/{topic_id}"):
        assert "404" in openapi["paths"][path]["get"]["responses"], path


def test_the_docs_pages_are_served(service_api):
    assert service_api.get("/schema").status_code == 200
    assert "swagger" in service_api.get("/schema/swagger").text.lower()


def test_health(service_world):
    body = service_world.get("/health").json()
    assert body == {"status": "ok", "last_position": 14, "last_change": 4}
