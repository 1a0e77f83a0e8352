"""Every order action takes the moment it acts at (`at=`), and dates everything it writes by it.

The clock stands well after the moments the actions are taken at, so a value taken from the
clock instead of from `at` shows up as a wrong time (and as a late flag).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shipdesk.earnings.models import LedgerEntry, ScheduledRelease
from shipdesk.inventory.models import StockMove
from shipdesk.notifications.models import Alert, Notification
from shipdesk.orders import services
from shipdesk.orders.models import Cancellation, OrderEvent
from shipdesk.payments.models import Refund
from shipdesk.shipping.models import Shipment
from tests.builders import OPERATOR_ACTOR, PLATFORM_ACTOR, SELLER_ACTOR, UPS_NUMBER, new_order

NEW_YORK = ZoneInfo("America/New_York")  # the seller's zone (conftest)
NOW = datetime(2026, 3, 20, 18, 0, tzinfo=UTC)  # the clock: a Friday, weeks after the actions
PLACED = datetime(2026, 3, 2, 9, 0, tzinfo=NEW_YORK)  # Monday morning
CONFIRMED = datetime(2026, 3, 2, 14, 30, tzinfo=NEW_YORK)
PROCESSING = datetime(2026, 3, 3, 10, 0, tzinfo=NEW_YORK)  # Tuesday
SHIPPED = datetime(2026, 3, 4, 16, 0, tzinfo=NEW_YORK)  # Wednesday
DELIVERED = datetime(2026, 3, 9, 12, 0, tzinfo=NEW_YORK)  # the next Monday (daylight saving time since Sunday)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def place_at(seller, at, **kwargs):
    order, _ = services.place_order(seller_id=seller.pk, data=new_order(**kwargs), actor=PLATFORM_ACTOR, at=at)
    return order


def event(order, type):
    return OrderEvent.objects.get(order=order, type=type)


def ids(order):
    return dict(order_id=order.pk, seller_id=order.seller_id)


def test_placing_at_a_past_moment_dates_the_order_its_deadline_event_stock_ledger_and_alert(seller, product, clock):
    order = place_at(seller, PLACED)

    assert order.placed_at == order.paid_at == PLACED
    assert order.confirm_by == PLACED + timedelta(hours=24)
    assert event(order, "placed").created_at == PLACED
    assert StockMove.objects.get(order_id=order.pk, kind="reserved").created_at == PLACED
    assert {e.created_at for e in LedgerEntry.objects.filter(order=order)} == {PLACED}
    new_order_mail = Notification.objects.get(order=order, kind="seller_new_order")
    assert new_order_mail.created_at == new_order_mail.next_attempt_at == PLACED
    assert Alert.objects.get(order=order).created_at == PLACED


def test_confirming_at_a_past_moment_writes_that_time_on_the_order_its_event_and_its_process_deadline(
    seller, product, clock
):
    order = place_at(seller, PLACED)

    order = services.confirm_order(**ids(order), actor=SELLER_ACTOR, at=CONFIRMED)

    assert order.confirmed_at == CONFIRMED
    assert order.confirmed_late is False  # 5½ hours after placing, though the clock is weeks later
    # two business days after confirming, at the same wall-clock time: Wednesday 14:30
    assert order.process_by == datetime(2026, 3, 4, 14, 30, tzinfo=NEW_YORK)
    assert order.action_due_at == order.process_by
    confirmed = event(order, "confirmed")
    assert (confirmed.created_at, confirmed.params["late"]) == (CONFIRMED, False)
    assert Notification.objects.get(order=order, kind="customer_confirmed").created_at == CONFIRMED


def test_processing_shipping_and_delivering_at_past_moments_date_stock_shipment_eta_and_release(seller, product, clock):
    order = place_at(seller, PLACED)
    services.confirm_order(**ids(order), actor=SELLER_ACTOR, at=CONFIRMED)

    order = services.process_order(**ids(order), actor=SELLER_ACTOR, at=PROCESSING)
    assert order.processing_at == PROCESSING
    assert order.ship_by == datetime(2026, 3, 6, 10, 0, tzinfo=NEW_YORK)  # 3 business days: Friday
    assert StockMove.objects.get(order_id=order.pk, kind="deducted").created_at == PROCESSING
    assert event(order, "processing_started").created_at == PROCESSING

    order = services.ship_order(
        **ids(order), actor=SELLER_ACTOR, carrier="ups", service_level="ground", tracking_number=UPS_NUMBER, at=SHIPPED
    )
    # UPS Ground: 5 business days, same local wall-clock time (across the change to summer time)
    eta = datetime(2026, 3, 11, 16, 0, tzinfo=NEW_YORK)
    assert (order.shipped_at, order.shipped_late, order.deliver_by) == (SHIPPED, False, eta)
    assert (Shipment.objects.get(order=order).shipped_at, Shipment.objects.get(order=order).eta) == (SHIPPED, eta)
    assert ScheduledRelease.objects.get(order=order).release_at == SHIPPED + timedelta(days=30)  # the fallback
    assert event(order, "shipped").created_at == SHIPPED
    assert Notification.objects.get(order=order, kind="customer_shipped").created_at == SHIPPED

    order = services.deliver_order(**ids(order), actor=OPERATOR_ACTOR, at=DELIVERED)
    assert (order.delivered_at, order.delivered_late) == (DELIVERED, False)
    assert event(order, "delivered").created_at == DELIVERED
    # available from the start of the third local day after delivery
    assert ScheduledRelease.objects.get(order=order).release_at == datetime(2026, 3, 12, 0, 0, tzinfo=NEW_YORK)
    assert Notification.objects.get(order=order, kind="customer_delivered").created_at == DELIVERED


def test_a_carrier_delivery_reported_at_a_past_moment_keeps_the_reported_arrival_time(seller, product, clock):
    order = place_at(seller, PLACED)
    services.confirm_order(**ids(order), actor=SELLER_ACTOR, at=CONFIRMED)
    services.process_order(**ids(order), actor=SELLER_ACTOR, at=PROCESSING)
    services.ship_order(
        **ids(order), actor=SELLER_ACTOR, carrier="ups", service_level="ground", tracking_number=UPS_NUMBER, at=SHIPPED
    )

    heard = DELIVERED + timedelta(hours=2)
    order = services.deliver_order(**ids(order), actor=OPERATOR_ACTOR, delivered_at=DELIVERED, at=heard)

    assert order.delivered_at == DELIVERED
    delivered = event(order, "delivered")
    assert (delivered.created_at, datetime.fromisoformat(delivered.params["delivered_at"])) == (heard, DELIVERED)


def test_cancelling_at_a_past_moment_dates_the_cancellation_refund_stock_release_and_ledger_reversal(
    seller, product, clock
):
    order = place_at(seller, PLACED)
    cancelled_at = PLACED + timedelta(hours=1)

    order = services.cancel_order(**ids(order), actor=SELLER_ACTOR, reason="customer_request", at=cancelled_at)

    assert order.cancelled_at == cancelled_at
    assert Cancellation.objects.get(order=order).created_at == cancelled_at
    assert Refund.objects.get(order=order).created_at == cancelled_at
    assert event(order, "cancelled").created_at == event(order, "refund_recorded").created_at == cancelled_at
    assert StockMove.objects.get(order_id=order.pk, kind="released").created_at == cancelled_at
    assert LedgerEntry.objects.get(order=order, kind="refund_reversal").created_at == cancelled_at
    assert Notification.objects.get(order=order, kind="customer_cancelled").created_at == cancelled_at


def test_cancelling_a_line_at_a_past_moment_dates_its_refund_and_stock_release(seller, make_product, clock):
    make_product(seller, "MUG-1")
    make_product(seller, "TEE-1")
    order = place_at(seller, PLACED, lines=(("MUG-1", 2, "12.50"), ("TEE-1", 1, "20.00")))
    line = order.lines.get(sku="TEE-1")
    cancelled_at = PLACED + timedelta(hours=2)

    services.cancel_line(
        **ids(order), line_id=line.pk, quantity=1, actor=SELLER_ACTOR, reason="customer_request", at=cancelled_at
    )

    assert Cancellation.objects.get(order=order).created_at == cancelled_at
    assert Refund.objects.get(order=order).amount == Decimal("20.00")
    assert Refund.objects.get(order=order).created_at == cancelled_at
    assert event(order, "line_cancelled").created_at == cancelled_at
    assert StockMove.objects.get(order_id=order.pk, kind="released").created_at == cancelled_at


def test_a_payment_recorded_at_a_past_moment_starts_the_confirm_window_then(seller, product, clock):
    order = place_at(seller, PLACED, paid=False)
    paid_at = PLACED + timedelta(hours=30)

    order = services.update_payment(
        **ids(order), actor=PLATFORM_ACTOR, status="paid", amount=order.total, reference="pi_1", at=paid_at
    )

    assert order.paid_at == paid_at
    assert order.confirm_by == paid_at + timedelta(hours=24)
    assert event(order, "payment_updated").created_at == paid_at
    assert {e.created_at for e in LedgerEntry.objects.filter(order=order)} == {paid_at}


def test_without_a_moment_an_action_acts_now(seller, product, clock):
    order = place_at(seller, None)

    order = services.confirm_order(**ids(order), actor=SELLER_ACTOR)

    assert order.placed_at == order.confirmed_at == event(order, "confirmed").created_at == NOW
