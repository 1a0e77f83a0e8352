"""Refunds and returns under real parallel connections (PostgreSQL only): money goes back once.

Each test releases its callers together from a barrier, each thread on its own connection, and the
transactions commit for real, as two web workers (or a double click) would race.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from shipdesk.errors import ShipdeskError
from shipdesk.orders import services
from shipdesk.orders.models import Order
from shipdesk.payments.models import Refund
from shipdesk.returns import services as returns
from shipdesk.returns.models import ReturnPolicy, ReturnRequest
from tests.builders import PLATFORM_ACTOR, SELLER_ACTOR
from tests.parallel import errors, run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_refunds_of_the_same_units_never_refund_more_than_the_order(delivered):
    mug = delivered.lines.get(sku="MUG-1")

    def refund_all_mugs():
        return services.refund_shipped_order(
            order_id=delivered.pk,
            seller_id=delivered.seller_id,
            actor=SELLER_ACTOR,
            lines=[(mug.pk, 3)],
            reason="damaged",
            source="goodwill",
        )

    outcomes = run_together([refund_all_mugs, refund_all_mugs, refund_all_mugs])

    assert sum(o.error is None for o in outcomes) == 1
    assert all(isinstance(o.error, ShipdeskError) for o in outcomes if o.error is not None)
    order = Order.objects.get(pk=delivered.pk)
    assert order.refunded_total == Decimal("33.00") <= order.total
    assert Refund.objects.filter(order=order).count() == 1


def test_two_concurrent_goodwill_amounts_stop_at_what_is_left(delivered):
    def refund_forty():
        return services.refund_shipped_order(
            order_id=delivered.pk,
            seller_id=delivered.seller_id,
            actor=SELLER_ACTOR,
            amount=Decimal("40.00"),
            reason="goodwill",
            source="goodwill",
        )

    outcomes = run_together([refund_forty, refund_forty])

    assert sum(o.error is None for o in outcomes) == 1
    order = Order.objects.get(pk=delivered.pk)
    assert order.refunded_total == Decimal("40.00")


def _approved_return(order):
    mug = order.lines.get(sku="MUG-1")
    request = returns.request_return(
        order_id=order.pk, seller_id=None, actor=PLATFORM_ACTOR, lines=[(mug.pk, 2, "faulty")]
    )
    returns.approve_return(
        return_id=request.pk, seller_id=order.seller_id, actor=SELLER_ACTOR, return_address="Acme, 1 Dock Road"
    )
    return request, mug


def test_two_concurrent_receives_of_one_return_restock_and_refund_it_once(delivered):
    request, mug = _approved_return(delivered)

    def receive():
        return returns.receive_return(
            return_id=request.pk,
            seller_id=delivered.seller_id,
            actor=SELLER_ACTOR,
            lines=[(mug.pk, 2, "resellable")],
        )

    outcomes = run_together([receive, receive])

    assert sum(o.error is None for o in outcomes) == 1
    assert ReturnRequest.objects.get(pk=request.pk).status == "refunded"
    assert Refund.objects.filter(order=delivered).count() == 1
    mug.product.refresh_from_db()
    assert mug.product.on_hand == 10 - 3 + 2  # shipped 3, 2 came back once


def test_two_concurrent_refunds_of_a_received_return_pay_once(delivered):
    request, mug = _approved_return(delivered)
    returns.receive_return(
        return_id=request.pk, seller_id=delivered.seller_id, actor=SELLER_ACTOR, lines=[(mug.pk, 2, "damaged")],
        refund=False,
    )  # fmt: skip

    def refund():
        return returns.refund_return(return_id=request.pk, seller_id=delivered.seller_id, actor=SELLER_ACTOR)

    outcomes = run_together([refund, refund])

    assert sum(o.error is None for o in outcomes) == 1
    assert Refund.objects.filter(order=delivered).count() == 1
    assert Order.objects.get(pk=delivered.pk).refunded_total == Decimal("22.00") + Decimal("4.99") + Decimal("0.50")


def test_a_shops_first_return_policy_saved_twice_at_once_is_one_row_and_no_error(seller):
    def save(days):
        return lambda: returns.set_return_policy(seller_id=seller.pk, window_days=days, shipping_policy="seller")

    outcomes = run_together([save(20), save(40), save(60)])

    assert errors(outcomes) == []
    assert ReturnPolicy.objects.filter(seller=seller).count() == 1
    assert ReturnPolicy.objects.get(seller=seller).window_days in (20, 40, 60)
