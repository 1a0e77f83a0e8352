"""A return's deadlines in business days: answer a request in 2, refund within 2 of receipt; the
sweep alerts the seller when a step is due soon and when it is overdue, once each."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from shipdesk.notifications.models import Alert, Notification
from shipdesk.returns import services as returns
from shipdesk.returns.sweeps import sweep_return_deadlines
from tests.builders import PLATFORM_ACTOR, SELLER_ACTOR, advance, as_sent

NEW_YORK = ZoneInfo("America/New_York")
FRIDAY_10AM = datetime(2026, 3, 6, 10, 0, tzinfo=NEW_YORK)


def _request(order):
    line = order.lines.get()
    return returns.request_return(
        order_id=order.pk, seller_id=None, actor=PLATFORM_ACTOR, lines=[(line.pk, 1, "faulty")]
    )


def test_a_request_made_on_friday_is_due_two_business_days_later_on_tuesday(seller, product, place):
    with time_machine.travel(FRIDAY_10AM, tick=False):
        order = advance(place(seller), "delivered")
        request = _request(order)
    assert request.answer_by.astimezone(NEW_YORK) == datetime(2026, 3, 10, 10, 0, tzinfo=NEW_YORK)
    assert request.action_due_at == request.answer_by


def test_the_sweep_alerts_due_soon_then_overdue_once_each_and_answering_settles_them(seller, product, place):
    with time_machine.travel(FRIDAY_10AM, tick=False) as clock:
        order = advance(place(seller), "delivered")
        request = _request(order)

        clock.move_to(datetime(2026, 3, 9, 9, 0, tzinfo=NEW_YORK))  # Monday: half the window
        assert sweep_return_deadlines() == {"due_soon": 0, "overdue": 0}

        clock.move_to(datetime(2026, 3, 9, 23, 0, tzinfo=NEW_YORK))  # past 75 % of the business hours
        assert sweep_return_deadlines() == {"due_soon": 1, "overdue": 0}
        assert sweep_return_deadlines() == {"due_soon": 0, "overdue": 0}

        clock.move_to(datetime(2026, 3, 10, 11, 0, tzinfo=NEW_YORK))  # Tuesday, after 10:00
        assert sweep_return_deadlines() == {"due_soon": 0, "overdue": 1}
        assert sweep_return_deadlines() == {"due_soon": 0, "overdue": 0}

        alerts = Alert.objects.filter(order=order, read_at__isnull=True)
        assert {a.kind for a in alerts} == {
            "seller_return_requested",
            "seller_return_due_soon",
            "seller_return_overdue",
        }
        overdue = as_sent(Notification.objects.get(order=order, kind="seller_return_overdue"))
        assert f"R{request.pk}" in overdue.subject and "answer the return request" in overdue.subject

        returns.approve_return(
            return_id=request.pk, seller_id=seller.pk, actor=SELLER_ACTOR, return_address="Acme, 1 Dock Road"
        )
        assert not Alert.objects.filter(order=order, read_at__isnull=True).exists()


def test_a_received_return_not_refunded_is_due_for_its_refund(seller, product, place):
    with time_machine.travel(FRIDAY_10AM, tick=False) as clock:
        order = advance(place(seller), "delivered")
        request = _request(order)
        returns.approve_return(return_id=request.pk, seller_id=seller.pk, actor=SELLER_ACTOR, return_address="Acme")
        line = order.lines.get()
        request = returns.receive_return(
            return_id=request.pk, seller_id=seller.pk, actor=SELLER_ACTOR, lines=[(line.pk, 1, "damaged")], refund=False
        )
        assert request.action_due_at == request.refund_by

        clock.shift(timedelta(days=5))
        assert sweep_return_deadlines()["overdue"] == 1
        alert = Alert.objects.get(order=order, kind="seller_return_overdue")
        assert "refund the returned items" in alert.title

        returns.refund_return(return_id=request.pk, seller_id=seller.pk, actor=SELLER_ACTOR)
        alert.refresh_from_db()
        assert alert.read_at is not None


def test_a_due_soon_alert_for_a_return_answered_before_it_went_out_is_skipped(seller, product, place):
    from shipdesk.jobs.worker import run_until_idle

    with time_machine.travel(FRIDAY_10AM, tick=False) as clock:
        order = advance(place(seller), "delivered")
        run_until_idle()
        request = _request(order)
        clock.move_to(datetime(2026, 3, 9, 23, 0, tzinfo=NEW_YORK))
        assert sweep_return_deadlines()["due_soon"] == 1
        returns.reject_return(return_id=request.pk, seller_id=seller.pk, actor=SELLER_ACTOR, reason="Used.")

        run_until_idle()

    assert Notification.objects.get(order=order, kind="seller_return_due_soon").status == "skipped"
