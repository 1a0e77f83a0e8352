"""The return rate and the return response time on the performance page: each figure, its
numerator and denominator, and the orders behind it, from returns asked for and answered over
time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shipdesk.performance import metrics
from shipdesk.performance.selectors import compute_figures, current_performance, metric_orders
from shipdesk.returns import services as returns
from tests.builders import PLATFORM_ACTOR, SELLER_ACTOR, Api
from tests.performance import history as h
from tests.returns.conftest import delivered_untracked

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)  # a Tuesday
H = timedelta(hours=1)
D = timedelta(days=1)
NEW_YORK = ZoneInfo("America/New_York")
FRIDAY_10AM = datetime(2026, 3, 6, 10, 0, tzinfo=NEW_YORK)


@pytest.fixture
def shop(make_seller):
    return make_seller("shop", tz="UTC")


def _figure(seller, key, now=NOW):
    return next(f for f in current_performance(seller_id=seller.pk, now=now).metrics if f.key == key)


def _delivered(seller, *, delivered_at):
    return h.order(
        seller,
        placed_at=delivered_at - 4 * D,
        shipped_at=delivered_at - 2 * D,
        delivered_at=delivered_at,
    )


def test_3_returns_asked_for_of_20_orders_delivered_in_30_days_is_a_15_percent_return_rate_shown_without_a_target(
    shop,
):
    orders = h.save([_delivered(shop, delivered_at=NOW - (i + 1) * D) for i in range(20)])
    older = h.save([_delivered(shop, delivered_at=NOW - 40 * D)])[0]  # delivered before the window
    for o in orders[:3]:
        h.return_request(o, requested_at=o.delivered_at + D)
    h.return_request(older, requested_at=NOW - 5 * D)  # its delivery is not in the window
    h.return_request(orders[3], requested_at=NOW + H)  # not asked yet as of NOW

    rate = _figure(shop, metrics.RETURN_RATE)

    assert (rate.numerator, rate.denominator, rate.value) == (3, 20, Decimal("15.00"))
    assert (rate.target, rate.status) == (None, "good")  # informational: never a breach
    rows, _ = metric_orders(seller_id=shop.pk, metric=metrics.RETURN_RATE, now=NOW, limit=200)
    assert len(rows) == 20
    assert {r.order_id for r in rows if r.counted_in_numerator} == {o.pk for o in orders[:3]}
    assert [r.reason for r in rows[:4]] == ["return requested"] * 3 + ["no return requested"]


def test_returns_answered_after_their_deadline_or_not_at_all_breach_the_90_percent_target(shop):
    orders = h.save([_delivered(shop, delivered_at=NOW - 20 * D + i * H) for i in range(12)])
    requested = NOW - 10 * D
    for o in orders[:8]:  # approved a day after the request: in time
        h.return_request(o, requested_at=requested, approved_at=requested + D)
    h.return_request(orders[8], requested_at=requested, rejected_at=requested + 1.5 * D)  # rejected in time
    h.return_request(orders[9], requested_at=requested, approved_at=requested + 3 * D)  # a day late
    h.return_request(orders[10], requested_at=requested)  # never answered, deadline passed
    h.return_request(orders[11], requested_at=NOW - H)  # its deadline is still ahead: not judged yet

    figure = _figure(shop, metrics.RETURN_RESPONSE)

    assert (figure.numerator, figure.denominator, figure.value) == (9, 11, Decimal("81.82"))
    assert (figure.target, figure.direction, figure.status) == (Decimal("90.00"), "min", "breach")
    rows, cursor = metric_orders(seller_id=shop.pk, metric=metrics.RETURN_RESPONSE, now=NOW, limit=200)
    assert cursor is None and len(rows) == 11
    assert [r.counted_in_numerator for r in rows] == [True] * 9 + [False] * 2
    late, unanswered = rows[9:]
    assert {late.order_id, unanswered.order_id} == {orders[9].pk, orders[10].pk}
    by_order = {r.order_id: r.reason for r in rows}
    assert by_order[orders[9].pk].endswith("approved in 72 h (after the deadline)")
    assert by_order[orders[10].pk].endswith("not answered by the deadline")
    assert by_order[orders[8].pk].endswith("rejected in 36 h")
    assert orders[11].pk not in by_order


def test_a_return_answered_in_time_through_the_services_counts_once_its_answer_is_given(seller, product, place):
    # Requested on Friday 10:00 (New York): due Tuesday 10:00, two business days later.
    with time_machine.travel(FRIDAY_10AM, tick=False) as clock:
        answered, ignored = (delivered_untracked(place(seller), n) for n in range(2))
        first, second = (
            returns.request_return(
                order_id=o.pk, seller_id=None, actor=PLATFORM_ACTOR, lines=[(o.lines.get().pk, 1, "faulty")]
            )
            for o in (answered, ignored)
        )
        clock.move_to(datetime(2026, 3, 9, 15, 0, tzinfo=NEW_YORK))  # Monday
        returns.approve_return(
            return_id=first.pk, seller_id=seller.pk, actor=SELLER_ACTOR, return_address="Acme, 1 Dock Road"
        )

    def response(at):
        return next(
            f for f in compute_figures(as_of=at, seller_ids=[seller.pk])[seller.pk] if f.key == "return_response"
        )

    monday = datetime(2026, 3, 9, 16, 0, tzinfo=NEW_YORK)
    assert (response(monday).numerator, response(monday).denominator) == (1, 1)  # the other may still be answered
    wednesday = datetime(2026, 3, 11, 9, 0, tzinfo=NEW_YORK)
    assert (response(wednesday).numerator, response(wednesday).denominator) == (1, 2)
    assert response(wednesday).status == "no_data"  # fewer than 10 requests: shown, not judged
    rate = next(
        f for f in compute_figures(as_of=wednesday, seller_ids=[seller.pk])[seller.pk] if f.key == "return_rate"
    )
    assert (rate.numerator, rate.denominator) == (2, 2)


def test_the_api_lists_the_returns_behind_the_response_time_only_of_the_callers_shop(shop, make_seller):
    from shipdesk.accounts.services import create_api_token

    o = h.save([_delivered(shop, delivered_at=NOW - 20 * D)])[0]
    h.return_request(o, requested_at=NOW - 10 * D)
    own = Api(create_api_token(name="own", seller=shop).token)
    other = Api(create_api_token(name="other", seller=make_seller("other-shop")).token)

    with time_machine.travel(NOW, tick=False):
        body = own.get("/performance/metrics/return_response/orders").json()
        figures = {m["key"]: m for m in own.get("/performance").json()["metrics"]}
        assert other.get("/performance/metrics/return_response/orders").json()["items"] == []

    assert [(i["order_id"], i["counted_in_numerator"]) for i in body["items"]] == [(o.pk, False)]
    assert "not answered by the deadline" in body["items"][0]["reason"]
    assert (figures["return_response"]["numerator"], figures["return_response"]["denominator"]) == (0, 1)
    assert figures["return_rate"]["target"] is None


def test_the_dashboard_drill_down_lists_each_return_and_why_it_counts(owner_client, seller):
    o = h.save([_delivered(seller, delivered_at=NOW - 20 * D)])[0]
    h.return_request(o, requested_at=NOW - 10 * D, approved_at=NOW - 10 * D + 5 * H)

    with time_machine.travel(NOW, tick=False):
        page = owner_client.get("/performance/return_response/orders/")
        rate = owner_client.get("/performance/return_rate/orders/")

    html = page.content.decode()
    assert page.status_code == 200 and "approved in 5 h" in html and f"/orders/{o.pk}/" in html
    assert rate.status_code == 200 and "return requested" in rate.content.decode()
