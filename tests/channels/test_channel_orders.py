"""Each real sample, replayed through its connector (signed as the channel signs where it has
webhooks), makes exactly one order with the right lines, money, tax, customer and state; a replay
makes nothing new; a SKU we do not know holds the order with a "map this SKU" action."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from shipdesk.channels import services
from shipdesk.channels.models import ChannelOrder, HeldOrder, WebhookDelivery
from shipdesk.orders.models import Order
from tests.channels.channel_helpers import accept_held_shopify_sample, channel_signature, sample, sample_bytes


@pytest.fixture
def ipods(seller, make_product):
    for colour in ("GREEN", "RED", "BLACK"):
        make_product(seller, f"IPOD2008{colour}", price="199.00", on_hand=5)


def only_order(seller) -> Order:
    (order,) = Order.objects.filter(seller=seller)
    return order


def money_of(order: Order) -> tuple:
    return (order.subtotal, order.shipping_fee, order.tax_total, order.total)


# --- Shopify ------------------------------------------------------------------------------------


def test_the_shopify_sample_signed_by_webhook_is_held_because_its_totals_disagree_then_placed_as_its_lines_say(
    seller, ipods, connect, post_webhook, seller_api
):
    connect("shopify")
    body = sample_bytes("shopify__order.json")

    response = post_webhook("shopify", body, **{"X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "w-1"})

    # Three lines of 199.00 and 11.94 tax, but a total_price of 409.94: never placed with other
    # money than the channel charged without the seller's say.
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "held"
    (held,) = seller_api.get("/channels/held-orders").json()["items"]
    assert (held["reason"], held["actions"][0]) == ("needs_review", "accept_lines_total")
    assert "409.94" in held["problems"]["total"][0]

    placed = seller_api.post(f"/channels/held-orders/{held['id']}/retry?accept_lines_total=true")

    assert [r["outcome"] for r in placed.json()["results"]] == ["placed"]
    order = only_order(seller)
    # financial_status "authorized" is not a capture, confirmed:false: pending and unpaid; its
    # failed fulfillment (tracking "1Z2345") does not make it shipped.
    assert (order.channel, order.external_id, order.status, order.payment_status) == (
        "shopify",
        "450789469",
        "pending",
        "unpaid",
    )
    lines = {line.sku: (line.quantity, line.unit_price, line.tax) for line in order.lines.all()}
    assert lines == {f"IPOD2008{c}": (1, Decimal("199.00"), Decimal("3.98")) for c in ("GREEN", "RED", "BLACK")}
    assert money_of(order) == (Decimal("597.00"), Decimal("0.00"), Decimal("11.94"), Decimal("608.94"))
    assert "Shopify charged 409.94 USD" in order.note
    assert (order.customer_name, order.customer_email) == ("Bob Norman", "bob.norman@hostmail.com")
    assert (order.ship_line1, order.ship_city, order.ship_region, order.ship_postal_code, order.ship_country) == (
        "Chestnut Street 92",
        "Louisville",
        "KY",
        "40202",
        "US",
    )


def test_a_replayed_shopify_delivery_is_answered_duplicate_and_a_new_delivery_of_the_same_order_changes_nothing(
    seller, ipods, connect, post_webhook
):
    connect("shopify")
    body = sample_bytes("shopify__order.json")
    headers = {"X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "w-1"}
    post_webhook("shopify", body, **headers)
    accept_held_shopify_sample(seller)

    replay = post_webhook("shopify", body, **headers)
    again = post_webhook("shopify", body, **{**headers, "X-Shopify-Webhook-Id": "w-2"})

    assert replay.json()["status"] == "duplicate"
    assert again.json()["status"] == "unchanged"
    assert Order.objects.filter(seller=seller).count() == 1
    assert WebhookDelivery.objects.count() == 2


def test_a_webhook_not_signed_with_the_shops_secret_is_refused_and_changes_nothing(
    seller, ipods, connect, post_webhook
):
    connect("shopify")
    body = sample_bytes("shopify__order.json")

    forged = post_webhook("shopify", body, signature="bm90IHRoZSBzaWduYXR1cmU=", **{"X-Shopify-Topic": "orders/create"})
    tampered = post_webhook(
        "shopify",
        body,
        signature=channel_signature(body.replace(b"409.94", b"0.01")),
        **{"X-Shopify-Topic": "orders/create"},
    )
    unsigned_shop = post_webhook("shopify", body, shop="nobody", **{"X-Shopify-Topic": "orders/create"})

    assert forged.status_code == 401 and forged.json()["error"]["code"] == "invalid_signature"
    assert tampered.status_code == 401  # signed over another body
    assert unsigned_shop.status_code == 404
    assert not Order.objects.exists() and not HeldOrder.objects.exists()


def test_shopify_orders_cancelled_cancels_the_order_here_with_the_refund_rules(seller, ipods, connect, post_webhook):
    connect("shopify")
    paid = sample("shopify__order.json")
    paid["order"]["financial_status"] = "paid"
    paid["order"]["confirmed"] = True
    post_webhook("shopify", json.dumps(paid).encode(), **{"X-Shopify-Topic": "orders/paid"})
    accept_held_shopify_sample(seller)
    order = only_order(seller)
    assert (order.status, order.payment_status) == ("confirmed", "paid")

    cancelled = json.loads(json.dumps(paid))
    cancelled["order"].update(
        cancelled_at="2008-01-10T12:00:00-05:00", cancel_reason="customer", updated_at="2008-01-10T12:00:00-05:00"
    )
    response = post_webhook("shopify", json.dumps(cancelled).encode(), **{"X-Shopify-Topic": "orders/cancelled"})

    order.refresh_from_db()
    assert response.json()["status"] == "updated"
    assert (order.status, order.payment_status, order.refunded_total) == ("cancelled", "refunded", Decimal("608.94"))
    assert order.cancellations.get().reason == "customer_request"


# --- WooCommerce --------------------------------------------------------------------------------


def test_woocommerce_order_727_waits_for_its_skuless_line_then_mapping_it_places_it_processing_and_paid(
    seller, make_product, connect, post_webhook, seller_api
):
    make_product(seller, "WOO-SINGLE", price="3.00")
    make_product(seller, "Bar3", price="12.00")
    connect("woocommerce")
    body = sample_bytes("woocommerce__order_727_retrieve_response.json")

    response = post_webhook(
        "woocommerce", body, **{"X-WC-Webhook-Topic": "order.created", "X-WC-Webhook-Delivery-ID": "d-1"}
    )

    # Its first line has no SKU: known by its product id (93), which maps to nothing yet.
    assert response.json()["status"] == "held"
    held = seller_api.get("/channels/held-orders").json()["items"]
    assert [(h["external_id"], h["reason"], h["unmapped_skus"], h["actions"]) for h in held] == [
        ("727", "unmapped_sku", ["93"], ["map_sku", "retry", "discard"])
    ]
    assert not Order.objects.exists()

    mapped = seller_api.post("/channels/sku-map", {"channel": "woocommerce", "channel_sku": "93", "sku": "WOO-SINGLE"})

    assert mapped.status_code == 200, mapped.content
    assert [r["outcome"] for r in mapped.json()["released"]] == ["placed"]
    order = only_order(seller)
    assert (order.status, order.payment_status) == ("processing", "paid")
    lines = {line.sku: (line.quantity, line.unit_price, line.tax) for line in order.lines.all()}
    assert lines == {
        "WOO-SINGLE": (2, Decimal("3.00"), Decimal("0.45")),
        "Bar3": (1, Decimal("12.00"), Decimal("0.90")),
    }
    assert money_of(order) == (Decimal("18.00"), Decimal("10.00"), Decimal("1.35"), Decimal("29.35"))
    assert (order.customer_name, order.customer_email, order.ship_city) == (
        "John Doe",
        "john.doe@example.com",
        "San Francisco",
    )
    assert seller_api.get("/channels/held-orders").json()["items"] == []
    # The same order again, by webhook: nothing new.
    again = post_webhook(
        "woocommerce", body, **{"X-WC-Webhook-Topic": "order.updated", "X-WC-Webhook-Delivery-ID": "d-2"}
    )
    assert again.json()["status"] == "unchanged" and Order.objects.count() == 1


def test_woocommerces_ping_on_saving_a_webhook_is_answered_2xx(seller, connect, post_webhook):
    connect("woocommerce")

    response = post_webhook("woocommerce", b"webhook_id=15", **{"X-WC-Webhook-Topic": ""})

    assert response.status_code == 200 and response.json()["status"] == "ignored"


# --- Etsy ---------------------------------------------------------------------------------------


def etsy_receipt() -> dict:
    """A receipt in the v3 ShopReceipt shape (tests/fixtures/real-world/etsy_openapi_v3__receipt_schema_extract.json:
    Etsy publishes a schema, no example; these values are ours)."""

    def money(amount: int) -> dict:
        return {"amount": amount, "divisor": 100, "currency_code": "USD"}

    return {
        "receipt_id": 3141592653,
        "seller_user_id": 77,
        "buyer_email": "ada@example.com",
        "name": "Ada Lovelace",
        "first_line": "1 Main St",
        "second_line": None,
        "city": "Springfield",
        "state": "IL",
        "zip": "62701",
        "country_iso": "US",
        "status": "Paid",
        "is_paid": True,
        "is_shipped": False,
        "created_timestamp": 1717000000,
        "updated_timestamp": 1717000100,
        "grandtotal": money(3397),
        "subtotal": money(2998),
        "total_shipping_cost": money(399),
        "total_tax_cost": money(0),
        "total_vat_cost": money(0),
        "discount_amt": money(0),
        "gift_wrap_price": money(0),
        "shipments": [],
        "transactions": [
            {"transaction_id": 1, "title": "Mug", "quantity": 2, "sku": "", "listing_id": 1234567, "price": money(1499)}
        ],
    }


def test_an_etsy_receipt_imported_lands_confirmed_and_paid_under_its_mapped_listing(seller, make_product, seller_api):
    make_product(seller, "MUG-1", price="14.99")

    held = seller_api.post("/channels/etsy/orders", etsy_receipt())
    seller_api.post("/channels/sku-map", {"channel": "etsy", "channel_sku": "1234567", "sku": "MUG-1"})
    replay = seller_api.post("/channels/etsy/orders", {"count": 1, "results": [etsy_receipt()]})

    assert [r["outcome"] for r in held.json()["results"]] == ["held"]
    assert [r["outcome"] for r in replay.json()["results"]] == ["unchanged"]
    order = only_order(seller)
    assert (order.channel, order.external_id, order.status, order.payment_status) == (
        "etsy",
        "3141592653",
        "confirmed",
        "paid",
    )
    assert money_of(order) == (Decimal("29.98"), Decimal("3.99"), Decimal("0.00"), Decimal("33.97"))


# --- Amazon -------------------------------------------------------------------------------------


def test_amazons_documented_getorders_and_getorderitems_examples_are_held_for_review_naming_what_cannot_be_taken(
    seller, make_product, seller_api
):
    """The Orders API's two examples are of different orders and price a US order in JPY with
    cents (25.99 JPY; 17.95 for 2 units): no real amount. Held with the reasons, never rounded."""
    orders = sample("amazon_spapi__getOrders_example.json")
    items = sample("amazon_spapi__getOrderItems_example.json")
    body = {"orders": orders, "items": {"902-3159896-1390916": items}}

    first = seller_api.post("/channels/amazon/orders", body)
    again = seller_api.post("/channels/amazon/orders", body)

    assert [r["outcome"] for r in first.json()["results"]] == ["held"]
    assert [r["outcome"] for r in again.json()["results"]] == ["held"]
    (held,) = seller_api.get("/channels/held-orders").json()["items"]
    assert held["reason"] == "needs_review" and held["external_id"] == "902-3159896-1390916"
    assert any("JPY" in message for messages in held["problems"].values() for message in messages)
    assert not Order.objects.exists() and HeldOrder.objects.count() == 1


def test_amazons_sandbox_unshipped_order_with_its_items_lands_confirmed_and_paid(seller, make_product, seller_api):
    make_product(seller, "CBA_OTF_1", price="10.00")
    orders = sample("amazon_spapi__getOrders_sandbox_TEST_CASE_200.json")
    (first_order, _) = orders["payload"]["Orders"]
    first_order["ShippingAddress"] = {
        "Name": "Jane Buyer",
        "AddressLine1": "1 Cross St.",
        "City": "Canton",
        "StateOrRegion": "MI",
        "PostalCode": "48817",
        "CountryCode": "US",
    }
    # getOrderItems in the documented shape, priced so the order adds up to its OrderTotal (11.01).
    items = {
        "payload": {
            "OrderItems": [
                {
                    "ASIN": "BT0093TELA",
                    "OrderItemId": "68828574383266",
                    "SellerSKU": "CBA_OTF_1",
                    "Title": "Example item",
                    "QuantityOrdered": 1,
                    "ItemPrice": {"CurrencyCode": "USD", "Amount": "10.00"},
                    "ShippingPrice": {"CurrencyCode": "USD", "Amount": "1.01"},
                }
            ]
        }
    }
    orders["payload"]["Orders"] = [first_order]

    response = seller_api.post("/channels/amazon/orders", {"orders": orders, "items": {"902-1845936-5435065": items}})

    assert [r["outcome"] for r in response.json()["results"]] == ["placed"]
    order = only_order(seller)
    assert (order.external_id, order.status, order.payment_status) == ("902-1845936-5435065", "confirmed", "paid")
    assert money_of(order) == (Decimal("10.00"), Decimal("1.01"), Decimal("0.00"), Decimal("11.01"))
    # No buyer email in the sandbox answer: a placeholder that can never receive mail.
    assert order.customer_email.endswith("@buyer.invalid")
    assert ChannelOrder.objects.get(order=order).data["items"] == {"68828574383266": 1}


def test_an_order_of_another_seller_is_not_visible_and_a_platform_token_must_name_the_shop(
    seller, make_seller, platform_api, seller_api
):
    other = make_seller("other")
    theirs = HeldOrder.objects.create(
        seller=other,
        channel=services.channel_for(seller_id=other.pk, kind="csv"),
        external_id="X",
        reason="needs_review",
        incoming={},
        created_at="2025-01-01T00:00Z",
        updated_at="2025-01-01T00:00Z",
    )

    assert seller_api.get(f"/channels/held-orders/{theirs.pk}").status_code == 404
    assert platform_api.get("/channels/held-orders").status_code == 422
    assert platform_api.get("/channels/held-orders?seller=other").json()["items"][0]["external_id"] == "X"
