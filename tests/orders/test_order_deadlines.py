"""Deadlines as the services set them (docs/workflow.md Deadlines): the seller's timezone, country
holidays and closure days, DST, the ETA of the service level, and the late flags.

Time stands still at fixed instants (time_machine, tick=False); every expected deadline is
written out by hand from a calendar, not computed with the code under test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shipdesk.accounts.models import ClosureDay
from shipdesk.orders import services
from shipdesk.orders.models import Order, OrderEvent
from tests.builders import OPERATOR_ACTOR, PLATFORM_ACTOR, SELLER_ACTOR, UPS_NUMBER

NEW_YORK = ZoneInfo("America/New_York")
NAIROBI = ZoneInfo("Africa/Nairobi")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def clock():
    """A stopped clock the test moves by hand: `clock(instant)` sets the time."""
    traveller = time_machine.travel(utc(2026, 1, 5, 12, 0), tick=False)
    shift = traveller.start()

    def move_to(instant: datetime) -> None:
        shift.move_to(instant)

    yield move_to
    traveller.stop()


@pytest.fixture
def us_seller(make_seller, make_product):
    seller = make_seller("nyc", country="US", tz="America/New_York")
    make_product(seller, "MUG-1", on_hand=50)
    return seller


@pytest.fixture
def kenyan_seller(make_seller, make_product):
    seller = make_seller("nairobi", country="KE", tz="Africa/Nairobi")
    make_product(seller, "MUG-1", on_hand=50, currency="USD")
    return seller


def confirm(order, actor=SELLER_ACTOR):
    return services.confirm_order(order_id=order.pk, seller_id=order.seller_id, actor=actor)


def process(order):
    return services.process_order(order_id=order.pk, seller_id=order.seller_id, actor=SELLER_ACTOR)


def ship(order, carrier="ups", service_level="ground", tracking_number=UPS_NUMBER):
    return services.ship_order(
        order_id=order.pk,
        seller_id=order.seller_id,
        actor=SELLER_ACTOR,
        carrier=carrier,
        service_level=service_level,
        tracking_number=tracking_number,
    )


def deliver(order, delivered_at=None):
    return services.deliver_order(
        order_id=order.pk, seller_id=order.seller_id, actor=OPERATOR_ACTOR, delivered_at=delivered_at
    )


def event(order, type):
    return OrderEvent.objects.get(order_id=order.pk, type=type)


# --- confirm: 24 hours after the later of placed and paid -----------------------------------


def test_an_order_paid_at_checkout_must_be_confirmed_within_24_hours_of_placing(clock, us_seller, place):
    clock(utc(2026, 1, 6, 10, 0))

    order = place(us_seller)

    assert order.confirm_by == utc(2026, 1, 7, 10, 0)
    assert order.action_due_at == order.confirm_by


def test_an_order_placed_earlier_by_the_storefront_counts_from_its_placing(clock, us_seller, place):
    # given the storefront reports, at 10:00, an order its customer paid for at 08:30
    clock(utc(2026, 1, 6, 10, 0))

    order = place(us_seller, placed_at=utc(2026, 1, 6, 8, 30))

    assert order.confirm_by == utc(2026, 1, 7, 8, 30)


def test_an_unpaid_order_has_no_confirm_deadline_until_it_is_paid(clock, us_seller, place):
    clock(utc(2026, 1, 6, 10, 0))
    order = place(us_seller, paid=False)
    assert (order.confirm_by, order.action_due_at) == (None, None)

    clock(utc(2026, 1, 7, 9, 15))
    services.update_payment(
        order_id=order.pk,
        seller_id=order.seller_id,
        actor=PLATFORM_ACTOR,
        status="paid",
        amount=order.total,
        reference="pi_1",
    )

    order = Order.objects.get(pk=order.pk)
    assert order.confirm_by == utc(2026, 1, 8, 9, 15)
    assert order.action_due_at == order.confirm_by


def test_the_confirm_window_is_24_real_hours_across_a_clock_change(clock, us_seller, place):
    # given an order paid on Saturday 7 Mar 2026 at noon in New York; clocks go forward that night
    clock(datetime(2026, 3, 7, 12, 0, tzinfo=NEW_YORK))

    order = place(us_seller)

    # then 24 elapsed hours later is 13:00 on the local clock
    assert order.confirm_by == utc(2026, 3, 8, 17, 0)
    assert order.confirm_by.astimezone(NEW_YORK).hour == 13


def test_a_seller_with_a_longer_confirm_window_gets_it(clock, us_seller, place):
    us_seller.confirm_hours = 48
    us_seller.save(update_fields=["confirm_hours"])
    clock(utc(2026, 1, 6, 10, 0))

    assert place(us_seller).confirm_by == utc(2026, 1, 8, 10, 0)


# --- process: 2 business days after confirmed -----------------------------------------------


def test_an_order_confirmed_the_day_before_thanksgiving_must_be_processed_by_monday(clock, us_seller, place):
    # given an order confirmed on Wednesday 25 Nov 2026 at 14:00 in New York
    clock(datetime(2026, 11, 25, 9, 0, tzinfo=NEW_YORK))
    order = place(us_seller)
    clock(datetime(2026, 11, 25, 14, 0, tzinfo=NEW_YORK))

    order = confirm(order)

    # then Thanksgiving (Thu) and the weekend do not count: Friday and Monday do
    assert order.process_by == datetime(2026, 11, 30, 14, 0, tzinfo=NEW_YORK)
    assert order.process_by == utc(2026, 11, 30, 19, 0)
    assert order.action_due_at == order.process_by
    assert order.confirmed_late is False


def test_a_kenyan_seller_does_not_count_jamhuri_day(clock, kenyan_seller, place):
    # given an order confirmed on Thursday 11 Dec 2025 at 09:00 in Nairobi; Friday 12 Dec is Jamhuri Day
    clock(datetime(2025, 12, 11, 8, 0, tzinfo=NAIROBI))
    order = place(kenyan_seller)
    clock(datetime(2025, 12, 11, 9, 0, tzinfo=NAIROBI))

    order = confirm(order)

    # then the holiday and the weekend are skipped: Monday 15 and Tuesday 16 Dec, 09:00 EAT (UTC+3)
    assert order.process_by == utc(2025, 12, 16, 6, 0)


def test_a_kenyan_sellers_eta_skips_christmas_and_boxing_day(clock, kenyan_seller, place):
    clock(datetime(2025, 12, 22, 8, 0, tzinfo=NAIROBI))
    order = process(confirm(place(kenyan_seller)))
    clock(datetime(2025, 12, 22, 10, 0, tzinfo=NAIROBI))

    # when shipped on Monday 22 Dec with a 5-business-day service
    order = ship(order, carrier="other", service_level="standard", tracking_number="Courier 77")

    # then Tue 23, Wed 24, (Christmas, Boxing Day, the weekend), Mon 29, Tue 30, Wed 31
    assert order.deliver_by == datetime(2025, 12, 31, 10, 0, tzinfo=NAIROBI)
    assert order.shipments.get().eta == order.deliver_by


def test_a_closure_day_of_the_seller_does_not_count(clock, us_seller, place):
    # given the shop is closed for stocktaking on Tuesday 6 Jan 2026
    ClosureDay.objects.create(seller=us_seller, day=date(2026, 1, 6), reason="stocktake")
    clock(datetime(2026, 1, 5, 9, 0, tzinfo=NEW_YORK))
    order = place(us_seller)
    clock(datetime(2026, 1, 5, 10, 0, tzinfo=NEW_YORK))  # Monday

    order = confirm(order)

    # then Wednesday and Thursday are the two business days
    assert order.process_by == utc(2026, 1, 8, 15, 0)


def test_an_order_confirmed_on_a_saturday_starts_counting_on_monday(clock, us_seller, place):
    clock(datetime(2026, 1, 10, 11, 0, tzinfo=NEW_YORK))
    order = place(us_seller)

    order = confirm(order)

    # Monday and Tuesday in full: due at midnight starting Wednesday, New York time
    assert order.process_by == datetime(2026, 1, 14, 0, 0, tzinfo=NEW_YORK)


# --- ship: 3 business days after processing started -----------------------------------------


def test_the_ship_deadline_is_three_business_days_after_processing_started(clock, us_seller, place):
    clock(datetime(2026, 11, 30, 9, 0, tzinfo=NEW_YORK))
    order = confirm(place(us_seller))
    clock(datetime(2026, 11, 30, 10, 0, tzinfo=NEW_YORK))  # Monday

    order = process(order)

    assert order.ship_by == datetime(2026, 12, 3, 10, 0, tzinfo=NEW_YORK)
    assert order.action_due_at == order.ship_by
    assert order.processed_late is False


def test_the_ship_deadline_keeps_the_local_time_across_the_end_of_summer_time(clock, us_seller, place):
    # given processing started Friday 30 Oct 2026 at 14:00 EDT; clocks go back on Sunday 1 Nov
    clock(datetime(2026, 10, 30, 13, 0, tzinfo=NEW_YORK))
    order = confirm(place(us_seller))
    clock(datetime(2026, 10, 30, 14, 0, tzinfo=NEW_YORK))

    order = process(order)

    # then Mon, Tue, Wed: Wednesday 4 Nov at 14:00 EST, which is 19:00 UTC (not 18:00)
    assert order.ship_by == utc(2026, 11, 4, 19, 0)


# --- deliver: the ETA -----------------------------------------------------------------------


def test_the_eta_is_the_ship_time_plus_the_service_levels_transit_business_days(clock, us_seller, place):
    clock(datetime(2026, 12, 3, 9, 0, tzinfo=NEW_YORK))
    order = process(confirm(place(us_seller)))
    clock(datetime(2026, 12, 3, 10, 0, tzinfo=NEW_YORK))  # Thursday

    # when shipped UPS Ground (5 business days)
    order = ship(order)

    # then Fri 4, Mon 7, Tue 8, Wed 9, Thu 10 Dec at 10:00
    assert order.deliver_by == datetime(2026, 12, 10, 10, 0, tzinfo=NEW_YORK)
    assert order.shipments.get().eta == order.deliver_by
    assert event(order, "shipped").params["eta"] == order.deliver_by.isoformat()
    assert order.action_due_at is None  # delivery is the carrier's step


def test_a_next_day_service_has_an_eta_of_the_next_business_day(clock, us_seller, place):
    clock(datetime(2026, 12, 4, 9, 0, tzinfo=NEW_YORK))
    order = process(confirm(place(us_seller)))
    clock(datetime(2026, 12, 4, 16, 0, tzinfo=NEW_YORK))  # Friday

    order = ship(order, service_level="next_day_air")

    assert order.deliver_by == datetime(2026, 12, 7, 16, 0, tzinfo=NEW_YORK)


# --- late flags -----------------------------------------------------------------------------


def test_confirming_exactly_at_the_deadline_is_on_time(clock, us_seller, place):
    clock(utc(2026, 1, 6, 10, 0))
    order = place(us_seller)
    clock(order.confirm_by)

    order = confirm(order)

    assert order.confirmed_late is False
    assert event(order, "confirmed").params["late"] is False


def test_confirming_after_the_deadline_flags_the_order_late(clock, us_seller, place):
    clock(utc(2026, 1, 6, 10, 0))
    order = place(us_seller)
    clock(order.confirm_by + timedelta(minutes=1))

    order = confirm(order)

    assert order.confirmed_late is True
    assert event(order, "confirmed").params["late"] is True
    assert Order.objects.get(pk=order.pk).confirmed_late is True


def test_processing_after_the_deadline_flags_the_order_late(clock, us_seller, place):
    clock(datetime(2026, 1, 5, 10, 0, tzinfo=NEW_YORK))
    order = confirm(place(us_seller))
    assert order.process_by == datetime(2026, 1, 7, 10, 0, tzinfo=NEW_YORK)
    clock(datetime(2026, 1, 7, 10, 1, tzinfo=NEW_YORK))

    order = process(order)

    assert (order.confirmed_late, order.processed_late) == (False, True)
    assert event(order, "processing_started").params["late"] is True


def test_shipping_after_the_deadline_flags_the_order_late(clock, us_seller, place):
    clock(datetime(2026, 1, 5, 10, 0, tzinfo=NEW_YORK))
    order = process(confirm(place(us_seller)))
    assert order.ship_by == datetime(2026, 1, 8, 10, 0, tzinfo=NEW_YORK)
    clock(datetime(2026, 1, 9, 9, 0, tzinfo=NEW_YORK))

    order = ship(order)

    assert (order.processed_late, order.shipped_late) == (False, True)
    assert event(order, "shipped").params["late"] is True


def test_a_delivery_after_the_eta_is_late_and_one_before_it_is_not(clock, make_seller, make_product, place):
    seller = make_seller("twice", country="US", tz="America/New_York")
    make_product(seller, "MUG-1", on_hand=10)
    clock(datetime(2026, 1, 5, 10, 0, tzinfo=NEW_YORK))
    early = ship(process(confirm(place(seller))))
    late = ship(process(confirm(place(seller))), tracking_number="1Z999AA10123456793")
    eta = early.deliver_by
    clock(eta + timedelta(days=3))

    # the carrier reports one parcel delivered an hour before the ETA, the other an hour after
    early = deliver(early, delivered_at=eta - timedelta(hours=1))
    late = deliver(late, delivered_at=eta + timedelta(hours=1))

    assert (early.delivered_late, late.delivered_late) == (False, True)
    assert early.delivered_at == eta - timedelta(hours=1)
    assert event(late, "delivered").params["late"] is True


def test_each_step_moves_the_next_action_deadline(clock, us_seller, place):
    clock(datetime(2026, 1, 5, 10, 0, tzinfo=NEW_YORK))
    order = place(us_seller)
    assert order.action_due_at == order.confirm_by
    order = confirm(order)
    assert order.action_due_at == order.process_by
    order = process(order)
    assert order.action_due_at == order.ship_by
    order = ship(order)
    assert order.action_due_at is None
    cancelled = services.cancel_order(
        order_id=place(us_seller).pk, seller_id=us_seller.pk, actor=SELLER_ACTOR, reason="other"
    )
    assert cancelled.action_due_at is None
