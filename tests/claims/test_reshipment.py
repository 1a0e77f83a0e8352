"""A claim answered with a reshipment: a second parcel of the claimed units, with its own tracking."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from shipdesk.claims.models import Claim
from shipdesk.inventory.models import Product, StockMove
from shipdesk.notifications.models import Notification
from shipdesk.orders.models import OrderEvent
from shipdesk.shipping.models import Shipment
from shipdesk.shipping.services import Scan, TrackingUpdate, record_tracking_update
from tests.builders import OTHER_UPS_NUMBER, advance, as_sent


def _not_received(order, seller_api):
    with time_machine.travel(order.deliver_by + timedelta(hours=1), tick=False):
        response = seller_api.post(
            f"/orders/{order.pk}/claims", {"kind": "not_received", "description": "Nothing came."}
        )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_a_reshipment_creates_a_second_parcel_whose_carrier_events_deliver_it(seller, product, place, seller_api):
    order = advance(place(seller), "shipped")
    claim_id = _not_received(order, seller_api)

    answered = seller_api.post(
        f"/claims/{claim_id}/answer",
        {"resolution": "reshipment", "carrier": "ups", "service_level": "ground", "tracking_number": OTHER_UPS_NUMBER},
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["reshipment_tracking_number"] == OTHER_UPS_NUMBER

    parcels = list(Shipment.objects.filter(order=order).order_by("id"))
    assert [(p.purpose, p.tracking_number) for p in parcels][1] == ("reshipment", OTHER_UPS_NUMBER)
    assert [(line.line_id, line.quantity) for line in parcels[1].lines.all()] == [(order.lines.get().pk, 2)]
    product.refresh_from_db()
    assert (product.on_hand, product.reserved) == (6, 0)  # 10 − 2 shipped − 2 sent again
    move = StockMove.objects.filter(order=order, reason=f"reshipment for claim {claim_id}").get()
    assert move.on_hand_delta == -2
    mail = as_sent(Notification.objects.get(order=order, kind="customer_claim_update", stage=f"{claim_id}:resolved"))
    assert OTHER_UPS_NUMBER in mail.body_text and "sending it again" in mail.subject

    # The carrier scans the new parcel: it is delivered by its own events.
    reshipment = parcels[1]
    result = record_tracking_update(
        update=TrackingUpdate(
            source="generic",
            tracking_number=OTHER_UPS_NUMBER,
            scans=(Scan(status="delivered", occurred_at=reshipment.shipped_at + timedelta(days=2), location="Porch"),),
            status="delivered",
        )
    )
    assert result.outcome == "applied"
    reshipment.refresh_from_db()
    parcels[0].refresh_from_db()
    assert reshipment.delivered_at is not None and parcels[0].delivered_at is None
    assert reshipment.tracking_events.filter(status="delivered").count() == 1
    assert OrderEvent.objects.filter(order=order, type="claim_resolved").count() == 1


def test_a_reshipment_without_the_stock_is_refused_and_changes_nothing(seller, make_product, place, seller_api):
    product = make_product(seller, on_hand=2)
    order = advance(place(seller), "shipped")
    claim_id = _not_received(order, seller_api)
    response = seller_api.post(
        f"/claims/{claim_id}/answer",
        {"resolution": "reshipment", "carrier": "ups", "service_level": "ground", "tracking_number": OTHER_UPS_NUMBER},
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "insufficient_stock"
    assert Shipment.objects.filter(order=order).count() == 1
    assert Product.objects.get(pk=product.pk).on_hand == 0
    assert Claim.objects.get().status == "open"


def test_a_reshipment_with_a_bad_tracking_number_is_422_on_that_field(seller, product, place, seller_api):
    order = advance(place(seller), "shipped")
    claim_id = _not_received(order, seller_api)
    response = seller_api.post(
        f"/claims/{claim_id}/answer",
        {
            "resolution": "reshipment",
            "carrier": "ups",
            "service_level": "ground",
            "tracking_number": "1Z999AA10123456785",
        },
    )
    assert response.status_code == 422 and "tracking_number" in response.json()["error"]["details"]
    assert Shipment.objects.filter(order=order).count() == 1 and Claim.objects.get().status == "open"
