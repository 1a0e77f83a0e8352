"""`shipdesk demo` builds a believable shop: every step at a consistent moment in its past.

The demo runs at a fixed moment (time_machine); everything it writes must be dated before it,
in the order things happened, within the deadlines and the shop's business hours, and the shop
must greet its newcomer in good standing with a handful of alerts that are news.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from shipdesk.accounts.models import Seller
from shipdesk.accounts.policy import calendar_for
from shipdesk.notifications.models import Alert, Notification
from shipdesk.orders.models import Order, OrderEvent, OrderStatus, SubstituteOffer
from shipdesk.performance import metrics
from shipdesk.performance.models import PerformanceSnapshot, Review, SellerStanding
from shipdesk.performance.selectors import current_performance

NEW_YORK = ZoneInfo("America/New_York")  # the demo shop's zone
WEDNESDAY_MORNING = datetime(2026, 6, 3, 15, 0, tzinfo=UTC)  # 11:00 in New York
# 03:00 on the Sunday after Independence Day (observed on Friday 3 July): the last business day is Thursday.
SUNDAY_NIGHT = datetime(2026, 7, 5, 7, 0, tzinfo=UTC)
# Under `shipdesk run --demo` the two shipped orders go with the sandbox carrier, handed over just
# now; with it off, UPS took them on the last business day.
MOMENTS = pytest.mark.parametrize(
    ("now", "sandbox"),
    [(WEDNESDAY_MORNING, True), (SUNDAY_NIGHT, False)],
    ids=["wednesday-morning-sandbox-carrier", "sunday-night-ups"],
)

# The event each header timestamp is written with.
HEADER_EVENTS = {
    "placed_at": "placed",
    "confirmed_at": "confirmed",
    "processing_at": "processing_started",
    "shipped_at": "shipped",
    "delivered_at": "delivered",
    "cancelled_at": "cancelled",
}
SHOP_STEPS = (
    "confirmed",
    "processing_started",
    "shipped",
    "line_cancelled",
    "cancelled",
    "substitute_offered",
    "note_added",
)


def run_demo(now: datetime, settings=None, sandbox: bool = False) -> Seller:
    if settings is not None:
        settings.SHIPDESK_SANDBOX_CARRIER = sandbox
    with time_machine.travel(now, tick=False):
        call_command("demo", stdout=io.StringIO())
    return Seller.objects.get(slug="demo-shop")


@MOMENTS
def test_a_newcomer_finds_the_demo_shop_in_good_standing_with_a_handful_of_unread_alerts_that_are_news(
    db, settings, now, sandbox
):
    seller = run_demo(now, settings, sandbox)

    evaluated = SellerStanding.objects.get(seller=seller)
    assert (evaluated.standing, evaluated.points, evaluated.breached) == ("good", 0, [])
    live = current_performance(seller_id=seller.pk, now=now)
    assert live.standing == "good"
    for figure in live.metrics:
        if figure.key == metrics.RETURN_RESPONSE:
            # A shop judged on its answers to return requests needs MIN_ORDERS of them; a demo shop
            # with ten returns in a month would teach the newcomer the wrong return rate.
            assert figure.status in (metrics.S_GOOD, metrics.S_NO_DATA), figure
            continue
        assert figure.status == metrics.S_GOOD, figure
        if figure.key in metrics.RATE_METRICS:
            assert figure.denominator >= metrics.MIN_ORDERS, f"{figure.key} is judged on enough orders"
    assert [f.numerator for f in live.metrics if f.key == metrics.LATE_CONFIRMATION] == [0]
    # the performance page has 90 days of history, all of it good: no penalty points linger
    history = PerformanceSnapshot.objects.filter(seller=seller)
    assert history.count() == 90
    assert set(history.values_list("standing", flat=True)) == {"good"}

    # what came in since the owner last looked, a few hours ago, is unread; the rest was read then
    unread = Alert.objects.filter(seller=seller, read_at__isnull=True)
    assert 3 <= unread.count() <= 7  # a product falling to its low-stock threshold may be among them
    assert all(now - timedelta(hours=4) < alert.created_at <= now for alert in unread)
    assert {"seller_new_order", "seller_due_soon"} <= set(unread.values_list("kind", flat=True))
    for alert in Alert.objects.filter(seller=seller, read_at__isnull=False):
        assert alert.created_at <= alert.read_at < now


@MOMENTS
def test_every_demo_order_happened_in_time_in_the_shops_hours_and_its_timeline_reads_its_header_times(
    db, settings, now, sandbox
):
    seller = run_demo(now, settings, sandbox)

    orders = list(Order.objects.filter(seller=seller).prefetch_related("events"))
    for order in orders:
        events = sorted(order.events.all(), key=lambda e: e.pk)
        times = [e.created_at for e in events]
        assert times == sorted(times), f"order {order.external_id}: its timeline runs backwards"
        assert times[-1] <= now, f"order {order.external_id}: an event after the demo ran"
        by_type = {e.type: e.created_at for e in events}
        for field, type in HEADER_EVENTS.items():
            header = getattr(order, field)
            if header is not None:
                assert by_type.get(type) == header, (
                    f"order {order.external_id}: {field} {header} but its {type} event says {by_type.get(type)}"
                )
                assert header < now
    assert len(orders) > 30  # the shop's past, not only today's orders

    # every step within its deadline: nothing late, nothing overdue
    shop_orders = Order.objects.filter(seller=seller)
    late = (
        shop_orders.filter(confirmed_late=True)
        | shop_orders.filter(processed_late=True)
        | shop_orders.filter(shipped_late=True)
    )
    assert not (late | shop_orders.filter(delivered_late=True)).exists()
    for order in shop_orders.filter(status=OrderStatus.DELIVERED):
        assert (
            order.confirmed_at <= order.confirm_by
            and order.shipped_at <= order.ship_by
            and order.delivered_at <= order.deliver_by
        )
    assert not Notification.objects.filter(seller=seller, kind="seller_overdue").exists()
    # the shop works its business days, 9 to 5; only the last hours' small steps may fall outside
    calendar = calendar_for(seller)
    for step in OrderEvent.objects.filter(seller=seller, type__in=SHOP_STEPS, actor_kind="seller"):
        local = step.created_at.astimezone(NEW_YORK)
        assert calendar.is_business_day(local.date()) or local > now.astimezone(NEW_YORK) - timedelta(hours=3), (
            step.type
        )
        if calendar.is_business_day(local.date()) and step.created_at < now - timedelta(hours=24):
            assert 9 <= local.hour < 17, f"{step.type} at {local:%a %H:%M}: outside the shop's hours"


def test_the_demo_shop_keeps_its_coverage_and_a_second_run_adds_nothing(db):
    seller = run_demo(WEDNESDAY_MORNING)
    orders, alerts, events = (
        Order.objects.filter(seller=seller).count(),
        Alert.objects.count(),
        OrderEvent.objects.count(),
    )

    statuses = set(Order.objects.filter(seller=seller).values_list("status", flat=True))
    assert statuses == set(OrderStatus.values)
    assert Order.objects.filter(seller=seller, status="pending", payment_status="unpaid").exists()
    assert SubstituteOffer.objects.filter(seller=seller, status="offered").exists()
    assert OrderEvent.objects.filter(seller=seller, type="line_cancelled").exists()
    assert (
        Review.objects.filter(seller=seller).count() == 3
        and Review.objects.filter(seller=seller).exclude(reply="").exists()
    )

    run_demo(WEDNESDAY_MORNING + timedelta(hours=1))

    assert (Order.objects.filter(seller=seller).count(), Alert.objects.count(), OrderEvent.objects.count()) == (
        orders,
        alerts,
        events,
    )
