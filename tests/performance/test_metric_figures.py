"""Known-answer order histories: each figure, its numerator and denominator, and the orders behind it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from shipdesk.errors import NotFound
from shipdesk.orders import services as orders
from shipdesk.orders.sweeps import sweep_auto_cancel
from shipdesk.pagination import BadCursor
from shipdesk.performance.selectors import current_performance, metric_orders
from tests.builders import PLATFORM_ACTOR, advance
from tests.performance import history as h

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)  # a Tuesday
H = timedelta(hours=1)
D = timedelta(days=1)


def figures(seller, now=NOW):
    perf = current_performance(seller_id=seller.pk, now=now)
    return perf, {f.key: f for f in perf.metrics}


@pytest.fixture
def shop(make_seller):
    return make_seller("shop", tz="UTC")


def test_100_shipped_orders_of_which_5_shipped_late_give_a_5_percent_late_shipment_rate_and_a_penalised_seller(shop):
    rows = []
    for i in range(100):
        processing_at = NOW - timedelta(days=20) + i * H
        late = i < 5
        rows.append(
            h.order(
                shop,
                placed_at=processing_at - 2 * H,
                processing_at=processing_at,
                shipped_at=processing_at + (4 * D if late else 1 * D),
            )
        )
    h.save(rows)

    perf, f = figures(shop)

    assert (f["late_shipment"].value, f["late_shipment"].numerator, f["late_shipment"].denominator) == (
        Decimal("5.00"),
        5,
        100,
    )
    assert f["late_shipment"].status == "breach"
    assert f["late_shipment"].target == Decimal("4.00")
    assert perf.standing == "penalised"


def test_a_seller_without_orders_has_no_data_for_any_metric_and_good_standing(shop):
    perf, f = figures(shop)

    assert all(x.value is None and x.denominator == 0 and x.status == "no_data" for x in f.values())
    assert perf.standing == "good" and perf.points == 0 and perf.evaluated_at is None


def test_steps_done_exactly_at_their_deadline_are_on_time(shop):
    placed = NOW - 10 * D
    o = h.order(
        shop,
        placed_at=placed,
        confirmed_at=placed + 24 * H,
        processing_at=placed + 25 * H,
        ship_by=placed + 3 * D,
        shipped_at=placed + 3 * D,
        deliver_by=placed + 6 * D,
        delivered_at=placed + 6 * D,
    )
    h.save([o])

    _, f = figures(shop)

    assert (f["late_confirmation"].numerator, f["late_confirmation"].denominator) == (0, 1)
    assert (f["late_shipment"].numerator, f["late_shipment"].denominator) == (0, 1)
    assert (f["on_time_delivery"].numerator, f["on_time_delivery"].denominator, f["on_time_delivery"].value) == (
        1,
        1,
        Decimal("100.00"),
    )


def test_a_step_one_second_after_its_deadline_is_late(shop):
    placed = NOW - 10 * D
    h.save([h.order(shop, placed_at=placed, confirmed_at=placed + 24 * H + timedelta(seconds=1))])

    _, f = figures(shop)

    assert (f["late_confirmation"].numerator, f["late_confirmation"].denominator) == (1, 1)


def test_an_order_left_unconfirmed_past_its_deadline_counts_late_but_one_still_within_it_is_not_counted_yet(shop):
    h.save([h.order(shop, placed_at=NOW - 30 * H), h.order(shop, placed_at=NOW - 2 * H)])

    _, f = figures(shop)

    assert (f["late_confirmation"].numerator, f["late_confirmation"].denominator) == (1, 1)
    assert f["late_confirmation"].value == Decimal("100.00")


def test_orders_outside_the_window_are_not_counted(shop):
    old = NOW - 40 * D
    h.save(
        [h.order(shop, placed_at=old, confirmed_at=old + 30 * H, processing_at=old + 31 * H, shipped_at=old + 10 * D)]
    )

    _, f = figures(shop)

    assert f["late_confirmation"].denominator == 0
    assert f["late_shipment"].denominator == 0


def test_only_shop_caused_cancellations_count_and_unpaid_orders_are_not_in_the_denominator(shop):
    placed = NOW - 3 * D
    paid = [
        h.order(shop, placed_at=placed + i * timedelta(minutes=5), confirmed_at=placed + H + i * timedelta(minutes=5))
        for i in range(38)
    ]
    unpaid = h.order(shop, placed_at=placed, paid_at=None)
    h.save([*paid, unpaid])
    h.cancel(paid[0], reason="out_of_stock", actor_kind="seller", at=placed + 2 * H)  # counts
    h.cancel(paid[1], reason="customer_request", actor_kind="platform", at=placed + 2 * H)  # does not
    h.cancel(paid[2], reason="customer_request", actor_kind="seller", at=placed + 2 * H)  # does not
    h.cancel(paid[3], reason="payment_issue", actor_kind="seller", at=placed + 2 * H)  # does not
    h.cancel(
        unpaid, reason="unpaid_timeout", actor_kind="system", at=placed + 48 * H
    )  # does not, nor in the denominator

    _, f = figures(shop)

    assert (f["cancellation"].numerator, f["cancellation"].denominator) == (1, 38)
    assert f["cancellation"].value == Decimal("2.63")
    assert f["cancellation"].status == "breach"


def test_an_out_of_stock_line_cancellation_counts_as_a_shop_cancellation(shop):
    from shipdesk.orders.models import Cancellation

    placed = NOW - 2 * D
    orders_ = h.save([h.order(shop, placed_at=placed, confirmed_at=placed + H) for _ in range(50)])
    Cancellation.objects.create(
        seller=shop,
        order=orders_[0],
        quantity=1,
        line=_line(orders_[0]),
        reason="out_of_stock",
        actor_kind="seller",
        actor_label="s",
        created_at=placed + H,
    )

    _, f = figures(shop)

    assert (f["cancellation"].numerator, f["cancellation"].denominator, f["cancellation"].status) == (1, 50, "at_risk")


def test_a_customer_declining_a_substitute_for_a_missing_item_counts_against_the_shop(shop):
    # The item was out of stock: the shop's doing, though the customer's "no" cancelled it.
    placed = NOW - 2 * D
    paid = h.save([h.order(shop, placed_at=placed, confirmed_at=placed + H) for _ in range(40)])
    h.cancel(paid[0], reason="out_of_stock", actor_kind="customer", at=placed + 2 * H)
    h.cancel(paid[1], reason="customer_request", actor_kind="customer", at=placed + 2 * H)

    _, f = figures(shop)

    assert (f["cancellation"].numerator, f["cancellation"].denominator) == (1, 40)


def _line(order):
    from shipdesk.inventory.models import Product
    from shipdesk.orders.models import OrderLine

    product = Product.objects.filter(seller_id=order.seller_id).first() or Product.objects.create(
        seller_id=order.seller_id, sku="MUG-1", title="Mug", price=Decimal("20"), currency="USD", on_hand=5
    )
    return OrderLine.objects.create(
        seller_id=order.seller_id,
        order=order,
        product=product,
        sku="MUG-1",
        title="Mug",
        quantity=2,
        quantity_cancelled=1,
        unit_price=Decimal("10"),
        stock="reserved",
    )


def test_shipments_without_a_carrier_scan_lower_the_valid_tracking_rate(shop):
    shipped = NOW - 5 * D
    scanned = h.save([h.order(shop, placed_at=shipped - D, shipped_at=shipped + i * H) for i in range(19)])
    unscanned = h.save([h.order(shop, placed_at=shipped - D, shipped_at=shipped)], scanned=False)
    label_only = h.save([h.order(shop, placed_at=shipped - D, shipped_at=shipped)], scanned=False)
    from shipdesk.shipping.models import Shipment

    h.scan(Shipment.objects.filter(order=label_only[0]), status="pre_transit")  # a label is not a scan
    h.save(
        [h.order(shop, placed_at=NOW - 3 * H, shipped_at=NOW - 2 * H)], scanned=False
    )  # within the day's grace: not counted yet

    _, f = figures(shop)

    assert (f["valid_tracking"].numerator, f["valid_tracking"].denominator) == (19, 21)
    assert f["valid_tracking"].value == Decimal("90.48")
    assert f["valid_tracking"].status == "breach"
    rows, _ = metric_orders(seller_id=shop.pk, metric="valid_tracking", now=NOW)
    assert [r.order_id for r in rows if not r.counted_in_numerator] == sorted(
        [unscanned[0].pk, label_only[0].pk], reverse=True
    )
    assert len(scanned) == 19


def test_three_late_deliveries_in_a_hundred_give_97_percent_on_time_which_misses_the_target(shop):
    rows = []
    for i in range(100):
        shipped = NOW - 20 * D + i * H
        rows.append(
            h.order(
                shop,
                placed_at=shipped - D,
                shipped_at=shipped,
                deliver_by=shipped + 3 * D,
                delivered_at=shipped + (4 * D if i < 3 else 2 * D),
            )
        )
    h.save(rows)

    _, f = figures(shop)

    assert (f["on_time_delivery"].numerator, f["on_time_delivery"].denominator) == (97, 100)
    assert (f["on_time_delivery"].value, f["on_time_delivery"].status) == (Decimal("97.00"), "breach")


def test_a_parcel_not_delivered_by_its_eta_counts_as_late_delivery(shop):
    shipped = NOW - 10 * D
    h.save([h.order(shop, placed_at=shipped - D, shipped_at=shipped, deliver_by=shipped + 3 * D)])

    _, f = figures(shop)

    assert (f["on_time_delivery"].numerator, f["on_time_delivery"].denominator) == (0, 1)


def test_handling_time_counts_business_hours_from_payment_to_shipping(shop):
    friday_4pm = datetime(2026, 11, 6, 16, 0, tzinfo=UTC)
    monday_10am = datetime(2026, 11, 9, 10, 0, tzinfo=UTC)
    h.save([h.order(shop, placed_at=friday_4pm, shipped_at=monday_10am)])

    _, f = figures(shop)

    # Friday 16:00–24:00 and Monday 00:00–10:00: the weekend is not handling time.
    assert (f["handling_time"].value, f["handling_time"].numerator, f["handling_time"].denominator) == (
        Decimal("18.00"),
        18,
        1,
    )
    assert (f["handling_time"].unit, f["handling_time"].status) == ("hours", "good")


def test_the_average_rating_covers_the_reviews_of_the_last_90_days(shop):
    placed = NOW - 100 * D
    o = h.save([h.order(shop, placed_at=placed, shipped_at=placed + D, delivered_at=placed + 3 * D) for _ in range(4)])
    h.review(o[0], 5, at=NOW - 10 * D)
    h.review(o[1], 4, at=NOW - 20 * D)
    h.review(o[2], 2, at=NOW - 30 * D)
    h.review(o[3], 1, at=NOW - 91 * D)  # too old

    _, f = figures(shop)

    assert (f["rating"].value, f["rating"].numerator, f["rating"].denominator) == (Decimal("3.67"), 11, 3)
    rows, _ = metric_orders(seller_id=shop.pk, metric="rating", now=NOW)
    assert [r.reason for r in rows] == ["2 stars", "4 stars", "5 stars"]


def test_the_drill_down_lists_exactly_the_counted_orders_late_ones_first_page_by_page(shop, make_seller):
    rows = []
    for i in range(7):
        processing_at = NOW - 10 * D + i * H
        rows.append(
            h.order(
                shop,
                placed_at=processing_at - H,
                processing_at=processing_at,
                shipped_at=processing_at + (5 * D if i in (2, 5) else D),
            )
        )
    saved = h.save(rows)
    other = make_seller("other", tz="UTC")
    h.save([h.order(other, placed_at=NOW - 5 * D, processing_at=NOW - 4 * D, shipped_at=NOW - 2 * D)])

    first, cursor = metric_orders(seller_id=shop.pk, metric="late_shipment", now=NOW, limit=3)
    second, cursor2 = metric_orders(seller_id=shop.pk, metric="late_shipment", now=NOW, limit=3, cursor=cursor)
    third, end = metric_orders(seller_id=shop.pk, metric="late_shipment", now=NOW, limit=3, cursor=cursor2)

    listed = first + second + third
    assert end is None
    assert [r.order_id for r in listed] == [saved[5].pk, saved[2].pk] + [saved[i].pk for i in (6, 4, 3, 1, 0)]
    assert [r.counted_in_numerator for r in listed] == [True, True] + [False] * 5
    assert listed[0].reason == "shipped 48 h after the deadline"
    assert listed[2].reason == "shipped on time"


def test_the_drill_down_of_an_unknown_metric_is_not_found_and_a_forged_cursor_is_refused(shop):
    with pytest.raises(NotFound):
        metric_orders(seller_id=shop.pk, metric="happiness", now=NOW)
    with pytest.raises(BadCursor):
        metric_orders(seller_id=shop.pk, metric="late_shipment", now=NOW, cursor="forged")


def test_figures_from_orders_run_through_the_real_services_and_sweeps(make_seller, make_product, place):
    """The rows the services write give the same answers as the history builder's."""
    shop = make_seller("real", tz="UTC")
    make_product(shop, "MUG-1", on_hand=100)
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
    with time_machine.travel(start, tick=False) as clock:
        on_time = place(shop)
        late = place(shop)
        unconfirmed = place(shop)
        by_customer = place(shop)
        never_paid = place(shop, paid=False)
        advance(on_time, "shipped")  # shipped with UPS; no scan from the carrier yet
        orders.cancel_order(order_id=by_customer.pk, seller_id=None, actor=PLATFORM_ACTOR, reason="customer_request")
        clock.move_to(start + 25 * H)
        advance(late, "confirmed")  # confirmed an hour after its 24-hour deadline
        clock.move_to(start + 80 * H)
        sweep_auto_cancel()  # cancels `unconfirmed` (counted) and `never_paid` (not counted)

        _, f = figures(shop, now=start + 80 * H)

    assert (f["late_confirmation"].numerator, f["late_confirmation"].denominator) == (2, 3)  # `late` and `unconfirmed`
    assert (f["cancellation"].numerator, f["cancellation"].denominator) == (1, 4)  # `unconfirmed`, of the 4 paid orders
    assert (f["valid_tracking"].numerator, f["valid_tracking"].denominator) == (0, 1)  # shipped, never scanned
    rows, _ = metric_orders(seller_id=shop.pk, metric="cancellation", now=start + 80 * H)
    assert [(r.order_id, r.counted_in_numerator) for r in rows][0] == (unconfirmed.pk, True)
    assert never_paid.pk not in {r.order_id for r in rows}
