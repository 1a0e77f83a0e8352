"""An alert that asks the seller for a step of an order is settled by that step.

The bell must not keep saying "confirm #1001" once #1001 is confirmed or cancelled: the order
services mark those alerts read in the transaction of the step; news about the order stays unread.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from shipdesk.errors import ShipdeskError
from shipdesk.notifications.models import Alert
from shipdesk.notifications.services import raise_alert
from shipdesk.orders import services, sweeps
from tests.builders import SELLER_ACTOR, advance


def unread(order) -> list[str]:
    return sorted(Alert.objects.filter(order=order, read_at__isnull=True).values_list("kind", flat=True))


def test_confirming_an_order_marks_its_new_order_and_overdue_alerts_read(seller, product, place):
    order = place(seller)
    other = place(seller)
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        sweeps.sweep_deadlines()
        assert unread(order) == ["seller_new_order", "seller_overdue"]

        services.confirm_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR)

    assert unread(order) == []
    assert unread(other) == ["seller_new_order", "seller_overdue"]  # not this order's step


def test_starting_processing_settles_the_process_alerts_and_nothing_else(seller, product, place):
    order = advance(place(seller), "confirmed")
    raise_alert(seller_id=seller.pk, order=order, kind="customer_message", title="The customer wrote")
    with time_machine.travel(timezone.now() + timedelta(days=10), tick=False):
        sweeps.sweep_deadlines()
        assert unread(order) == ["customer_message", "seller_overdue"]

        services.process_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR)

    assert unread(order) == ["customer_message"]


def test_shipping_settles_the_ship_alerts(seller, product, place):
    order = advance(place(seller), "processing")
    with time_machine.travel(timezone.now() + timedelta(days=10), tick=False):
        sweeps.sweep_deadlines()
        assert unread(order) == ["seller_overdue"]

        advance(order, "shipped")

    assert unread(order) == []


def test_cancelling_an_order_marks_every_alert_asking_for_a_step_read(seller, make_product, place):
    make_product(seller, "MUG-1", on_hand=0)  # short: a new-order and an out-of-stock alert
    order = place(seller)
    assert unread(order) == ["seller_new_order", "seller_out_of_stock"]

    services.cancel_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, reason="out_of_stock")

    assert unread(order) == []
    assert Alert.objects.filter(order=order, read_at__isnull=False).count() == 2


def test_a_refused_step_leaves_its_alerts_unread(seller, product, place):
    order = place(seller, paid=False)
    assert unread(order) == ["seller_new_order"]

    with pytest.raises(ShipdeskError):
        services.confirm_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR)

    assert unread(order) == ["seller_new_order"]
