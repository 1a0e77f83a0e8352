"""Bad input of every kind gets 400 or 422 in the error format, never a 500, and writes nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from shipdesk.inventory.models import Product, StockMove
from shipdesk.notifications.models import Notification
from shipdesk.orders.models import Cancellation, Order, OrderEvent, OrderLine
from shipdesk.payments.models import Refund
from shipdesk.shipping.models import Shipment
from tests.builders import UPS_NUMBER, advance, order_payload

TEN_MB = 10 * 1024 * 1024


def snapshot() -> tuple:
    """Everything a request could write: row counts, and every order's and product's state."""
    return (
        Order.objects.count(),
        OrderLine.objects.count(),
        OrderEvent.objects.count(),
        StockMove.objects.count(),
        Notification.objects.count(),
        Shipment.objects.count(),
        Cancellation.objects.count(),
        Refund.objects.count(),
        list(
            Order.objects.order_by("id").values_list("id", "status", "payment_status", "refunded_total", "updated_at")
        ),
        list(OrderLine.objects.order_by("id").values_list("id", "quantity_cancelled", "stock")),
        list(Product.objects.order_by("id").values_list("id", "title", "price", "on_hand", "reserved", "is_active")),
    )


def assert_refused(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content[:2000]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    if field is not None:
        assert field in body["error"]["details"], body["error"]["details"]
    return body["error"]


def _with(path: str, value):
    """order_payload() with one dotted field replaced (or removed, for value=...)."""

    def build():
        body = order_payload(external_id="NEW-1")
        *parents, leaf = path.split(".")
        node = body
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is ...:
            del node[leaf]
        else:
            node[leaf] = value
        return body

    return build


@pytest.fixture
def shop(seller, make_product, make_seller):
    """A seller with MUG-1 in stock and one order holding 2, and another seller's own SKU."""
    make_product(seller, "MUG-1", on_hand=10)
    make_product(make_seller("other-shop"), "THEIRS-1", on_hand=10)
    return seller


# --- POST /orders: invalid fields, 422 per field --------------------------------------------

