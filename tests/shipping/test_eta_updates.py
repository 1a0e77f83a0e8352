"""A carrier's revised delivery date: the parcel's ETA, the customer's page and the delay notice
follow it, and a missed ETA is never promised again."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from shipdesk.actors import SYSTEM
from shipdesk.notifications.models import Notification
from shipdesk.notifications.services import send_delay_notice
from shipdesk.orders.models import OrderEvent
from shipdesk.shipping import services as shipping
from shipdesk.shipping.models import Shipment
from shipdesk.shipping.services import Scan, TrackingUpdate, flag_shipment_delayed
from shipdesk.shipping.tracking_links import tracking_page_path
from shipdesk.shipping.webhooks import PROVIDERS
from tests.builders import SELLER_ACTOR, UPS_NUMBER, advance, as_sent
from tests.shipping.shipping_fixtures import REAL_WORLD


def in_transit(number: str, *, eta: datetime | None, at: datetime):
    return shipping.record_tracking_update(
        update=TrackingUpdate(
            source="generic",
            tracking_number=number,
            carrier="ups",
            scans=(Scan(status="in_transit", occurred_at=at - timedelta(hours=1), location="Memphis, TN"),),
            estimated_delivery=eta,
        ),
        at=at,
    )


def test_a_revised_delivery_date_updates_the_parcels_eta_and_the_timeline_once(seller, product, place):
    order = advance(place(seller), "shipped")
    parcel = Shipment.objects.get(order=order)
    promised = parcel.eta
    revised = promised + timedelta(days=2)

    in_transit(UPS_NUMBER, eta=revised, at=parcel.shipped_at + timedelta(days=1))
    in_transit(UPS_NUMBER, eta=revised, at=parcel.shipped_at + timedelta(days=1, hours=2))  # said again

    parcel.refresh_from_db()
    assert parcel.eta == revised
    [event] = OrderEvent.objects.filter(order=order, type="eta_revised")
    assert event.params["eta"] == revised.isoformat() and event.params["previous"] == promised.isoformat()
    # the order's promise stays what the customer was told: on-time delivery is measured against it
    order.refresh_from_db()
    assert order.deliver_by == promised


def test_the_customers_page_shows_the_revised_date(seller, product, place, client):
    order = advance(place(seller), "shipped")
    parcel = Shipment.objects.get(order=order)
    revised = datetime(2031, 5, 9, 18, 0, tzinfo=UTC)  # a Friday

    in_transit(UPS_NUMBER, eta=revised, at=parcel.shipped_at + timedelta(hours=5))

    page = client.get(tracking_page_path(order.pk)).content.decode()
    assert "expected Friday 9 May" in page


def test_a_delay_notice_after_a_missed_eta_never_repeats_the_missed_date(seller, product, place):
    order = advance(place(seller), "shipped")
    parcel = Shipment.objects.get(order=order)
    Shipment.objects.filter(pk=parcel.pk).update(eta=parcel.shipped_at - timedelta(days=1))  # missed
    flag_shipment_delayed(shipment_id=parcel.pk, reason="missed_eta", actor=SYSTEM)

    notice = as_sent(send_delay_notice(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR))

    assert "Expected delivery" not in notice.body_text
    assert "arrive by" not in notice.body_text


def test_a_delay_notice_gives_the_carriers_revised_date_and_its_tracking_page(seller, product, place):
    order = advance(place(seller), "shipped")
    parcel = Shipment.objects.get(order=order)
    flag_shipment_delayed(shipment_id=parcel.pk, reason="exception", actor=SYSTEM)
    revised = datetime(2031, 5, 9, 18, 0, tzinfo=UTC)
    in_transit(UPS_NUMBER, eta=revised, at=parcel.shipped_at + timedelta(hours=5))

    notice = as_sent(send_delay_notice(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR))

    assert "Expected delivery: Friday 9 May" in notice.body_text
    assert f"https://www.ups.com/track?tracknum={UPS_NUMBER}" in notice.body_text
    assert Notification.objects.filter(order=order, kind="customer_delay_notice").count() == 1


@pytest.mark.parametrize(
    ("provider", "body", "expected"),
    [
        (
            "easypost",
            json.loads((REAL_WORLD / "easypost__event_tracker_updated_webhook_body.json").read_text()),
            datetime(2024, 8, 5, tzinfo=UTC),
        ),
        (
            "generic",
            {
                "id": "evt_1",
                "tracking_number": UPS_NUMBER,
                "status": "in_transit",
                "occurred_at": "2026-01-07T15:04:00Z",
                "estimated_delivery": "2026-01-09",
            },
            datetime(2026, 1, 9, 23, 59, 59, tzinfo=UTC),
        ),
    ],
)
def test_each_providers_expected_delivery_is_read_from_its_own_field(provider, body, expected):
    update = PROVIDERS[provider].parse(body)
    assert update.estimated_delivery == expected
