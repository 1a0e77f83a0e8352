"""The delay sweep: a parcel past its ETA, or without movement for 3 days, is flagged delayed once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from shipdesk.jobs import PERIODIC_JOBS
from shipdesk.notifications.models import Notification
from shipdesk.orders.models import OrderEvent
from shipdesk.shipping import services
from shipdesk.shipping.models import Shipment
from shipdesk.shipping.services import Scan, TrackingUpdate
from shipdesk.shipping.tasks import flag_delayed_shipments
from tests.shipping.shipping_fixtures import ship

SHIPPED_AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday; FedEx Ground: ETA 5 business days later


def scan(number: str, status: str, at: datetime) -> None:
    services.record_tracking_update(
        update=TrackingUpdate(source="generic", tracking_number=number, scans=(Scan(status=status, occurred_at=at),))
    )


def shipment_of(order) -> Shipment:
    return Shipment.objects.get(order=order)


def test_the_delay_sweep_is_registered_with_the_worker():
    assert PERIODIC_JOBS["shipping.flag_delayed_shipments"].func is flag_delayed_shipments


def test_a_parcel_without_movement_for_three_days_is_flagged_once_and_the_seller_alerted_once(seller, product, place):
    with time_machine.travel(SHIPPED_AT, tick=False) as clock:
        order = ship(place(seller))
        clock.move_to(SHIPPED_AT + timedelta(hours=4))
        scan(shipment_of(order).tracking_number, "in_transit", SHIPPED_AT + timedelta(hours=3))
        clock.move_to(SHIPPED_AT + timedelta(days=3, hours=2))
        assert flag_delayed_shipments() == 0  # moved 2 days 23 hours ago

        clock.shift(timedelta(hours=2))
        first = flag_delayed_shipments()
        second = flag_delayed_shipments()

    shipment = shipment_of(order)
    assert (first, second) == (1, 0)
    assert (shipment.delayed, shipment.delay_reason) == (True, "no_movement")
    assert OrderEvent.objects.filter(order=order, type="shipment_delayed").count() == 1
    assert Notification.objects.filter(order=order, kind="seller_delivery_exception").count() == 1


def test_movement_keeps_a_slow_parcel_from_being_flagged(seller, product, place):
    with time_machine.travel(SHIPPED_AT, tick=False) as clock:
        order = ship(place(seller))
        for day in (1, 2, 3):
            clock.move_to(SHIPPED_AT + timedelta(days=day))
            scan(shipment_of(order).tracking_number, "in_transit", SHIPPED_AT + timedelta(days=day))
        clock.move_to(SHIPPED_AT + timedelta(days=4))

        assert flag_delayed_shipments() == 0

    assert not shipment_of(order).delayed


def test_a_parcel_past_its_eta_is_flagged_missed_eta(seller, product, place):
    with time_machine.travel(SHIPPED_AT, tick=False) as clock:
        order = ship(place(seller))
        eta = shipment_of(order).eta
        for day in range(1, 8):  # scans every day, so it is not "no movement"
            clock.move_to(SHIPPED_AT + timedelta(days=day))
            scan(shipment_of(order).tracking_number, "in_transit", SHIPPED_AT + timedelta(days=day))
            if SHIPPED_AT + timedelta(days=day) < eta:
                assert flag_delayed_shipments() == 0
        assert flag_delayed_shipments() == 1

    assert shipment_of(order).delay_reason == "missed_eta"


def test_an_untracked_parcel_is_flagged_only_for_a_missed_eta(seller, product, place):
    with time_machine.travel(SHIPPED_AT, tick=False) as clock:
        order = ship(place(seller), carrier="other", service_level="standard", number="HAND DELIVERED 7")
        clock.move_to(SHIPPED_AT + timedelta(days=4))
        assert flag_delayed_shipments() == 0
        clock.move_to(shipment_of(order).eta + timedelta(minutes=1))
        assert flag_delayed_shipments() == 1

    assert shipment_of(order).delay_reason == "missed_eta"


def test_a_delivered_parcel_is_never_flagged(seller, product, place):
    with time_machine.travel(SHIPPED_AT, tick=False) as clock:
        order = ship(place(seller))
        clock.move_to(SHIPPED_AT + timedelta(days=1))
        scan(shipment_of(order).tracking_number, "delivered", SHIPPED_AT + timedelta(days=1))
        clock.move_to(SHIPPED_AT + timedelta(days=30))

        assert flag_delayed_shipments() == 0

    assert not shipment_of(order).delayed
