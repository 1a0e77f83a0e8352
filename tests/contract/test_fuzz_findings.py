"""What the OpenAPI fuzzer (test_openapi_fuzz.py) found, each pinned by a plain test that names it."""

from __future__ import annotations

import pytest
from django.test import Client

from shipdesk.accounts.services import create_api_token


@pytest.fixture
def csrf_checking_api(seller):
    # An API client is not a browser: it has no CSRF cookie. Django's test client skips the CSRF
    # check unless asked, so ask, to see what a real HTTP client sees.
    client = Client(enforce_csrf_checks=True)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {create_api_token(name='fuzz', seller=seller).token}"
    return client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/orders/null%2Cnull/confirm"),
        ("post", "/api/v1/orders/1/lines/x/cancel"),
        ("patch", "/api/v1/orders/abc"),
        ("delete", "/api/v1/no-such-endpoint"),
    ],
)
def test_a_write_to_a_path_the_api_does_not_have_is_a_json_404_not_a_csrf_page(csrf_checking_api, method, path):
    response = getattr(csrf_checking_api, method)(path, data=b"{}", content_type="application/json")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "order_ids",
    [
        [85803569962384978467460036427776],  # past a 64-bit integer: SQLite raised OverflowError, a 500
        [1, -25812969115652661248],
        [0],
        [-1],
    ],
)
@pytest.mark.parametrize("document", ["packing-slips", "labels", "pick-list"])
def test_an_order_id_no_order_can_have_is_refused_per_field_when_printing_documents(seller_api, document, order_ids):
    response = seller_api.post(f"/documents/{document}", {"order_ids": order_ids})

    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "validation_error"
    assert set(response.json()["error"]["details"]) == {f"order_ids.{len(order_ids) - 1}"}


@pytest.mark.parametrize("value", ["0.5", "1733300000", "-1"])
@pytest.mark.parametrize("parameter", ["placed_after", "placed_before"])
def test_a_number_is_not_a_date_time_in_the_order_list_filters(seller_api, parameter, value):
    # The document says `format: date-time`; pydantic alone would read a number as Unix seconds.
    response = seller_api.get(f"/orders?{parameter}={value}")

    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "validation_error"
    assert set(response.json()["error"]["details"]) == {parameter}


def test_an_iso_date_time_still_filters_the_order_list(seller, product, seller_api, place):
    place(seller)

    response = seller_api.get("/orders?placed_after=2000-01-01T00:00:00Z&placed_before=2999-01-01T00:00:00%2B02:00")

    assert response.status_code == 200
    assert len(response.json()["items"]) == 1


def _openapi() -> dict:
    return Client().get("/api/v1/openapi.json").json()


@pytest.mark.parametrize(
    ("schema_name", "field"),
    [("LineIn", "unit_price"), ("OrderIn", "shipping_fee"), ("PaymentIn", "amount"), ("ProductCreateIn", "price")],
)
def test_the_document_says_what_a_money_string_looks_like(db, schema_name, field):
    # It said `{"type": "string"}`: "" or "12,50" would have been a price by the document.
    branches = _openapi()["components"]["schemas"][schema_name]["properties"][field]["anyOf"]

    strings = [b for b in branches if b.get("type") == "string"]
    assert strings and all(b.get("pattern") for b in strings)


@pytest.mark.parametrize("price", ["", "12,50", "1e3", " 12.50", "1_000", "+5", "١٢", "12.345678"])
def test_a_price_that_is_not_a_plain_decimal_string_is_refused(seller_api, price):
    response = seller_api.post("/products", {"sku": "MUG-9", "title": "Mug", "price": price, "currency": "USD"})

    assert response.status_code == 422, response.content
    assert set(response.json()["error"]["details"]) == {"price"}


@pytest.mark.parametrize("price", ["12.50", "0", "99999999999999.99", 12.5, 3])
def test_a_decimal_string_or_a_json_number_is_a_price(seller_api, price):
    response = seller_api.post("/products", {"sku": "MUG-9", "title": "Mug", "price": price, "currency": "USD"})

    assert response.status_code == 201, response.content
