"""A marketplace checkout with lines from several shops: one order per shop, all or none."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shipdesk.checkouts.models import Checkout
from shipdesk.inventory.models import Product
from shipdesk.notifications.models import Notification
from shipdesk.orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shops(make_seller, make_product):
    """Three shops, each selling two products in USD."""
    sellers = [make_seller(slug) for slug in ("north", "south", "east")]
    for shop in sellers:
        make_product(shop, "MUG-1", on_hand=5, price="12.50")
        make_product(shop, "TEA-1", on_hand=5, price="4.99")
    return sellers


def checkout_body(reference="CHK-1", *, lines=None, shipping=None, amount="81.24", **overrides):
    body = {
        "reference": reference,
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "shipping_address": {
            "name": "Ada Lovelace",
            "line1": "1 Main St",
            "city": "Springfield",
            "region": "IL",
            "postal_code": "62701",
            "country": "US",
        },
        "currency": "USD",
        "lines": lines
        or [
            {"seller": "north", "sku": "MUG-1", "quantity": 2, "unit_price": "12.50", "tax": "2.00"},
            {"seller": "south", "sku": "TEA-1", "quantity": 3, "unit_price": "4.99"},
            {"seller": "north", "sku": "TEA-1", "quantity": 1, "unit_price": "4.99"},
            {"seller": "east", "sku": "MUG-1", "quantity": 1, "unit_price": "12.50"},
        ],
        "shipping": shipping
        or [
            {"seller": "north", "fee": "4.99"},
            {"seller": "south", "fee": "3.50", "tax": "0.28"},
            {"seller": "east", "fee": "0"},
        ],
        "payment": {"status": "paid", "amount": amount, "reference": "pi_123"},
    }
    body.update(overrides)
    return body


# north: 25.00 + 2.00 tax + 4.99 + 4.99 shipping = 36.98; south: 14.97 + 3.50 + 0.28 = 18.75;
# east: 12.50. Together 68.23.
TOTAL = "68.23"


def reserved(seller, sku: str) -> int:
    return Product.objects.get(seller=seller, sku=sku).reserved


def test_a_checkout_of_three_shops_makes_three_orders_whose_totals_add_up_to_the_payment(shops, platform_api):
    response = platform_api.post("/checkouts", checkout_body(amount=TOTAL))

    assert response.status_code == 201, response.content
    body = response.json()
    by_shop = {part["seller"]: part for part in body["orders"]}
    assert set(by_shop) == {"north", "south", "east"}
    assert [by_shop[s]["total"] for s in ("north", "south", "east")] == ["36.98", "18.75", "12.50"]
    assert sum(Decimal(part["allocated"]) for part in body["orders"]) == Decimal(TOTAL)
    assert all(part["allocated"] == part["total"] for part in body["orders"])
    north_order = Order.objects.get(pk=by_shop["north"]["order_id"])
    assert (north_order.channel, north_order.external_id, north_order.payment_status) == ("checkout", "CHK-1", "paid")
    assert north_order.payment_reference == "pi_123"
    assert sorted(north_order.lines.values_list("sku", "quantity")) == [("MUG-1", 2), ("TEA-1", 1)]
    assert north_order.shipping_fee == Decimal("4.99")
    # Each order is its shop's own: its own number, its own new-order message.
    assert Notification.objects.filter(kind="seller_new_order").count() == 3
    assert reserved(shops[1], "TEA-1") == 3


def test_a_short_line_in_one_shop_refuses_the_whole_checkout_and_names_it(shops, platform_api):
    body = checkout_body(amount=TOTAL)
    body["lines"][3]["quantity"] = 7  # east has 5 mugs

    response = platform_api.post("/checkouts", body)

    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "insufficient_stock"
    assert error["details"]["short_lines"] == [
        {"line": 3, "seller": "east", "sku": "MUG-1", "quantity": 7, "available": 5}
    ]
    assert Order.objects.count() == 0
    assert Checkout.objects.count() == 0
    assert (reserved(shops[0], "MUG-1"), reserved(shops[1], "TEA-1")) == (0, 0)  # nothing held
    assert Notification.objects.count() == 0


def test_a_bad_line_in_one_shop_refuses_the_whole_checkout_with_the_lines_own_path(shops, platform_api):
    body = checkout_body(amount=TOTAL)
    body["lines"][1]["sku"] = "NOPE-9"
    body["lines"][3]["seller"] = "nowhere"

    response = platform_api.post("/checkouts", body)

    assert response.status_code == 422, response.content
    details = response.json()["error"]["details"]
    assert details["lines.1.sku"] == ["Unknown SKU 'NOPE-9'."]
    assert details["lines.3.seller"] == ["Unknown shop 'nowhere'."]
    assert Order.objects.count() == 0


def test_a_payment_that_does_not_match_the_orders_to_the_cent_is_refused(shops, platform_api):
    response = platform_api.post("/checkouts", checkout_body(amount="68.22"))

    assert response.status_code == 422
    assert "68.23" in response.json()["error"]["details"]["payment.amount"][0]
    assert Order.objects.count() == 0


def test_a_retried_checkout_returns_the_same_orders_and_a_changed_one_is_a_conflict(shops, platform_api):
    first = platform_api.post("/checkouts", checkout_body(amount=TOTAL), headers={"Idempotency-Key": "k-1"})
    again = platform_api.post("/checkouts", checkout_body(amount=TOTAL), headers={"Idempotency-Key": "k-1"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Order.objects.count() == 3

    changed = checkout_body(amount=TOTAL, note="leave at the door")
    conflict = platform_api.post("/checkouts", changed, headers={"Idempotency-Key": "k-1"})
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "idempotency_conflict"
    assert Order.objects.count() == 3


def test_only_a_platform_token_places_a_checkout(shops, seller_api):
    response = seller_api.post("/checkouts", checkout_body(amount=TOTAL))

    assert response.status_code == 403
    assert Order.objects.count() == 0


def test_a_shipping_entry_for_a_shop_without_lines_is_refused(shops, platform_api):
    body = checkout_body(amount=TOTAL)
    body["shipping"].append({"seller": "west", "fee": "1.00"})

    response = platform_api.post("/checkouts", body)

    assert response.status_code == 422
    assert "shipping.3.seller" in response.json()["error"]["details"]
