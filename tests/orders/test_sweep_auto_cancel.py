"""Auto-cancel (docs/workflow.md): unpaid after 48 h, paid and unconfirmed after 72 h — policy settings.

Each cancellation releases the stock, refunds what was paid, tells the customer and the seller,
and is recorded so it counts as docs/workflow.md says: unpaid is not the seller's fault, unconfirmed is.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine

from shipdesk.inventory.models import Product
from shipdesk.jobs.worker import run_until_idle
from shipdesk.notifications.models import Alert
from shipdesk.orders import services, sweeps
from shipdesk.orders.models import Order, OrderEvent
from shipdesk.payments.models import Refund
from tests.builders import PLATFORM_ACTOR, advance
from tests.notifications.mail_server import body

T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)  # Monday


def reserved() -> int:
    return Product.objects.get(sku="MUG-1").reserved


def test_an_unpaid_order_is_cancelled_after_48_hours_releasing_stock_and_not_counting_against_the_seller(
    seller, product, place, mail_server
):
    with time_machine.travel(T0, tick=False) as clock:
        order = place(seller, paid=False)
        assert reserved() == 2

        clock.move_to(T0 + timedelta(hours=47, minutes=59))
        sweeps.sweep_auto_cancel()
        assert Order.objects.get(pk=order.pk).status == "pending"

        clock.move_to(T0 + timedelta(hours=48))
        sweeps.sweep_auto_cancel()
        sweeps.sweep_auto_cancel()
        run_until_idle()

    order.refresh_from_db()
    cancellation = order.cancellations.get()
    assert (order.status, cancellation.reason, cancellation.actor_kind) == ("cancelled", "unpaid_timeout", "system")
    assert cancellation.refund_amount == 0 and not Refund.objects.filter(order=order).exists()
    assert "Not counted against the shop" in cancellation.note
    assert sweeps.SELLER_CAUSED_TIMEOUTS[cancellation.reason] is False
    assert reserved() == 0
    [mail] = mail_server.messages("customer_cancelled")
    assert "because the payment did not arrive in time" in body(mail, "plain")
    assert "You have not been charged." in body(mail, "plain")
    alert = Alert.objects.get(order=order, kind="seller_auto_cancelled")
    assert alert.title == f"Order #{order.number} was cancelled automatically: it was not paid within 48 hours"
    [seller_mail] = mail_server.messages("seller_auto_cancelled")
    assert "This does not count against your shop." in body(seller_mail, "plain")


def test_a_paid_order_left_unconfirmed_72_hours_is_cancelled_refunded_and_counted_against_the_seller(
    seller, product, place, mail_server
):
    with time_machine.travel(T0, tick=False) as clock:
        order = place(seller, paid=True)
        clock.move_to(T0 + timedelta(hours=24, minutes=1))
        run_until_idle()  # overdue to confirm: flagged late, the seller alerted

        clock.move_to(T0 + timedelta(hours=71, minutes=59))
        sweeps.sweep_auto_cancel()
        assert Order.objects.get(pk=order.pk).status == "pending"

        clock.move_to(T0 + timedelta(hours=72))
        run_until_idle()  # the scheduler runs the sweep, then the refund and the emails

    order.refresh_from_db()
    cancellation = order.cancellations.get()
    assert (order.status, cancellation.reason, cancellation.actor_kind) == (
        "cancelled",
        "unconfirmed_timeout",
        "system",
    )
    assert sweeps.SELLER_CAUSED_TIMEOUTS[cancellation.reason] is True
    assert "Counts as a cancellation by the shop" in cancellation.note
    assert reserved() == 0
    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.status) == (Decimal("29.99"), "succeeded")
    assert order.payment_status == "refunded"
    [mail] = mail_server.messages("customer_cancelled")
    assert "A refund of $29.99 is on its way" in body(mail, "plain")
    [seller_mail] = mail_server.messages("seller_auto_cancelled")
    assert "This counts as a cancellation by your shop" in body(seller_mail, "plain")
    # It was overdue to confirm long before: flagged late, alerted once.
    assert order.confirmed_late
    assert len(mail_server.messages("seller_overdue")) == 1
    assert OrderEvent.objects.filter(order=order, type="cancelled", actor_kind="system").count() == 1


def test_the_72_hours_start_when_the_money_arrived(seller, product, place):
    with time_machine.travel(T0, tick=False) as clock:
        order = place(seller, paid=False)
        clock.move_to(T0 + timedelta(hours=40))
        services.update_payment(
            order_id=order.pk,
            seller_id=None,
            actor=PLATFORM_ACTOR,
            status="paid",
            amount=order.total,
            reference="pay_1",
        )

        clock.move_to(T0 + timedelta(hours=48, minutes=1))
        sweeps.sweep_auto_cancel()  # paid now: no unpaid timeout
        clock.move_to(T0 + timedelta(hours=40 + 71))
        sweeps.sweep_auto_cancel()
        assert Order.objects.get(pk=order.pk).status == "pending"

        clock.move_to(T0 + timedelta(hours=40 + 72))
        sweeps.sweep_auto_cancel()
    assert Order.objects.get(pk=order.pk).cancellations.get().reason == "unconfirmed_timeout"


def test_a_confirmed_order_is_never_auto_cancelled(seller, product, place):
    with time_machine.travel(T0, tick=False) as clock:
        order = advance(place(seller, paid=True), "confirmed")
        clock.move_to(T0 + timedelta(days=10))
        sweeps.sweep_auto_cancel()
    assert Order.objects.get(pk=order.pk).status == "confirmed"


def test_a_sellers_own_timeouts_apply(seller, product, place):
    seller.unpaid_cancel_hours = 24
    seller.save(update_fields=["unpaid_cancel_hours"])
    with time_machine.travel(T0, tick=False) as clock:
        mine = place(seller, paid=False)
        clock.move_to(T0 + timedelta(hours=24))
        sweeps.sweep_auto_cancel()
    assert Order.objects.get(pk=mine.pk).status == "cancelled"


def test_auto_cancel_frees_stock_for_an_order_waiting_on_it(seller, make_product, place):
    make_product(seller, "LAMP", on_hand=1)
    with time_machine.travel(T0, tick=False) as clock:
        first = place(seller, paid=False, lines=(("LAMP", 1, "40.00"),))
        second = place(seller, paid=True, lines=(("LAMP", 1, "40.00"),))
        assert second.lines.get().stock == "short"
        clock.move_to(T0 + timedelta(hours=48))
        sweeps.sweep_auto_cancel()
    assert Order.objects.get(pk=first.pk).status == "cancelled"
    assert second.lines.get().stock == "reserved"