INVALID_FIELDS = [
    # (case id, body builder, detail key)
    ("quantity-as-text", _with("lines.0.quantity", "two"), "lines.0.quantity"),
    ("quantity-zero", _with("lines.0.quantity", 0), "lines.0.quantity"),
    ("quantity-negative", _with("lines.0.quantity", -3), "lines.0.quantity"),
    ("quantity-fraction", _with("lines.0.quantity", 1.5), "lines.0.quantity"),
    ("quantity-huge", _with("lines.0.quantity", 10_001), "lines.0.quantity"),
    ("quantity-missing", _with("lines.0.quantity", ...), "lines.0.quantity"),
    ("unknown-sku", _with("lines.0.sku", "NOPE-1"), "lines.0.sku"),
    (
        "another-sellers-sku",
        lambda: order_payload(external_id="NEW-1", lines=[{"sku": "THEIRS-1", "quantity": 1, "unit_price": "12.50"}]),
        "lines.0.sku",
    ),
    (
        "same-sku-twice",
        lambda: order_payload(external_id="NEW-1", lines=[{"sku": "MUG-1", "quantity": 1, "unit_price": "12.50"}] * 2),
        "lines.1.sku",
    ),
    ("no-lines", _with("lines", []), "lines"),
    ("lines-not-a-list", _with("lines", "MUG-1"), "lines"),
    (
        "too-many-lines",
        lambda: order_payload(
            external_id="NEW-1", lines=[{"sku": f"S{i}", "quantity": 1, "unit_price": "1.00"} for i in range(101)]
        ),
        "lines",
    ),
    ("unit-price-three-decimals", _with("lines.0.unit_price", "12.345"), "lines.0.unit_price"),
    ("unit-price-negative", _with("lines.0.unit_price", "-1.00"), "lines.0.unit_price"),
    ("unit-price-text", _with("lines.0.unit_price", "cheap"), "lines.0.unit_price"),
    ("unit-price-nan", _with("lines.0.unit_price", "NaN"), "lines.0.unit_price"),
    ("unit-price-infinity", _with("lines.0.unit_price", "Infinity"), "lines.0.unit_price"),
    ("unit-price-too-many-digits", _with("lines.0.unit_price", "1" * 30), "lines.0.unit_price"),
    ("unknown-currency", _with("currency", "XYZ"), "currency"),
    ("lower-case-currency", _with("currency", "usd"), "currency"),
    ("historic-currency", _with("currency", "DEM"), "currency"),
    ("currency-not-the-products", _with("currency", "EUR"), "currency"),
    ("currency-too-long", _with("currency", "DOLLARS"), "currency"),
    ("shipping-fee-negative", _with("shipping_fee", "-4.99"), "shipping_fee"),
    ("shipping-fee-three-decimals", _with("shipping_fee", "4.999"), "shipping_fee"),
    ("unknown-country", _with("shipping_address.country", "ZZ"), "shipping_address.country"),
    ("three-letter-country", _with("shipping_address.country", "USA"), "shipping_address.country"),
    ("invalid-postal-code", _with("shipping_address.postal_code", "ABCDE"), "shipping_address.postal_code"),
    ("missing-us-postal-code", _with("shipping_address.postal_code", ""), "shipping_address.postal_code"),
    ("blank-city", _with("shipping_address.city", "  "), "shipping_address.city"),
    ("address-missing", _with("shipping_address", ...), "shipping_address"),
    # ninja's Schema reads a non-object by attribute, so each required sub-field is reported
    ("address-not-an-object", _with("shipping_address", 42), "shipping_address.line1"),
    ("invalid-email", _with("customer.email", "ada-at-example"), "customer.email"),
    ("email-missing", _with("customer.email", ...), "customer.email"),
    ("invalid-phone", _with("customer.phone", "12"), "customer.phone"),
    ("customer-name-as-number", _with("customer.name", 42), "customer.name"),
    ("customer-name-blank", _with("customer.name", ""), "customer.name"),
    ("customer-name-one-megabyte", _with("customer.name", "x" * 1_000_000), "customer.name"),
    ("note-too-long", _with("note", "n" * 5001), "note"),
    ("channel-missing", _with("channel", ...), "channel"),
    ("channel-as-list", _with("channel", ["web"]), "channel"),
    ("external-id-too-long", _with("external_id", "e" * 129), "external_id"),
    ("payment-status-unknown", _with("payment_status", "maybe"), "payment_status"),
    ("payment-status-refunded", _with("payment_status", "refunded"), "payment_status"),
    ("placed-at-without-timezone", _with("placed_at", "2026-01-01T10:00:00"), "placed_at"),
    ("placed-at-not-a-time", _with("placed_at", "last tuesday"), "placed_at"),
    ("placed-at-in-the-future", _with("placed_at", "2999-01-01T10:00:00Z"), "placed_at"),
    ("lone-surrogate", _with("customer.name", "\ud800"), "customer.name"),
]


@pytest.mark.parametrize(("build", "field"), [pytest.param(b, f, id=i) for i, b, f in INVALID_FIELDS])
def test_an_order_with_an_invalid_field_is_refused_with_that_fields_path_and_writes_nothing(
    shop, place, platform_api, build, field
):
    # given an existing order holding stock
    place(shop)
    before = snapshot()

    # when
    raw = json.dumps(build(), ensure_ascii=True)
    response = platform_api.post("/orders", raw=raw)

    # then
    assert_refused(response, 422, "validation_error", field)
    assert snapshot() == before


def test_an_order_missing_every_field_names_each_one(shop, platform_api):
    error = assert_refused(platform_api.post("/orders", {}), 422, "validation_error")

    assert {"channel", "external_id", "customer", "shipping_address", "currency", "lines"} <= set(error["details"])
    assert Order.objects.count() == 0


