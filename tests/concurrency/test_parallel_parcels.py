"""Two clerks shipping parcels of one order at the same instant (PostgreSQL only): no unit ever
ships twice, and the order is shipped exactly once."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from shipdesk.errors import ValidationFailed
from shipdesk.notifications.models import Notification
from shipdesk.orders import services
from shipdesk.orders.models import Order, OrderEvent
from shipdesk.shipping.models import Shipment, ShipmentLine
from tests.builders import OTHER_UPS_NUMBER, SELLER_ACTOR, UPS_NUMBER, advance
from tests.parallel import errors, run_together, values

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FEDEX_NUMBER = "986578788855"  # a FedEx Express number from the published test vectors


def parcel_call(order: Order, lines: dict, number: str, carrier: str = "ups", service: str = "ground"):
    return lambda: services.ship_parcel(
        order_id=order.pk,
        seller_id=order.seller_id,
        actor=SELLER_ACTOR,
        carrier=carrier,
        service_level=service,
        tracking_number=number,
        lines=lines,
    )


def test_two_parcels_of_the_same_units_at_once_never_ship_a_unit_twice(seller, make_product, place):
    make_product(seller, "MUG-1", on_hand=10)
    order = advance(place(seller, lines=(("MUG-1", 3, "12.50"),)), "processing")
    line = order.lines.get()

    # when two clerks each pack 2 of the 3 units and ship at the same instant
    outcomes = run_together(
        [parcel_call(order, {line.pk: 2}, UPS_NUMBER), parcel_call(order, {line.pk: 2}, OTHER_UPS_NUMBER)]
    )

    # then one parcel leaves; the other is refused, since only 1 unit was left to ship
    assert len(values(outcomes)) == 1
    [refusal] = errors(outcomes)
    assert isinstance(refusal, ValidationFailed), refusal
    assert refusal.details == {"lines": {str(line.pk): ["At most 1, the units of this line not yet in a parcel."]}}
    assert ShipmentLine.objects.filter(line=line).aggregate(units=Sum("quantity"))["units"] == 2
    assert Order.objects.get(pk=order.pk).status == "processing"


def test_two_clerks_shipping_the_two_halves_at_once_ship_the_order_exactly_once(seller, make_product, place):
    make_product(seller, "MUG-1", on_hand=10)
    make_product(seller, "MUG-2", on_hand=10)
    order = advance(place(seller, lines=(("MUG-1", 1, "12.50"), ("MUG-2", 1, "8.00"))), "processing")
    first, second = order.lines.order_by("id")

    outcomes = run_together(
        [
            parcel_call(order, {first.pk: 1}, UPS_NUMBER),
            parcel_call(order, {second.pk: 1}, FEDEX_NUMBER, carrier="fedex"),
        ]
    )

    assert errors(outcomes) == []
    order.refresh_from_db()
    assert order.status == "shipped"
    assert Shipment.objects.filter(order=order).count() == 2
    assert OrderEvent.objects.filter(order=order, type="shipped").count() == 1
    assert OrderEvent.objects.filter(order=order, type="parcel_shipped").count() == 1
    assert Notification.objects.filter(order=order, kind="customer_shipped").count() == 2


def test_ten_identical_parcels_at_once_put_each_unit_in_one_parcel(seller, make_product, place):
    make_product(seller, "MUG-1", on_hand=10)
    order = advance(place(seller, lines=(("MUG-1", 1, "12.50"),)), "processing")
    line = order.lines.get()

    outcomes = run_together([parcel_call(order, {line.pk: 1}, UPS_NUMBER)] * 10)

    assert len(values(outcomes)) == 1
    assert ShipmentLine.objects.filter(line=line).aggregate(units=Sum("quantity"))["units"] == 1
    assert OrderEvent.objects.filter(order=order, type="shipped").count() == 1
