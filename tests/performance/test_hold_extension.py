"""Penalty points lengthen the earnings hold (issue 6): one extra day per active point."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from shipdesk.earnings import selectors as earnings_selectors
from shipdesk.earnings import services as earnings
from shipdesk.orders import services
from shipdesk.performance.services import evaluate_all_sellers, extra_hold_days
from tests.builders import OPERATOR_ACTOR, SELLER_ACTOR
from tests.performance import history as h

BERLIN = ZoneInfo("Europe/Berlin")
EVALUATED = datetime(2026, 11, 18, 8, 0, tzinfo=BERLIN)  # Wednesday morning: Tuesday's evaluation
NET = Decimal("22.50")  # 20.00 + 5.00 shipping − 10 % commission


def _penalise(seller):
    """100 orders shipped in the last 20 days, 5 late: a late shipment rate of 5 % (3 points)."""
    end = datetime(2026, 11, 18, 0, 0, tzinfo=BERLIN)
    rows = []
    for i in range(100):
        processing_at = end - timedelta(days=20) + i * timedelta(minutes=30)
        shipped_at = processing_at + timedelta(days=4 if i < 5 else 1)
        rows.append(
            h.order(
                seller,
                placed_at=processing_at - timedelta(hours=2),
                processing_at=processing_at,
                shipped_at=shipped_at,
                delivered_at=shipped_at + timedelta(days=2),
            )
        )
    h.save(rows)
    evaluate_all_sellers(now=EVALUATED, seller_ids=[seller.pk])


def _delivered_on_friday(seller, make_product, place):
    make_product(seller, "MUG-1", price="20.00")
    with time_machine.travel(EVALUATED, tick=False) as clock:
        order = place(seller, lines=(("MUG-1", 1, "20.00"),), shipping_fee=Decimal("5.00"))
        services.confirm_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR)
        services.process_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR)
        services.ship_order(
            order_id=order.pk,
            seller_id=seller.pk,
            actor=SELLER_ACTOR,
            carrier="other",
            service_level="standard",
            tracking_number=f"PKG-{order.pk}",
        )
        clock.move_to(datetime(2026, 11, 20, 18, 0, tzinfo=BERLIN))  # Friday evening
        services.deliver_order(order_id=order.pk, seller_id=seller.pk, actor=OPERATOR_ACTOR)


def _available_on(seller, day: date) -> Decimal:
    with time_machine.travel(
        datetime.combine(day, datetime.min.time(), tzinfo=BERLIN) + timedelta(hours=12), tick=False
    ):
        earnings.release_due()
        (balance,) = earnings_selectors.balances(seller_id=seller.pk)
        return balance.available


def test_an_order_delivered_on_friday_is_available_monday_for_a_good_seller_and_three_days_later_for_a_penalised_one(
    make_seller, make_product, place
):
    good = make_seller("good", tz="Europe/Berlin")
    penalised = make_seller("penalised", tz="Europe/Berlin")
    _penalise(penalised)
    assert extra_hold_days(penalised) == 3 and extra_hold_days(good) == 0

    _delivered_on_friday(good, make_product, place)
    _delivered_on_friday(penalised, make_product, place)

    monday, wednesday, thursday = date(2026, 11, 23), date(2026, 11, 25), date(2026, 11, 26)
    assert _available_on(good, monday) == NET
    assert _available_on(penalised, monday) == Decimal("0.00")
    assert _available_on(penalised, wednesday) == Decimal("0.00")
    assert _available_on(penalised, thursday) == NET  # Friday + 3 policy days + 3 penalty days


def test_the_hold_extension_is_one_read_of_the_sellers_standing(make_seller, django_assert_num_queries):
    shop = make_seller("shop", tz="UTC")
    with django_assert_num_queries(1):
        assert extra_hold_days(shop) == 0
