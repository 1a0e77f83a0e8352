"""Fulfilment goes back to the channel: shipping or cancelling a channel's order here queues one
update, the worker sends it shaped as the channel documents it (checked against the recorded
Shopify Fulfillment), retries a failed send with backoff, and the timeline says so."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from shipdesk.channels import services as channels
from shipdesk.channels.models import FulfilmentUpdate
from shipdesk.jobs.worker import run_until_idle
from shipdesk.orders import services as orders
from shipdesk.orders.models import Order, OrderEvent
from tests.builders import SELLER_ACTOR, UPS_NUMBER, advance
from tests.channels.channel_helpers import accept_held_shopify_sample, sample, sample_bytes

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def ipods(seller, make_product):
    for colour in ("GREEN", "RED", "BLACK"):
        make_product(seller, f"IPOD2008{colour}", price="199.00", on_hand=5)


def paid_shopify_order(post_webhook, seller, **changes) -> Order:
    body = sample("shopify__order.json")
    body["order"].update(financial_status="paid", confirmed=True, **changes)
    response = post_webhook("shopify", json.dumps(body).encode(), **{"X-Shopify-Topic": "orders/create"})
    assert response.status_code == 200, response.content
    accept_held_shopify_sample(seller)
    return Order.objects.get(seller=seller, external_id="450789469")


def test_shipping_a_shopify_order_sends_the_documented_fulfillment_once_and_the_timeline_shows_it(
    seller, ipods, connect, post_webhook, stub_channel
):
    connect("shopify", api_base_url=stub_channel.url, api_token="shpat_test")
    order = paid_shopify_order(post_webhook, seller)

    advance(order, "shipped")
    run_until_idle()
    run_until_idle()  # nothing left to send

    (request,) = stub_channel.requests
    assert (request["method"], request["path"]) == ("POST", "/admin/api/2024-01/orders/450789469/fulfillments.json")
    assert request["headers"]["X-Shopify-Access-Token"] == "shpat_test"
    sent = request["body"]["fulfillment"]
    recorded = sample("shopify__fulfillment.json")["fulfillment"]
    # Every field we send that the recorded Fulfillment has, with its type: a string, a list…
    shared = set(sent) & set(recorded)
    assert shared == {"tracking_company", "tracking_number", "tracking_numbers", "tracking_urls", "line_items"}
    assert all(type(sent[key]) is type(recorded[key]) for key in shared)
    assert (sent["tracking_company"], sent["tracking_number"], sent["tracking_numbers"]) == (
        "UPS",
        UPS_NUMBER,
        [UPS_NUMBER],
    )
    assert sent["tracking_urls"] == [f"https://www.ups.com/track?tracknum={UPS_NUMBER}"]
    # The recorded fulfillment's line is one of the order's lines, named by Shopify's line id.
    assert recorded["line_items"][0]["id"] in [line["id"] for line in sent["line_items"]]
    update = FulfilmentUpdate.objects.get(order=order)
    assert (update.kind, update.status, update.response_status, update.attempts) == ("shipment", "sent", 201, 1)
    assert list(
        OrderEvent.objects.filter(order=order, type="channel_fulfilment_sent").values_list("params", flat=True)
    ) == [{"channel": "shopify", "kind": "shipment", "status_code": 201}]


def test_a_fulfilment_the_channel_refuses_for_now_is_retried_by_the_worker_with_backoff(
    seller, ipods, connect, post_webhook, stub_channel
):
    connect("shopify", api_base_url=stub_channel.url)
    stub_channel.answers = [503, 502]
    with time_machine.travel(T0, tick=False) as clock:
        order = paid_shopify_order(post_webhook, seller)
        advance(order, "shipped")

        run_until_idle()  # attempt 1: 503
        update = FulfilmentUpdate.objects.get(order=order)
        assert (update.status, update.attempts, update.response_status) == ("pending", 1, 503)
        run_until_idle()  # not due yet
        assert len(stub_channel.requests) == 1

        clock.shift(timedelta(seconds=40))
        run_until_idle()  # attempt 2: 502
        clock.shift(timedelta(seconds=80))
        run_until_idle()  # attempt 3: accepted

    update.refresh_from_db()
    assert (update.status, update.attempts) == ("sent", 3)
    assert len(stub_channel.requests) == 3
    assert [r["body"] for r in stub_channel.requests[1:]] == [stub_channel.requests[0]["body"]] * 2
    failures = OrderEvent.objects.filter(order=order, type="channel_fulfilment_failed").order_by("id")
    assert [(e.params["will_retry"], e.params["error"][:8]) for e in failures] == [
        (True, "HTTP 503"),
        (True, "HTTP 502"),
    ]
    assert OrderEvent.objects.filter(order=order, type="channel_fulfilment_sent").count() == 1


def test_an_order_the_channel_says_is_fulfilled_ships_here_and_is_not_sent_back(
    seller, ipods, connect, post_webhook, stub_channel
):
    connect("shopify", api_base_url=stub_channel.url)
    body = sample("shopify__order.json")
    body["order"].update(financial_status="paid", confirmed=True, fulfillment_status="fulfilled")
    body["order"]["fulfillments"][0].update(status="success", tracking_company="UPS", tracking_number=UPS_NUMBER)

    post_webhook("shopify", json.dumps(body).encode(), **{"X-Shopify-Topic": "orders/fulfilled"})
    accept_held_shopify_sample(seller)
    run_until_idle()

    order = Order.objects.get(seller=seller)
    assert order.status == "shipped" and order.shipments.get().tracking_number == UPS_NUMBER
    assert not FulfilmentUpdate.objects.exists() and stub_channel.requests == []


def test_cancelling_a_woocommerce_order_here_sets_it_cancelled_on_the_store(
    seller, make_product, connect, post_webhook, stub_channel
):
    make_product(seller, "93", price="3.00")
    make_product(seller, "Bar3", price="12.00")
    connect("woocommerce", api_base_url=stub_channel.url, api_token="ck_key:cs_secret")
    post_webhook(
        "woocommerce",
        sample_bytes("woocommerce__order_727_retrieve_response.json"),
        **{"X-WC-Webhook-Topic": "order.created"},
    )
    order = Order.objects.get(seller=seller)

    orders.cancel_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, reason="out_of_stock")
    run_until_idle()

    (request,) = stub_channel.requests
    assert (request["method"], request["path"], request["body"]) == (
        "PUT",
        "/wp-json/wc/v3/orders/727",
        {"status": "cancelled"},
    )
    assert request["headers"]["Authorization"] == "Basic Y2tfa2V5OmNzX3NlY3JldA=="


def test_a_channel_address_on_a_private_network_is_never_called(
    seller, ipods, connect, post_webhook, stub_channel, settings
):
    settings.SHIPDESK_CHANNELS_ALLOW_PRIVATE_URLS = False
    connect("shopify", api_base_url=stub_channel.url)
    order = paid_shopify_order(post_webhook, seller)

    advance(order, "shipped")
    run_until_idle()

    assert stub_channel.requests == []
    update = FulfilmentUpdate.objects.get(order=order)
    assert update.status == "pending" and "private" in update.last_error


def test_the_sandbox_channel_accepts_a_shipment_without_any_network_call(seller, make_product, stub_channel):
    from shipdesk.channels.demo import add_demo_channel

    make_product(seller, "MUG-BLUE", price="14.00")
    add_demo_channel(seller_id=seller.pk, now=datetime.now(UTC))
    order = Order.objects.get(seller=seller, external_id="SBX-1001")
    assert (order.channel, order.status, order.payment_status) == ("sandbox", "confirmed", "paid")

    advance(order, "shipped")
    run_until_idle()

    update = FulfilmentUpdate.objects.get(order=order)
    assert (update.status, update.response_status) == ("sent", 200) and stub_channel.requests == []
    assert OrderEvent.objects.filter(order=order, type="channel_fulfilment_sent").count() == 1


def test_a_switched_off_connection_is_not_told_of_a_shipment_made_meanwhile(
    seller, ipods, connect, post_webhook, stub_channel
):
    connect("shopify", api_base_url=stub_channel.url, api_token="shpat_test")
    order = paid_shopify_order(post_webhook, seller)
    channels.set_channel_enabled(seller_id=seller.pk, kind="shopify", enabled=False)

    advance(order, "shipped")
    run_until_idle()

    assert stub_channel.requests == []
    assert not FulfilmentUpdate.objects.filter(order=order).exists()


def test_an_update_queued_before_the_connection_was_switched_off_waits_and_goes_once_it_is_on(
    seller, ipods, connect, post_webhook, stub_channel
):
    connect("shopify", api_base_url=stub_channel.url, api_token="shpat_sealed")
    order = paid_shopify_order(post_webhook, seller)
    with time_machine.travel(T0, tick=False) as clock:
        advance(order, "shipped")
        channels.set_channel_enabled(seller_id=seller.pk, kind="shopify", enabled=False)
        run_until_idle()
        waiting = FulfilmentUpdate.objects.get(order=order)
        channels.set_channel_enabled(seller_id=seller.pk, kind="shopify", enabled=True)
        clock.shift(timedelta(minutes=5))
        run_until_idle()

    assert (waiting.status, waiting.last_error) == ("pending", "The channel connection is switched off.")
    (request,) = stub_channel.requests
    assert request["headers"]["X-Shopify-Access-Token"] == "shpat_sealed"  # opened from its sealed column
    assert FulfilmentUpdate.objects.get(order=order).status == "sent"
