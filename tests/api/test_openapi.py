"""The API describes itself: /api/v1/openapi.json lists every endpoint, /api/v1/docs renders it."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from shipdesk.api.api import api

# DESIGN §3: the endpoints built so far, as (method, path).
DOCUMENTED = {
    ("post", "/api/v1/orders"),
    ("get", "/api/v1/orders"),
    ("get", "/api/v1/orders/counts"),
    ("get", "/api/v1/orders/{order_id}"),
    ("post", "/api/v1/orders/{order_id}/confirm"),
    ("post", "/api/v1/orders/{order_id}/process"),
    ("post", "/api/v1/orders/{order_id}/ship"),
    ("post", "/api/v1/orders/{order_id}/deliver"),
    ("post", "/api/v1/orders/{order_id}/cancel"),
    ("post", "/api/v1/orders/{order_id}/lines/{line_id}/cancel"),
    ("post", "/api/v1/orders/{order_id}/payment"),
    ("post", "/api/v1/orders/{order_id}/notes"),
    ("get", "/api/v1/products"),
    ("post", "/api/v1/products"),
    ("get", "/api/v1/products/{sku}"),
    ("patch", "/api/v1/products/{sku}"),
    ("post", "/api/v1/products/{sku}/stock"),
    ("get", "/api/v1/carriers"),
    ("get", "/api/v1/tracking-numbers/{number}"),
}
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def spec(db) -> dict:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def _operations(spec: dict) -> dict[tuple[str, str], dict]:
    return {
        (method, path): op for path, item in spec["paths"].items() for method, op in item.items() if method in METHODS
    }


def test_the_openapi_document_is_valid_json_of_openapi_3(spec):
    assert re.fullmatch(r"3\.\d+\.\d+", spec["openapi"])
    assert spec["info"]["title"] == "Shipdesk API"
    assert spec["info"]["version"] == "1"


def test_the_openapi_document_lists_every_endpoint_of_the_design(spec):
    assert set(_operations(spec)) >= DOCUMENTED


def test_every_route_the_api_serves_is_in_the_openapi_document(spec):
    # given the URL patterns ninja actually registered (the docs themselves aside)
    patterns, _, _ = api.urls
    served = {
        "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(p.pattern))
        for p in patterns
        if p.name not in ("openapi-json", "openapi-view", "api-root")
    }

    # then each one is documented
    assert served <= set(spec["paths"])


def test_every_operation_needs_the_bearer_token_and_documents_401(spec):
    assert spec["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    for key, op in _operations(spec).items():
        if key[1].startswith("/api/v1/webhooks/"):
            # Webhooks are signed by their sender instead (DESIGN §3): no bearer token, still a 401.
            assert "security" not in op, key
        else:
            assert op.get("security") == [{"TokenAuth": []}], key
        assert "401" in op["responses"], key
        assert op.get("summary"), key


def test_every_operation_id_is_unique(spec):
    ids = [op["operationId"] for op in _operations(spec).values()]

    assert len(ids) == len(set(ids))


def test_every_schema_reference_resolves(spec):
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(spec))

    assert refs
    assert set(refs) <= set(spec["components"]["schemas"])


def test_errors_are_documented_in_the_error_format(spec):
    place = _operations(spec)[("post", "/api/v1/orders")]

    for status in ("400", "401", "403", "404", "409", "422"):
        schema = place["responses"][status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorOut"}, status
    error_body = spec["components"]["schemas"]["ErrorBody"]
    assert set(error_body["properties"]) == {"code", "message", "details"}


def test_the_request_bodies_are_described(spec):
    ops = _operations(spec)

    assert ops[("post", "/api/v1/orders")]["requestBody"]["required"] is True
    assert ops[("post", "/api/v1/orders/{order_id}/ship")]["requestBody"]["required"] is True
    # delivering takes an optional body with the delivery time
    deliver = ops[("post", "/api/v1/orders/{order_id}/deliver")]["requestBody"]
    assert deliver["required"] is False
    assert "delivered_at" in deliver["content"]["application/json"]["schema"]["properties"]


def test_the_order_list_documents_its_filters(spec):
    params = {p["name"] for p in _operations(spec)[("get", "/api/v1/orders")]["parameters"]}

    assert {
        "status",
        "payment_status",
        "q",
        "overdue",
        "placed_after",
        "placed_before",
        "sort",
        "limit",
        "cursor",
    } <= params


def test_the_docs_page_renders_html(db):
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"openapi.json" in response.content


def test_every_operation_behind_a_token_documents_429_with_retry_after(spec):
    # The per-token rate limit applies to every authenticated endpoint (api/auth.py), so each
    # one can answer 429; the document said so nowhere.
    for key, op in _operations(spec).items():
        if not op.get("security"):
            continue
        too_many = op["responses"].get("429")
        assert too_many, key
        assert too_many["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}, key
        assert "Retry-After" in too_many["headers"], key
