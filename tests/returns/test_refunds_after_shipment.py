"""Refunds after shipment: units with their exact tax, the shipping once, or an amount — never more
than is left — paid through the provider, reversed in the ledger, told to the customer."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from shipdesk.earnings import selectors as earnings_selectors
from shipdesk.earnings import services as earnings
from shipdesk.earnings.models import LedgerEntry, Payout
from shipdesk.errors import InvalidTransition, StateConflict, ValidationFailed
from shipdesk.jobs.worker import run_until_idle
from shipdesk.notifications.models import Notification
from shipdesk.orders import services
from shipdesk.orders.models import Order, OrderEvent, ShippedRefund
from shipdesk.payments.models import Refund
from tests.builders import SELLER_ACTOR, advance
from tests.returns.conftest import delivered_untracked

D = Decimal


def _refund(order, **kwargs):
    kwargs.setdefault("reason", "damaged")
    kwargs.setdefault("source", "goodwill")
    return services.refund_shipped_order(order_id=order.pk, seller_id=order.seller_id, actor=SELLER_ACTOR, **kwargs)


def _line(order, sku):
    return order.lines.get(sku=sku)


def test_refunding_two_units_of_a_delivered_order_refunds_their_price_and_exact_tax_share(delivered):
    mug = _line(delivered, "MUG-1")

    refund = _refund(delivered, lines=[(mug.pk, 2)])

    assert (refund.items, refund.tax, refund.shipping, refund.amount) == (D("20.00"), D("2.00"), D(0), D("22.00"))
    order = Order.objects.get(pk=delivered.pk)
    assert (order.refunded_total, order.refunded_tax, order.payment_status) == (
        D("22.00"),
        D("2.00"),
        "partially_refunded",
    )
    assert _line(order, "MUG-1").quantity_refunded == 2
    # Through the provider, as a cancellation's refund goes: a pending refund and its job.
    payment = Refund.objects.get(order=order)
    assert payment.amount == D("22.00") and refund.payment_refund == payment
    run_until_idle()
    payment.refresh_from_db()
    assert payment.status == Refund.Status.SUCCEEDED
    # The customer is told, once, with the breakdown.
    mail = Notification.objects.get(order=order, kind=Notification.Kind.CUSTOMER_REFUNDED)
    assert "$22.00" in mail.body_text and "Tax" in mail.body_text
    assert OrderEvent.objects.filter(order=order, type="refunded_after_shipment").count() == 1


def test_the_tax_of_a_line_refunded_unit_by_unit_adds_up_to_the_line_tax_exactly(seller, make_product, place):
    make_product(seller, "MUG-1", price="10.00")
    order = advance(place(seller, lines=(("MUG-1", 3, "10.00", "1.00"),)), "delivered")
    mug = _line(order, "MUG-1")

    taxes = [_refund(order, lines=[(mug.pk, 1)]).tax for _ in range(3)]

    assert taxes == [D("0.33"), D("0.34"), D("0.33")]
    assert sum(taxes) == D("1.00")


def test_the_shipping_is_refunded_with_its_tax_once_per_order(delivered):
    refund = _refund(delivered, shipping=True)
    assert (refund.shipping, refund.tax) == (D("4.99"), D("0.50"))

    with pytest.raises(ValidationFailed) as refused:
        _refund(delivered, shipping=True)
    assert refused.value.details == {"shipping": ["The shipping of this order was refunded already."]}


def test_a_goodwill_amount_carries_tax_in_proportion_and_never_exceeds_what_is_left(delivered):
    order = Order.objects.get(pk=delivered.pk)
    assert order.total == D("49.49")  # 30 + 10 + 4.99 + 4.50 tax

    refund = _refund(delivered, amount=D("10.00"), reason="late_delivery")
    assert refund.goodwill and refund.amount == D("10.00")
    assert refund.tax == D("0.91")  # 10.00 × 4.50 / 49.49, rounded half to even

    with pytest.raises(ValidationFailed) as refused:
        _refund(delivered, amount=D("39.50"))
    assert refused.value.details == {"amount": ["At most 39.49, what is left to refund."]}
    assert ShippedRefund.objects.filter(order=delivered).count() == 1


def test_units_already_refunded_cannot_be_refunded_again(delivered):
    cap = _line(delivered, "CAP-1")
    _refund(delivered, lines=[(cap.pk, 2)])

    with pytest.raises(ValidationFailed) as refused:
        _refund(delivered, lines=[(cap.pk, 1)])
    assert refused.value.details == {"lines.0.quantity": ["Every unit of this line was refunded already."]}


def test_refunding_everything_makes_the_order_refunded_and_anything_more_is_a_conflict(delivered):
    mug, cap = _line(delivered, "MUG-1"), _line(delivered, "CAP-1")
    _refund(delivered, lines=[(mug.pk, 3), (cap.pk, 2)], shipping=True)

    order = Order.objects.get(pk=delivered.pk)
    assert order.payment_status == "refunded"
    assert (order.refunded_total, order.refunded_tax) == (order.total, order.tax_total)
    with pytest.raises(StateConflict):
        _refund(delivered, amount=D("1.00"))


def test_an_order_not_yet_shipped_is_refused_and_nothing_changes(seller, product, place):
    order = advance(place(seller), "processing")
    line = order.lines.get()

    with pytest.raises(InvalidTransition):
        _refund(order, lines=[(line.pk, 1)])
    assert not ShippedRefund.objects.exists() and not Refund.objects.exists()


def test_the_same_idempotency_key_is_one_refund(delivered):
    mug = _line(delivered, "MUG-1")
    first = _refund(delivered, lines=[(mug.pk, 1)], idempotency_key="claim-7")
    again = _refund(delivered, lines=[(mug.pk, 1)], idempotency_key="claim-7")

    assert again.pk == first.pk
    assert Refund.objects.filter(order=delivered).count() == 1


def test_the_ledger_is_reversed_by_the_non_tax_part_at_the_sales_commission_rate(delivered):
    mug = _line(delivered, "MUG-1")
    _refund(delivered, lines=[(mug.pk, 2)])  # 20.00 + 2.00 tax

    kinds: dict[str, Decimal] = {}
    for entry in LedgerEntry.objects.filter(order=delivered):
        kinds[entry.kind] = kinds.get(entry.kind, D(0)) + entry.pending + entry.available
    # Sold 44.99 net of tax; 10 % commission 4.50. Refund reverses 20.00 and returns 2.00 commission.
    assert kinds["refund_reversal"] == D("-20.00")
    assert kinds["commission"] == D("-4.50") + D("2.00")


def test_a_refund_after_release_leaves_a_negative_balance_that_the_next_payout_nets(
    seller, make_product, place, tmp_path
):
    make_product(seller, "MUG-1", price="10.00")
    make_product(seller, "CAP-1", price="5.00")
    start = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # a Monday
    with time_machine.travel(start, tick=False) as clock:
        first = advance(place(seller, lines=(("MUG-1", 1, "10.00"),), shipping_fee=D("0")), "delivered")
        clock.shift(timedelta(days=5))
        earnings.release_due()
        call_command("payouts", "--execute", statements=str(tmp_path), stdout=io.StringIO())
        assert Payout.objects.get().amount == D("9.00")  # 10.00 less 10 % commission

        # Refunded after the money was released and paid out: the balance goes below zero.
        _refund(first, lines=[(first.lines.get().pk, 1)])
        [balance] = earnings_selectors.balances(seller_id=seller.pk)
        assert balance.available == D("-9.00")
        out = io.StringIO()
        call_command("payouts", "--execute", statements=str(tmp_path), stdout=out)
        assert Payout.objects.count() == 1  # never a payout below zero
        assert "Nothing to pay out" in out.getvalue()

        # The next order's earnings are netted against it.
        second = delivered_untracked(place(seller, lines=(("CAP-1", 4, "5.00"),), shipping_fee=D("0")), 2)
        clock.shift(timedelta(days=5))
        earnings.release_due()
        call_command("payouts", "--execute", statements=str(tmp_path), stdout=io.StringIO())
    assert second.total == D("20.00")
    assert Payout.objects.order_by("-id").first().amount == D("9.00")  # 18.00 earned − 9.00 owed
    [balance] = earnings_selectors.balances(seller_id=seller.pk)
    assert balance.available == D("0.00")
