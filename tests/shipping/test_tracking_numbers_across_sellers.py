"""A carrier's tracking number names one parcel, whichever shop shipped it (issue 14, finding 1).

Through HTTP: the sellers ship with the API ship endpoint, the carrier reports through the real
generic webhook endpoint, signed as a carrier would sign it. Runs on SQLite and PostgreSQL; the
race between two shops shipping the same number at the same instant is PostgreSQL only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time

import pytest
from django.test import Client

from shipdesk.accounts.services import create_api_token
from shipdesk.errors import TrackingNumberInUse
from shipdesk.orders import services
from shipdesk.orders.models import Order, OrderEvent
from shipdesk.shipping.models import AmbiguousTrackingUpdate, Shipment, TrackingEvent, WebhookReceipt
from tests.builders import SELLER_ACTOR, Api, advance
from tests.parallel import errors, run_together, values
from tests.shipping.shipping_fixtures import SECRETS

NUMBER = "1Z410E7W0392751591"  # the UPS number of the report


def ship_by_api(api: Api, order, *, number: str = NUMBER):
    return api.post(
        f"/orders/{order.pk}/ship", {"carrier": "ups", "service_level": "ground", "tracking_number": number}
    )


def carrier_reports(
    number: str, *, status: str = "delivered", event_id: str = "evt-1", location: str = "Louisville, KY"
):
    body = json.dumps(
        {
            "id": event_id,
            "tracking_number": number,
            "carrier": "ups",
            "status": status,
            "occurred_at": "2026-01-07T15:04:00Z",
            "description": "Delivered, front porch",
            "location": location,
        }
    ).encode()
    t = int(time.time())
    signature = hmac.new(SECRETS["generic"].encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return Client(enforce_csrf_checks=True).post(
        "/api/v1/webhooks/tracking/generic",
        data=body,
        content_type="application/json",
        headers={"Shipdesk-Signature": f"t={t},v1={signature}"},
    )


@pytest.fixture
def two_shops(make_seller, make_product, place):
    """Shop A and shop B, each with an order being packed and an API token."""
    shops = []
    for slug in ("shop-a", "shop-b"):
        seller = make_seller(slug)
        make_product(seller)
        order = advance(place(seller), "processing")
        shops.append((Api(create_api_token(name="test", seller=seller).token), order))
    return shops


def test_a_number_on_another_shops_undelivered_parcel_is_refused_and_its_events_reach_only_that_parcel(
    two_shops, webhook_secrets
):
    (api_a, order_a), (api_b, order_b) = two_shops
    assert ship_by_api(api_a, order_a).status_code == 200

    # when shop B ships its own order with the same UPS number
    response = ship_by_api(api_b, order_b)

    # then B is refused with a clear code, and its order stays in processing with no shipment
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "tracking_number_in_use"
    assert error["details"] == {"tracking_number": NUMBER}
    assert "shop-a" not in error["message"].lower()  # nothing about the other shop is told
    assert Order.objects.get(pk=order_b.pk).status == "processing"
    assert not Shipment.objects.filter(order=order_b).exists()

    # and the carrier's delivered scan delivers A's order only; B's timeline never sees it
    assert carrier_reports(NUMBER).status_code == 200
    assert Order.objects.get(pk=order_a.pk).status == "delivered"
    assert Order.objects.get(pk=order_b.pk).status == "processing"
    assert not OrderEvent.objects.filter(order=order_b, type__in=["carrier_scan", "delivered"]).exists()


def test_a_number_is_free_again_once_its_parcel_is_delivered(two_shops, webhook_secrets):
    (api_a, order_a), (api_b, order_b) = two_shops
    ship_by_api(api_a, order_a)
    carrier_reports(NUMBER)  # A's parcel is delivered

    response = ship_by_api(api_b, order_b)

    assert response.status_code == 200, response.content
    assert Order.objects.get(pk=order_b.pk).status == "shipped"


def test_a_later_event_for_a_reused_number_goes_to_the_parcel_still_on_its_way(two_shops, webhook_secrets):
    # given A's parcel delivered, and the number now on B's parcel, on its way
    (api_a, order_a), (api_b, order_b) = two_shops
    ship_by_api(api_a, order_a)
    carrier_reports(NUMBER, event_id="a-delivered")
    ship_by_api(api_b, order_b)

    response = carrier_reports(NUMBER, status="in_transit", event_id="b-moving", location="Memphis, TN")

    assert response.json() == {"status": "applied"}
    assert TrackingEvent.objects.filter(shipment__order=order_b, location="Memphis, TN").count() == 1
    assert not TrackingEvent.objects.filter(shipment__order=order_a, location="Memphis, TN").exists()


def test_an_event_matching_two_shops_parcels_changes_neither_and_is_reported_to_the_operator(
    two_shops, webhook_secrets, caplog
):
    # given the number on two delivered parcels of two shops (a carrier reuses numbers in time)
    (api_a, order_a), (api_b, order_b) = two_shops
    ship_by_api(api_a, order_a)
    carrier_reports(NUMBER, event_id="a-delivered")
    ship_by_api(api_b, order_b)
    carrier_reports(NUMBER, event_id="b-delivered", status="delivered", location="Memphis, TN")
    # (B's delivery went to B alone: one parcel was on its way)
    assert Order.objects.get(pk=order_b.pk).status == "delivered"
    scans_before = TrackingEvent.objects.count()
    events_before = OrderEvent.objects.count()

    # when one more event for that number arrives
    with caplog.at_level(logging.ERROR, logger="shipdesk.shipping.services"):
        response = carrier_reports(NUMBER, status="exception", event_id="who-is-it", location="Anchorage, AK")

    # then it is acknowledged, changes no parcel, and the operator has a record of it and an error line
    assert response.status_code == 200
    assert response.json() == {"status": "ambiguous_number"}
    assert TrackingEvent.objects.count() == scans_before
    assert OrderEvent.objects.count() == events_before
    assert not Shipment.objects.filter(delayed=True).exists()
    report = AmbiguousTrackingUpdate.objects.get()
    assert (report.source, report.event_id, report.tracking_number, report.carrier) == (
        "generic",
        "who-is-it",
        NUMBER,
        "ups",
    )
    assert sorted(report.shipment_ids) == sorted(Shipment.objects.values_list("pk", flat=True))
    assert WebhookReceipt.objects.get(event_id="who-is-it").outcome == "ambiguous_number"
    assert any(NUMBER in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)


def test_the_operator_sees_ambiguous_tracking_updates_in_the_admin(two_shops, webhook_secrets, admin_client):
    (api_a, order_a), (api_b, order_b) = two_shops
    ship_by_api(api_a, order_a)
    carrier_reports(NUMBER, event_id="a-delivered")
    ship_by_api(api_b, order_b)
    carrier_reports(NUMBER, event_id="b-delivered")
    carrier_reports(NUMBER, status="exception", event_id="who-is-it")

    html = admin_client.get("/admin/shipping/ambiguoustrackingupdate/").content.decode()

    assert NUMBER in html and "who-is-it" in html


# --- at the same instant (PostgreSQL) ---------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_shops_shipping_one_number_at_the_same_instant_let_exactly_one_ship(make_seller, make_product, place):
    orders = []
    for slug in ("shop-a", "shop-b", "shop-c", "shop-d"):
        seller = make_seller(slug)
        make_product(seller)
        orders.append(advance(place(seller), "processing"))

    outcomes = run_together(
        [
            lambda o=order: services.ship_order(
                order_id=o.pk,
                seller_id=o.seller_id,
                actor=SELLER_ACTOR,
                carrier="ups",
                service_level="ground",
                tracking_number=NUMBER,
            )
            for order in orders
        ]
    )

    shipped = values(outcomes)
    refused = errors(outcomes)
    assert len(shipped) == 1
    assert len(refused) == 3 and all(isinstance(e, TrackingNumberInUse) for e in refused), refused
    assert Shipment.objects.filter(tracking_number=NUMBER).count() == 1
    assert Order.objects.filter(status="shipped").count() == 1
