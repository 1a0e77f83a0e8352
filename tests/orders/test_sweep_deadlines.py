"""Deadline sweeps in time: due-soon and overdue alerts at the right instants, in business days.

A shop in Nairobi (Kenya: Sat/Sun weekend, Kenyan public holidays). Time moves with time_machine;
the sweep is called at exact instants, and the real worker shows a day of downtime caught up once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shipdesk.jobs.worker import run_until_idle
from shipdesk.notifications.models import Alert, Notification
from shipdesk.orders import sweeps
from shipdesk.orders.deadlines import BusinessCalendar
from shipdesk.orders.models import Order, OrderEvent
from tests.builders import advance, as_sent

NAIROBI = ZoneInfo("Africa/Nairobi")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=NAIROBI)


@pytest.fixture
def duka(make_seller, make_product):
    shop = make_seller("duka", country="KE", tz="Africa/Nairobi")
    make_product(shop, "MUG-1", currency="KES", price="1500", on_hand=50)
    return shop


@pytest.fixture
def place_kes(place):
    def do(shop, **kw):
        return place(shop, currency="KES", lines=(("MUG-1", 1, "1500"),), shipping_fee=Decimal("0"), **kw)

    return do


def alerts(order) -> list[tuple[str, str]]:
    return [
        (a.kind, a.title) for a in Alert.objects.filter(order=order).exclude(kind="seller_new_order").order_by("id")
    ]


def sweep_at(clock, when: datetime) -> None:
    clock.move_to(when)
    sweeps.sweep_deadlines()


def test_an_order_placed_friday_4pm_in_nairobi_is_due_soon_saturday_10am_and_overdue_after_4pm(duka, place_kes):
    with time_machine.travel(at(2025, 1, 3, 16, 0), tick=False) as clock:
        order = place_kes(duka, paid=True)
        assert order.confirm_by == at(2025, 1, 4, 16, 0)  # 24 elapsed hours, weekend or not

        sweep_at(clock, at(2025, 1, 4, 9, 59, 59))
        assert alerts(order) == []

        sweep_at(clock, at(2025, 1, 4, 10, 0))  # 75 % of 24 h = 18 h
        assert alerts(order) == [("seller_due_soon", f"Order #{order.number}: confirm by Sat 4 Jan, 16:00 EAT")]

        sweep_at(clock, at(2025, 1, 4, 16, 0))  # at the deadline is still on time
        assert len(alerts(order)) == 1
        assert not Order.objects.get(pk=order.pk).confirmed_late

        sweep_at(clock, at(2025, 1, 4, 16, 0, 1))
        assert alerts(order)[1] == ("seller_overdue", f"Order #{order.number} is overdue: confirm it now")

    order.refresh_from_db()
    assert order.confirmed_late
    missed = OrderEvent.objects.get(order=order, type="deadline_missed")
    assert (missed.params["stage"], missed.actor_kind) == ("confirm", "system")
    due_soon = as_sent(Notification.objects.get(order=order, kind="seller_due_soon"))
    assert due_soon.subject == f"Order #{order.number}: confirm by Sat 4 Jan, 16:00 EAT"
    assert "6 h 0 min from now" in due_soon.body_text


def test_the_process_deadline_skips_the_weekend_and_so_do_its_alerts(duka, place_kes):
    with time_machine.travel(at(2025, 1, 3, 17, 0), tick=False) as clock:
        order = advance(place_kes(duka, paid=True), "confirmed")
        # 2 business days after Friday 17:00: Monday, Tuesday.
        assert order.process_by == at(2025, 1, 7, 17, 0)

        for quiet in (at(2025, 1, 4, 12, 0), at(2025, 1, 5, 23, 0), at(2025, 1, 6, 23, 59)):
            sweep_at(clock, quiet)
        assert alerts(order) == []

        # 75 % of the window's 48 business hours (Fri 7 h + Mon 24 h + Tue 17 h) = Tuesday 05:00.
        sweep_at(clock, at(2025, 1, 7, 5, 0))
        assert [kind for kind, _ in alerts(order)] == ["seller_due_soon"]

        sweep_at(clock, at(2025, 1, 7, 17, 0, 1))
        assert [kind for kind, _ in alerts(order)] == ["seller_due_soon", "seller_overdue"]
    order.refresh_from_db()
    assert order.processed_late


def test_the_ship_deadline_skips_easter_and_the_weekend_in_kenya(duka, place_kes):
    with time_machine.travel(at(2025, 4, 17, 10, 0), tick=False) as clock:  # Thursday before Good Friday
        order = advance(place_kes(duka, paid=True), "processing")
        # Good Friday, the weekend and Easter Monday are not business days: Tue, Wed, Thu.
        assert order.ship_by == at(2025, 4, 24, 10, 0)

        for quiet in (at(2025, 4, 18, 12, 0), at(2025, 4, 21, 12, 0), at(2025, 4, 22, 23, 0)):
            sweep_at(clock, quiet)
        assert alerts(order) == []

        sweep_at(clock, at(2025, 4, 24, 10, 0, 1))
        assert [kind for kind, _ in alerts(order)] == [
            "seller_overdue"
        ]  # due soon was on the 23rd; the sweep skipped that day
    order.refresh_from_db()
    assert order.shipped_late


def test_running_the_sweep_twice_or_ten_times_makes_no_duplicate_alert(duka, place_kes):
    with time_machine.travel(at(2025, 1, 3, 16, 0), tick=False) as clock:
        order = place_kes(duka, paid=True)
        for minute in range(10):
            sweep_at(clock, at(2025, 1, 4, 10, minute))
            sweeps.sweep_deadlines()
        for minute in range(10):
            sweep_at(clock, at(2025, 1, 4, 16, minute + 1))
            sweeps.sweep_deadlines()

    assert [kind for kind, _ in alerts(order)] == ["seller_due_soon", "seller_overdue"]
    assert Notification.objects.filter(order=order, kind__in=["seller_due_soon", "seller_overdue"]).count() == 2
    assert OrderEvent.objects.filter(order=order, type="deadline_missed").count() == 1


def test_a_worker_down_for_a_day_catches_up_once(duka, place_kes, mail_server):
    with time_machine.travel(at(2025, 1, 3, 16, 0), tick=False) as clock:
        paid = place_kes(duka, paid=True)
        unpaid = place_kes(duka, paid=False)
        run_until_idle()  # the worker runs, then goes down

        clock.move_to(at(2025, 1, 5, 17, 0))  # back two days later
        run_until_idle()
        run_until_idle()

    # The confirm step is long overdue: one overdue alert, and no stale "due soon".
    assert [kind for kind, _ in alerts(paid)] == ["seller_overdue"]
    # The unpaid order passed its 48 hours: cancelled once, not counted against the shop.
    unpaid.refresh_from_db()
    assert unpaid.status == "cancelled" and unpaid.cancellations.get().reason == "unpaid_timeout"
    # Each message went out once.
    assert all(count == 1 for count in mail_server.message_ids().values())
    assert len(mail_server.messages("seller_overdue")) == 1
    assert len(mail_server.messages("customer_cancelled")) == 1


def test_a_due_soon_alert_whose_order_moved_on_before_sending_is_skipped(duka, place_kes, mail_server):
    with time_machine.travel(at(2025, 1, 3, 16, 0), tick=False) as clock:
        order = place_kes(duka, paid=True)
        run_until_idle()
        clock.move_to(at(2025, 1, 4, 10, 0))
        sweeps.sweep_deadlines()  # queued, not sent yet
        advance(order, "confirmed")
        run_until_idle()

    row = Notification.objects.get(order=order, kind="seller_due_soon")
    assert row.status == "skipped"
    assert mail_server.messages("seller_due_soon") == []
    assert OrderEvent.objects.filter(order=order, type="notification_skipped").count() == 1


def test_due_soon_in_business_hours_lands_on_a_working_day():
    calendar = BusinessCalendar(timezone="Africa/Nairobi", country="KE")
    # Friday 17:00 → Tuesday 17:00 (48 business hours): 36 h in is Tuesday 05:00, not Sunday.
    assert sweeps.business_due_soon_at(
        calendar, window_start=at(2025, 1, 3, 17, 0), deadline=at(2025, 1, 7, 17, 0)
    ) == at(2025, 1, 7, 5, 0)
    # A window that starts on a closed day counts from the next business day.
    assert sweeps.business_due_soon_at(
        calendar, window_start=at(2025, 1, 4, 10, 0), deadline=at(2025, 1, 8, 0, 0)
    ) == at(2025, 1, 7, 12, 0)
    # Within one business day it is the plain 75 %.
    assert sweeps.business_due_soon_at(
        calendar, window_start=at(2025, 1, 6, 8, 0), deadline=at(2025, 1, 6, 16, 0)
    ) == at(2025, 1, 6, 14, 0)


def test_times_from_before_a_dst_change_count_real_hours():
    calendar = BusinessCalendar(timezone="America/New_York", country="US")
    ny = ZoneInfo("America/New_York")
    start = datetime(2025, 3, 7, 12, 0, tzinfo=ny)  # Friday; DST starts Sunday 9 March
    deadline = calendar.add_business_days(start, 2)  # Tuesday 12:00
    due = sweeps.business_due_soon_at(calendar, window_start=start, deadline=deadline)
    assert calendar.business_hours_between(start, due) == pytest.approx(
        0.75 * calendar.business_hours_between(start, deadline)
    )
    assert due.astimezone(ny).weekday() == 1  # Tuesday
    assert timedelta(0) < deadline - due
