"""Carrier updates racing each other on real parallel connections (PostgreSQL only).

Providers retry, and deliver the same event more than once at the same moment; two providers can
report one parcel at once. Whatever the interleaving, a parcel's scans are stored once and its
order is delivered once.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from shipdesk.orders.models import Order, OrderEvent
from shipdesk.shipping.models import TrackingEvent, WebhookReceipt
from shipdesk.shipping.services import Scan, TrackingUpdate, record_tracking_update
from tests.parallel import run_together, values
from tests.shipping.shipping_fixtures import FEDEX_NUMBER, ship

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DELIVERED = (
    Scan(status="in_transit", occurred_at=datetime(2026, 1, 6, 9, 0, tzinfo=UTC), description="Departed"),
    Scan(status="delivered", occurred_at=datetime(2026, 1, 7, 15, 4, tzinfo=UTC), description="Delivered"),
)


def test_one_webhook_delivered_four_times_at_once_is_applied_once(seller, product, place):
    order = ship(place(seller))
    update = TrackingUpdate(
        source="aftership", event_id="evt-1", tracking_number=FEDEX_NUMBER, scans=DELIVERED, status="delivered"
    )

    results = values(run_together([lambda: record_tracking_update(update=update)] * 4))

    assert Counter(r.outcome for r in results) == {"applied": 1, "duplicate": 3}
    assert Order.objects.get(pk=order.pk).status == "delivered"
    assert OrderEvent.objects.filter(order=order, type="delivered").count() == 1
    assert TrackingEvent.objects.filter(shipment__order=order).count() == 2
    assert WebhookReceipt.objects.count() == 1


def test_two_providers_reporting_delivery_at_once_deliver_the_order_once(seller, product, place):
    order = ship(place(seller))
    updates = [
        TrackingUpdate(
            source=source, event_id=f"{source}-1", tracking_number=FEDEX_NUMBER, scans=DELIVERED, status="delivered"
        )
        for source in ("aftership", "easypost", "generic")
    ]

    results = values(run_together([lambda u=u: record_tracking_update(update=u) for u in updates]))

    assert [r.outcome for r in results] == ["applied"] * 3
    assert sum(len(r.delivered_order_ids) for r in results) == 1
    assert OrderEvent.objects.filter(order=order, type="delivered").count() == 1
    assert TrackingEvent.objects.filter(shipment__order=order).count() == 2
    assert OrderEvent.objects.filter(order=order, type="carrier_scan").count() == 2
