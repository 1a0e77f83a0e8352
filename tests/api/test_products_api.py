"""The products endpoints over HTTP: catalogue, stock changes, and short lines getting their stock."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shipdesk.inventory.models import Product, StockMove
from tests.builders import order_payload


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    return response.json()["error"]


def _product_body(**overrides) -> dict:
    return {"sku": "LAMP-1", "title": "Desk lamp", "price": "39.90", "currency": "USD", "on_hand": 4, **overrides}


def test_a_seller_creates_a_product_with_its_opening_stock(seller, seller_api):
    response = seller_api.post("/products", _product_body(barcode="4006381333931"))

    assert response.status_code == 201, response.json()
    assert response.json() == {
        "sku": "LAMP-1",
        "title": "Desk lamp",
        "barcode": "4006381333931",
        "bin_location": "",
        "price": "39.90",
        "currency": "USD",
        "on_hand": 4,
        "reserved": 0,
        "available": 4,
        "low_stock_threshold": 5,
        "is_active": True,
        # One unit's weight and sides, for label rates: unknown until given.
        "weight_grams": None,
        "length_cm": None,
        "width_cm": None,
        "height_cm": None,
        "handling_notes": [],  # none until set (docs/papers.md)
    }
    move = StockMove.objects.get()
    assert (move.kind, move.on_hand_delta, move.seller_id) == ("received", 4, seller.pk)


def test_a_jpy_product_shows_its_price_without_decimals(seller, seller_api):
    response = seller_api.post("/products", _product_body(sku="TEA-1", price="1500", currency="JPY"))

    assert response.status_code == 201
    assert response.json()["price"] == "1500"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"price": "1500.5", "currency": "JPY"}, "price"),
        ({"price": "1.999"}, "price"),
        ({"currency": "QQQ"}, "currency"),
        ({"sku": "TWO WORDS"}, "sku"),
        ({"sku": ""}, "sku"),
        ({"title": ""}, "title"),
        ({"on_hand": -1}, "on_hand"),
        ({"price": "-1"}, "price"),
        ({"price": "lots"}, "price"),
    ],
)
def test_a_product_with_an_invalid_field_is_refused_per_field(seller, seller_api, overrides, field):
    error = _error(seller_api.post("/products", _product_body(**overrides)), 422, "validation_error")

    assert field in error["details"]
    assert Product.objects.count() == 0
    assert StockMove.objects.count() == 0


def test_a_duplicate_sku_is_a_conflict(product, seller_api):
    _error(seller_api.post("/products", _product_body(sku="MUG-1")), 409, "conflict")

    assert Product.objects.count() == 1


def test_a_platform_token_creates_a_product_for_the_seller_it_names(seller, platform_api):
    assert _error(platform_api.post("/products", _product_body()), 422, "validation_error")["details"] == {
        "seller": ["This field is required."]
    }
    _error(platform_api.post("/products", _product_body(seller="nobody")), 404, "not_found")

    response = platform_api.post("/products", _product_body(seller="acme"))

    assert response.status_code == 201
    assert Product.objects.get().seller == seller


def test_the_product_list_pages_by_sku(seller, make_product, seller_api):
    for sku in ("E", "A", "D", "B", "C"):
        make_product(seller, sku)

    first = seller_api.get("/products?limit=2").json()
    second = seller_api.get(f"/products?limit=2&cursor={first['next_cursor']}").json()
    third = seller_api.get(f"/products?limit=2&cursor={second['next_cursor']}").json()

    assert [[p["sku"] for p in page["items"]] for page in (first, second, third)] == [["A", "B"], ["C", "D"], ["E"]]
    assert third["next_cursor"] is None


def test_the_product_list_searches_and_shows_low_stock(seller, make_product, seller_api):
    make_product(seller, "MUG-1", on_hand=50, title="Blue mug")
    make_product(seller, "CAP-1", on_hand=2, title="Red cap")

    assert [p["sku"] for p in seller_api.get("/products?q=mug").json()["items"]] == ["MUG-1"]
    assert [p["sku"] for p in seller_api.get("/products?low_stock=true").json()["items"]] == ["CAP-1"]


def test_a_products_cursor_that_was_tampered_with_is_refused(seller, seller_api):
    _error(seller_api.get("/products?cursor=abc"), 400, "invalid_cursor")


def test_a_seller_reads_one_product(product, seller_api):
    response = seller_api.get("/products/MUG-1")

    assert response.status_code == 200
    assert (response.json()["sku"], response.json()["on_hand"], response.json()["price"]) == ("MUG-1", 10, "12.50")
    _error(seller_api.get("/products/NOPE-1"), 404, "not_found")


def test_a_platform_token_reads_a_product_by_naming_the_seller(product, platform_api):
    assert _error(platform_api.get("/products/MUG-1"), 422, "validation_error")["details"] == {
        "seller": ["This field is required."]
    }

    response = platform_api.get("/products/MUG-1?seller=acme")

    assert response.status_code == 200
    assert response.json()["sku"] == "MUG-1"


def test_patching_a_product_changes_only_the_fields_sent(product, seller_api):
    response = seller_api.patch("/products/MUG-1", {"title": "Big mug", "price": "14.00"})

    assert response.status_code == 200, response.json()
    assert (response.json()["title"], response.json()["price"], response.json()["on_hand"]) == ("Big mug", "14.00", 10)
    product.refresh_from_db()
    assert (product.title, product.price, product.low_stock_threshold) == ("Big mug", Decimal("14.00"), 5)


def test_patching_a_price_with_too_many_decimals_is_refused(product, seller_api):
    error = _error(seller_api.patch("/products/MUG-1", {"price": "14.001"}), 422, "validation_error")

    assert list(error["details"]) == ["price"]
    product.refresh_from_db()
    assert product.price == Decimal("12.50")


def test_patching_an_unknown_product_is_404(seller, seller_api):
    _error(seller_api.patch("/products/NOPE-1", {"title": "x"}), 404, "not_found")


def test_receiving_stock_adds_to_on_hand_and_records_a_move(product, seller_api):
    response = seller_api.post("/products/MUG-1/stock", {"delta": 5, "reason": "delivery from supplier"})

    assert response.status_code == 200, response.json()
    assert response.json() == {"sku": "MUG-1", "on_hand": 15, "reserved": 0, "available": 15}
    move = StockMove.objects.filter(kind="received").latest("id")
    assert (move.on_hand_delta, move.reason) == (5, "delivery from supplier")
    assert move.actor.startswith("token ")


def test_a_negative_delta_removes_stock(product, seller_api):
    response = seller_api.post("/products/MUG-1/stock", {"delta": -3, "reason": "broken"})

    assert response.json()["on_hand"] == 7
    assert StockMove.objects.filter(kind="adjusted", on_hand_delta=-3).count() == 1


def test_a_count_sets_on_hand(product, seller_api):
    response = seller_api.post("/products/MUG-1/stock", {"on_hand": 3, "reason": "stocktake"})

    assert response.json() == {"sku": "MUG-1", "on_hand": 3, "reserved": 0, "available": 3}
    assert StockMove.objects.filter(kind="set", on_hand_delta=-7).count() == 1


def test_a_platform_token_changes_stock_by_naming_the_seller(product, platform_api):
    _error(platform_api.post("/products/MUG-1/stock", {"delta": 1, "reason": "x"}), 422, "validation_error")

    response = platform_api.post("/products/MUG-1/stock?seller=acme", {"delta": 1, "reason": "x"})

    assert response.json()["on_hand"] == 11


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "x"}, "delta"),
        ({"delta": 1, "on_hand": 5, "reason": "x"}, "delta"),
        ({"delta": 1}, "reason"),
        ({"delta": 1, "reason": ""}, "reason"),
        ({"delta": -11, "reason": "x"}, "delta"),
        ({"on_hand": -1, "reason": "x"}, "on_hand"),
        ({"delta": "many", "reason": "x"}, "delta"),
        ({"delta": 1.5, "reason": "x"}, "delta"),
    ],
)
def test_a_bad_stock_change_is_refused_and_changes_nothing(product, seller_api, body, field):
    moves = StockMove.objects.count()

    error = _error(seller_api.post("/products/MUG-1/stock", body), 422, "validation_error")

    assert field in error["details"]
    product.refresh_from_db()
    assert (product.on_hand, product.reserved) == (10, 0)
    assert StockMove.objects.count() == moves


def test_stock_cannot_drop_below_what_open_orders_hold(product, platform_api, seller_api):
    platform_api.post("/orders", order_payload(lines=[{"sku": "MUG-1", "quantity": 4, "unit_price": "12.50"}]))

    error = _error(seller_api.post("/products/MUG-1/stock", {"on_hand": 3, "reason": "count"}), 409, "conflict")

    assert error["details"]["reserved"] == 4
    product.refresh_from_db()
    assert (product.on_hand, product.reserved) == (10, 4)


def test_received_stock_reserves_a_short_line_so_the_order_can_be_confirmed(
    seller, make_product, platform_api, seller_api
):
    # given an order whose line is short
    make_product(seller, "MUG-1", on_hand=1)
    order = platform_api.post(
        "/orders", order_payload(lines=[{"sku": "MUG-1", "quantity": 3, "unit_price": "12.50"}])
    ).json()
    assert order["lines"][0]["stock"] == "short"
    assert _error(seller_api.post(f"/orders/{order['id']}/confirm"), 409, "insufficient_stock")

    # when enough stock arrives
    stock = seller_api.post("/products/MUG-1/stock", {"delta": 2, "reason": "delivery"})

    # then the line holds it, and the order can be confirmed
    assert stock.json() == {"sku": "MUG-1", "on_hand": 3, "reserved": 3, "available": 0}
    detail = seller_api.get(f"/orders/{order['id']}").json()
    assert detail["lines"][0]["stock"] == "reserved"
    assert detail["events"][-1]["type"] == "line_reserved"
    assert seller_api.post(f"/orders/{order['id']}/confirm").status_code == 200


def test_a_products_bin_location_is_set_at_creation_and_changed_by_patch(seller, seller_api):
    created = seller_api.post(
        "/products", {"sku": "MUG-9", "title": "Mug", "price": "9.00", "currency": "USD", "bin_location": "A-01-3"}
    )
    assert created.status_code == 201
    assert created.json()["bin_location"] == "A-01-3"

    patched = seller_api.patch("/products/MUG-9", {"bin_location": "B-02-1"})

    assert patched.json()["bin_location"] == "B-02-1"
    assert seller_api.get("/products/MUG-9").json()["bin_location"] == "B-02-1"


def test_a_product_keeps_its_weight_and_sides_for_parcels_and_refuses_impossible_ones(seller, seller_api):
    created = seller_api.post("/products", _product_body(weight_grams=350, length_cm="12.5", width_cm=9, height_cm=10))
    patched = seller_api.patch("/products/LAMP-1", {"weight_grams": 400})
    refused = seller_api.patch("/products/LAMP-1", {"weight_grams": 0, "length_cm": "1.25"})

    assert created.status_code == 201, created.json()
    assert (created.json()["length_cm"], created.json()["width_cm"]) == ("12.5", "9.0")
    assert patched.json()["weight_grams"] == 400
    assert refused.status_code == 422
    assert {"weight_grams", "length_cm"} <= set(refused.json()["error"]["details"])
