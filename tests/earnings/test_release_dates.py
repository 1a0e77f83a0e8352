"""Earnings become available at delivered + hold days in the seller's timezone, or at the fallback."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from shipdesk.earnings import selectors
from shipdesk.earnings import services as earnings
from shipdesk.earnings.holds import release_after_delivery
from shipdesk.orders import services
from tests.builders import OPERATOR_ACTOR, SELLER_ACTOR

BERLIN = ZoneInfo("Europe/Berlin")


def _ship(order):
    services.confirm_order(order_id=order.pk, seller_id=order.seller_id, actor=SELLER_ACTOR)
    services.process_order(order_id=order.pk, seller_id=order.seller_id, actor=SELLER_ACTOR)
    return services.ship_order(
        order_id=order.pk,
        seller_id=order.seller_id,
        actor=SELLER_ACTOR,
        carrier="other",
        service_level="standard",
        tracking_number=f"PKG-{order.pk}",
    )


def _balance(seller):
    (balance,) = selectors.balances(seller_id=seller.pk)
    return balance


def _delivered_on_friday(seller, make_product, place):
    make_product(seller, "MUG-1", price="20.00")
    with time_machine.travel(datetime(2026, 11, 18, 10, 0, tzinfo=BERLIN), tick=False) as clock:  # a Wednesday
        order = place(seller, lines=(("MUG-1", 1, "20.00"),), shipping_fee=Decimal("5.00"))
        _ship(order)
        clock.move_to(
            datetime(2026, 11, 20, 23, 30, tzinfo=BERLIN)
        )  # Friday, late evening in Berlin (Friday 22:30 UTC)
        services.deliver_order(order_id=order.pk, seller_id=seller.pk, actor=OPERATOR_ACTOR)
    return order


def test_an_order_delivered_on_a_friday_with_3_hold_days_is_available_on_monday_in_the_sellers_timezone(
    make_seller, make_product, place
):
    seller = make_seller(tz="Europe/Berlin")
    _delivered_on_friday(seller, make_product, place)
    net = Decimal("25.00") - Decimal("2.50")  # 10 % commission

    with time_machine.travel(datetime(2026, 11, 22, 23, 59, tzinfo=BERLIN), tick=False):  # Sunday night, Berlin
        earnings.release_due()
        assert (_balance(seller).pending, _balance(seller).available) == (net, Decimal("0.00"))
    with time_machine.travel(
        datetime(2026, 11, 23, 0, 0, tzinfo=BERLIN), tick=False
    ):  # Monday 00:00 Berlin = Sunday 23:00 UTC
        earnings.release_due()
        assert (_balance(seller).pending, _balance(seller).available) == (Decimal("0.00"), net)


def test_a_penalised_sellers_longer_hold_keeps_the_money_pending_on_monday(make_seller, make_product, place):
    seller = make_seller(tz="Europe/Berlin")
    seller.hold_days = 7  # the operator lengthened the hold of a penalised seller
    seller.save(update_fields=["hold_days"])
    _delivered_on_friday(seller, make_product, place)

    with time_machine.travel(datetime(2026, 11, 23, 12, 0, tzinfo=BERLIN), tick=False):  # Monday
        earnings.release_due()
        assert _balance(seller).available == Decimal("0.00")
    with time_machine.travel(datetime(2026, 11, 27, 0, 0, tzinfo=BERLIN), tick=False):  # the next Friday
        earnings.release_due()
        assert _balance(seller).available == Decimal("22.50")


def test_without_a_delivery_event_the_money_is_available_30_days_after_shipping(make_seller, make_product, place):
    seller = make_seller(tz="America/New_York")
    make_product(seller, "MUG-1", price="20.00")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    with time_machine.travel(start, tick=False) as clock:
        order = _ship(place(seller, lines=(("MUG-1", 1, "20.00"),), shipping_fee=Decimal("0")))
        clock.move_to(order.shipped_at + timedelta(days=30) - timedelta(seconds=1))
        earnings.release_due()
        assert _balance(seller).available == Decimal("0.00")
        clock.move_to(order.shipped_at + timedelta(days=30))
        earnings.release_due()
        assert _balance(seller).available == Decimal("18.00")


def test_the_hold_ends_at_local_midnight_across_a_daylight_saving_change():
    # Delivered Friday 2026-10-23 in New York; clocks fall back on Sunday 2026-11-01 — and on
    # 2026-10-25 in Europe, not here — so 3 days later is Monday 00:00 EDT = 04:00 UTC.
    delivered = datetime(2026, 10, 23, 18, 0, tzinfo=ZoneInfo("America/New_York"))
    at = release_after_delivery(delivered_at=delivered, hold_days=3, timezone="America/New_York")
    assert at == datetime(2026, 10, 26, 4, 0, tzinfo=ZoneInfo("UTC"))