def test_several_invalid_fields_are_reported_together(shop, platform_api):
    body = order_payload(lines=[{"sku": "MUG-1", "quantity": 0, "unit_price": "-1"}])
    body["customer"]["email"] = ""

    error = assert_refused(platform_api.post("/orders", body), 422, "validation_error")

    assert {"lines.0.quantity", "lines.0.unit_price"} <= set(error["details"])
    assert all(isinstance(messages, list) and messages for messages in error["details"].values())


# --- POST /orders: bodies that are not a JSON object, 400 -----------------------------------

MALFORMED = [
    ("not-json", b"{bad json"),
    ("truncated", b'{"channel": "web"'),
    ("a-list", b"[]"),
    ("a-string", b'"order"'),
    ("a-number", b"42"),
    ("null", b"null"),
    ("empty", b""),
    ("whitespace", b"   "),
    ("not-utf8", b'{"channel": "\xff\xfe"}'),
    ("nul-character", json.dumps(order_payload(channel="we\u0000b")).encode()),
    ("nul-in-a-key", b'{"chan\\u0000nel": "web"}'),
    ("deeply-nested", b"[" * 100_000 + b"]" * 100_000),
    ("integer-beyond-limits", b'{"lines": [{"quantity": ' + b"9" * 5000 + b"}]}"),
    ("trailing-garbage", json.dumps(order_payload()).encode() + b"}"),
]


@pytest.mark.parametrize("raw", [pytest.param(r, id=i) for i, r in MALFORMED])
def test_a_body_that_is_not_a_json_object_is_malformed_and_writes_nothing(shop, place, platform_api, raw):
    place(shop)
    before = snapshot()

    response = platform_api.post("/orders", raw=raw)

    assert_refused(response, 400, "malformed_request")
    assert snapshot() == before


def test_a_form_encoded_body_is_malformed(shop, platform_api):
    response = Client().post("/api/v1/orders", data={"channel": "web"}, headers=platform_api.headers)

    assert_refused(response, 400, "malformed_request")
    assert Order.objects.count() == 0


def test_a_ten_megabyte_customer_name_is_refused_in_the_error_format(shop, place, platform_api):
    place(shop)
    before = snapshot()
    body = order_payload()
    body["customer"]["name"] = "x" * TEN_MB

    response = platform_api.post("/orders", body)

    # Django refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (2 MB) before anything parses them
    assert_refused(response, 400, "request_too_large")
    assert snapshot() == before


def test_a_ten_megabyte_body_on_an_action_is_refused_too(shop, place, seller_api):
    order = place(shop)
    before = snapshot()

    response = seller_api.post(f"/orders/{order.pk}/notes", {"text": "n" * TEN_MB})

    assert_refused(response, 400, "request_too_large")
    assert snapshot() == before


# --- the actions: bad bodies -----------------------------------------------------------------


