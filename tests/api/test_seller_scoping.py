"""A seller token sees and touches only its own shop: another seller's things are 404, never 403."""

from __future__ import annotations

import pytest

from shipdesk.accounts.services import create_api_token
from shipdesk.inventory.models import Product, StockMove
from shipdesk.notifications.models import Notification
from shipdesk.orders.models import Order, OrderEvent, OrderLine
from tests.builders import OTHER_UPS_NUMBER, UPS_NUMBER, Api, advance, order_payload


@pytest.fixture
def shops(make_seller, make_product, place):
    """Sellers A and B, each with a MUG-1 and two orders (one pending, one shipped)."""
    a, b = make_seller("shop-a"), make_seller("shop-b")
    for s in (a, b):
        make_product(s, "MUG-1", on_hand=20)
        make_product(s, f"ONLY-{s.slug}", on_hand=5)
    # Each parcel has its own number: one number is on one parcel on its way, whichever shop's.
    numbers = {"shop-a": UPS_NUMBER, "shop-b": OTHER_UPS_NUMBER}
    orders = {
        s.slug: {"pending": place(s), "shipped": advance(place(s), "shipped", tracking_number=numbers[s.slug])}
        for s in (a, b)
    }
    return {"a": a, "b": b, "orders": orders, "api_a": Api(create_api_token(name="a", seller=a).token)}


def _snapshot():
    return (
        list(Order.objects.order_by("id").values_list("id", "status", "payment_status", "refunded_total")),
        OrderLine.objects.count(),
        OrderEvent.objects.count(),
        StockMove.objects.count(),
        Notification.objects.count(),
        list(Product.objects.order_by("id").values_list("id", "title", "price", "on_hand", "reserved")),
    )


def _b_urls(shops) -> list[tuple[str, str, dict | None]]:
    pending = shops["orders"]["shop-b"]["pending"]
    shipped = shops["orders"]["shop-b"]["shipped"]
    line = pending.lines.get().pk
    return [
        ("get", f"/orders/{pending.pk}", None),
        ("get", f"/orders/{shipped.pk}", None),
        ("post", f"/orders/{pending.pk}/confirm", None),
        ("post", f"/orders/{pending.pk}/process", None),
        (
            "post",
            f"/orders/{pending.pk}/ship",
            {"carrier": "ups", "service_level": "ground", "tracking_number": UPS_NUMBER},
        ),
        ("post", f"/orders/{shipped.pk}/deliver", None),
        ("post", f"/orders/{pending.pk}/cancel", {"reason": "other"}),
        ("post", f"/orders/{pending.pk}/lines/{line}/cancel", {"quantity": 1, "reason": "other"}),
        ("post", f"/orders/{pending.pk}/notes", {"text": "peek"}),
        ("get", "/products/ONLY-shop-b", None),
        ("patch", "/products/ONLY-shop-b", {"title": "Mine now"}),
        ("post", "/products/ONLY-shop-b/stock", {"delta": 5, "reason": "x"}),
    ]


def test_a_seller_gets_404_for_every_url_of_another_sellers_orders_and_products(shops):
    before = _snapshot()

    for method, path, body in _b_urls(shops):
        response = getattr(shops["api_a"], method)(path, body) if method != "get" else shops["api_a"].get(path)

        # then: indistinguishable from an order or product that does not exist
        assert response.status_code == 404, (method, path, response.content)
        assert response.json()["error"]["code"] == "not_found", (method, path)
        assert response.json()["error"]["details"] == {}

    assert _snapshot() == before


def test_a_seller_token_on_the_payment_url_of_another_seller_gets_the_same_403_as_for_any_id(shops):
    pending = shops["orders"]["shop-b"]["pending"]
    before = _snapshot()

    theirs = shops["api_a"].post(f"/orders/{pending.pk}/payment", {"status": "refunded", "amount": "1.00"})
    unknown = shops["api_a"].post("/orders/987654/payment", {"status": "refunded", "amount": "1.00"})

    # the token kind is refused before any lookup, so the answer says nothing about B's order
    assert (theirs.status_code, unknown.status_code) == (403, 403)
    assert theirs.json() == unknown.json()
    assert _snapshot() == before


def test_a_sku_both_sellers_use_resolves_to_the_callers_own_product(shops):
    response = shops["api_a"].post("/products/MUG-1/stock", {"delta": 1, "reason": "x"})

    # A's mug: 20 on hand, less 2 shipped, plus 1; B's mug untouched
    assert response.json() == {"sku": "MUG-1", "on_hand": 19, "reserved": 2, "available": 17}
    assert Product.objects.get(seller=shops["b"], sku="MUG-1").on_hand == 18


def test_another_sellers_orders_never_appear_in_the_list_search_or_counts(shops):
    api = shops["api_a"]
    a_ids = {o.pk for o in shops["orders"]["shop-a"].values()}

    listed = {item["id"] for item in api.get("/orders?limit=200").json()["items"]}
    searched = {item["id"] for item in api.get("/orders?q=Ada").json()["items"]}
    by_sku = {item["id"] for item in api.get("/orders?q=MUG-1").json()["items"]}
    b_number = shops["orders"]["shop-b"]["shipped"].number
    by_number = {item["id"] for item in api.get(f"/orders?q={b_number}").json()["items"]}
    by_tracking = {item["id"] for item in api.get(f"/orders?q={UPS_NUMBER}").json()["items"]}
    by_their_tracking = {item["id"] for item in api.get(f"/orders?q={OTHER_UPS_NUMBER}").json()["items"]}
    counts = api.get("/orders/counts").json()

    assert listed == a_ids
    assert searched == a_ids
    assert by_sku == a_ids
    assert by_number <= a_ids
    assert by_tracking == {shops["orders"]["shop-a"]["shipped"].pk}
    assert by_their_tracking == set()
    assert (
        counts["pending"],
        counts["shipped"],
        sum(counts[s] for s in ("pending", "confirmed", "processing", "shipped", "delivered", "cancelled")),
    ) == (1, 1, 2)


def test_another_sellers_products_never_appear_in_the_product_list(shops):
    skus = [p["sku"] for p in shops["api_a"].get("/products?limit=200").json()["items"]]

    assert sorted(skus) == ["MUG-1", "ONLY-shop-a"]


def test_a_seller_token_cannot_place_or_create_for_another_seller(shops):
    before = _snapshot()

    order = shops["api_a"].post("/orders", order_payload("shop-b"))
    product = shops["api_a"].post(
        "/products", {"seller": "shop-b", "sku": "NEW-1", "title": "x", "price": "1.00", "currency": "USD"}
    )

    assert (order.status_code, product.status_code) == (404, 404)
    assert _snapshot() == before


def test_a_cursor_does_not_leak_another_sellers_orders(shops, place):
    # given more of A's orders than fit on a page
    for _ in range(3):
        place(shops["a"])
    a_ids = set(Order.objects.filter(seller=shops["a"]).values_list("id", flat=True))

    seen, cursor = [], None
    while True:
        body = shops["api_a"].get("/orders?limit=2" + (f"&cursor={cursor}" if cursor else "")).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break

    assert sorted(seen) == sorted(a_ids)


def test_the_platform_token_reads_any_sellers_order(shops, platform_api):
    b_pending = shops["orders"]["shop-b"]["pending"]

    response = platform_api.get(f"/orders/{b_pending.pk}")

    assert response.status_code == 200
    assert response.json()["seller"] == "shop-b"