def _action_cases():
    ship = {"carrier": "ups", "service_level": "ground", "tracking_number": UPS_NUMBER}
    return [
        # (id, status the order is in, path suffix, body or raw bytes, expected status, code, field)
        ("ship-malformed", "processing", "ship", b"{carrier", 400, "malformed_request", None),
        ("ship-a-list", "processing", "ship", b"[]", 400, "malformed_request", None),
        ("ship-empty", "processing", "ship", b"", 400, "malformed_request", None),
        (
            "ship-number-as-integer-list",
            "processing",
            "ship",
            {**ship, "tracking_number": [1]},
            422,
            "validation_error",
            "tracking_number",
        ),
        (
            "ship-carrier-missing",
            "processing",
            "ship",
            {k: v for k, v in ship.items() if k != "carrier"},
            422,
            "validation_error",
            "carrier",
        ),
        (
            "ship-10kb-number",
            "processing",
            "ship",
            {**ship, "tracking_number": "1" * 10_000},
            422,
            "validation_error",
            "tracking_number",
        ),
        (
            "ship-overlong-number",
            "processing",
            "ship",
            {**ship, "tracking_number": "1Z" + "9" * 150},
            422,
            "invalid_tracking_number",
            "tracking_number",
        ),
        (
            "ship-empty-number",
            "processing",
            "ship",
            {**ship, "tracking_number": ""},
            422,
            "invalid_tracking_number",
            "tracking_number",
        ),
        ("ship-nul", "processing", "ship", {**ship, "tracking_number": "1Z\u0000"}, 400, "malformed_request", None),
        ("cancel-no-reason", "pending", "cancel", {}, 422, "validation_error", "reason"),
        ("cancel-reason-number", "pending", "cancel", {"reason": 5}, 422, "validation_error", "reason"),
        ("cancel-system-reason", "pending", "cancel", {"reason": "unpaid_timeout"}, 422, "validation_error", "reason"),
        (
            "cancel-note-too-long",
            "pending",
            "cancel",
            {"reason": "other", "note": "n" * 2001},
            422,
            "validation_error",
            "note",
        ),
        ("cancel-a-string", "pending", "cancel", b'"other"', 400, "malformed_request", None),
        ("deliver-a-list", "shipped", "deliver", b"[]", 400, "malformed_request", None),
        ("deliver-malformed", "shipped", "deliver", b"{", 400, "malformed_request", None),
        ("deliver-bad-time", "shipped", "deliver", {"delivered_at": "soon"}, 422, "validation_error", "delivered_at"),
        ("note-missing", "pending", "notes", {}, 422, "validation_error", "text"),
        ("note-too-long", "pending", "notes", {"text": "n" * 5001}, 422, "validation_error", "text"),
        ("note-not-text", "pending", "notes", {"text": {"a": 1}}, 422, "validation_error", "text"),
        (
            "payment-amount-text",
            "pending",
            "payment",
            {"status": "paid", "amount": "lots"},
            422,
            "validation_error",
            "amount",
        ),
        (
            "payment-amount-zero",
            "pending",
            "payment",
            {"status": "paid", "amount": "0"},
            422,
            "validation_error",
            "amount",
        ),
        (
            "payment-amount-three-decimals",
            "pending",
            "payment",
            {"status": "refunded", "amount": "1.001"},
            422,
            "validation_error",
            "amount",
        ),
        (
            "payment-status-unknown",
            "pending",
            "payment",
            {"status": "settled", "amount": "29.99"},
            422,
            "validation_error",
            "status",
        ),
        (
            "payment-refund-too-much",
            "pending",
            "payment",
            {"status": "refunded", "amount": "30.00"},
            422,
            "validation_error",
            "amount",
        ),
    ]


@pytest.mark.parametrize(
    ("status", "action", "body", "http", "code", "field"),
    [pytest.param(*case[1:], id=case[0]) for case in _action_cases()],
)
def test_a_bad_action_body_is_refused_and_changes_nothing(
    shop, place, platform_api, status, action, body, http, code, field
):
    order = advance(place(shop), status)
    before = snapshot()

    if isinstance(body, bytes):
        response = platform_api.post(f"/orders/{order.pk}/{action}", raw=body)
    else:
        response = platform_api.post(f"/orders/{order.pk}/{action}", body)

    assert_refused(response, http, code, field)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": 0, "reason": "other"}, "quantity"),
        ({"quantity": -1, "reason": "other"}, "quantity"),
        ({"quantity": "one", "reason": "other"}, "quantity"),
        ({"quantity": 1.5, "reason": "other"}, "quantity"),
        ({"quantity": 3, "reason": "other"}, "quantity"),
        ({"quantity": 1}, "reason"),
        ({"quantity": 1, "reason": "whim"}, "reason"),
    ],
)
def test_a_bad_line_cancel_is_refused_and_changes_nothing(shop, place, seller_api, body, field):
    order = place(shop)
    line = order.lines.get()
    before = snapshot()

    response = seller_api.post(f"/orders/{order.pk}/lines/{line.pk}/cancel", body)

    assert_refused(response, 422, "validation_error", field)
    assert snapshot() == before


# --- query strings and paths ----------------------------------------------------------------

BAD_QUERIES = [
    ("cursor=not-a-cursor", 400, "invalid_cursor", "cursor"),
    ("cursor=" + "A" * 600, 422, "validation_error", "cursor"),
    ("limit=0", 422, "validation_error", "limit"),
    ("limit=201", 422, "validation_error", "limit"),
    ("limit=ten", 422, "validation_error", "limit"),
    ("status=lost", 422, "validation_error", "status"),
    ("payment_status=free", 422, "validation_error", "payment_status"),
    ("sort=price", 422, "validation_error", "sort"),
    ("overdue=perhaps", 422, "validation_error", "overdue"),
    ("placed_after=yesterday", 422, "validation_error", "placed_after"),
    ("placed_before=2026-01-01T00:00:00", 422, "validation_error", "placed_before"),
    ("q=" + "q" * 201, 422, "validation_error", "q"),
    ("q=a%00b", 422, "validation_error", "q"),
]


@pytest.mark.parametrize(("query", "http", "code", "field"), [pytest.param(*c, id=c[0][:30]) for c in BAD_QUERIES])
def test_a_bad_list_query_is_refused_per_parameter(shop, place, seller_api, query, http, code, field):
    place(shop)
    before = snapshot()

    response = seller_api.get(f"/orders?{query}")

    assert_refused(response, http, code, field)
    assert snapshot() == before


@pytest.mark.parametrize(
    "query",
    ["limit=0", "cursor=nope", "q=a%00b", "low_stock=maybe"],
)
def test_a_bad_product_list_query_is_refused(shop, seller_api, query):
    response = seller_api.get(f"/products?{query}")

    assert response.status_code in (400, 422)
    assert response.json()["error"]["code"] in ("invalid_cursor", "validation_error")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/orders/99999999999999999999"),
        ("post", "/orders/99999999999999999999/confirm"),
        ("get", "/orders/-1"),
        ("get", "/orders/1.5"),
        ("post", "/orders/1/lines/99999999999999999999/cancel"),
        ("get", "/products/NOPE%2F1"),
        ("get", "/products/" + "S" * 5000),
    ],
)
def test_an_impossible_id_or_sku_in_the_path_is_404(shop, place, seller_api, method, path):
    place(shop)
    before = snapshot()

    body = {"quantity": 1, "reason": "other"} if "lines" in path else None
    response = seller_api.get(path) if method == "get" else seller_api.post(path, body)

    assert_refused(response, 404, "not_found")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/products/MUG%001", None),
        ("patch", "/products/MUG%001", {"title": "x"}),
        ("post", "/products/MUG%001/stock", {"delta": 1, "reason": "x"}),
    ],
)
def test_a_nul_character_in_a_sku_path_is_refused_without_a_500(shop, seller_api, method, path, body):
    before = snapshot()

    response = seller_api.get(path) if method == "get" else getattr(seller_api, method)(path, body)

    # SQLite finds no such SKU (404); PostgreSQL cannot compare text with NUL, answered as 422
    assert response.status_code in (404, 422), response.content
    assert response.json()["error"]["code"] in ("not_found", "validation_error")
    assert snapshot() == before


def test_a_product_patch_with_bad_types_is_refused_per_field(shop, seller_api):
    before = snapshot()

    error = assert_refused(
        seller_api.patch("/products/MUG-1", {"price": "free", "low_stock_threshold": -1, "is_active": "perhaps"}),
        422,
        "validation_error",
    )

    assert {"price", "low_stock_threshold", "is_active"} <= set(error["details"])
    assert snapshot() == before


def test_a_tracking_lookup_of_spaces_only_does_not_fail(shop, seller_api):
    response = seller_api.get("/tracking-numbers/%20%20")

    assert response.status_code == 200
    assert response.json() == {"normalized": "", "matches": []}
