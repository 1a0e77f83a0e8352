from datetime import UTC, datetime, timedelta
from functools import partial

import time_machine
from django.utils import timezone

from shipdesk.orders import selectors
from shipdesk.orders.models import Order, OrderStatus
from tests.builders import OTHER_UPS_NUMBER, UPS_NUMBER, advance

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_shop_whose_orders_are_all_delivered_counts_them_and_not_another_shops(
    product, place, seller, make_seller, make_product
):
    # given one delivered order in this shop, and an open order in another shop
    advance(place(seller), "delivered")
    other = make_seller("other-shop")
    make_product(other)
    place(other)

    # when the shop counts its orders
    counts = selectors.count_orders_by_status(seller_id=seller.pk)

    # then delivered is its one order (counted as all orders minus the others), nothing else
    assert counts["delivered"] == 1
    assert sum(counts[status] for status in ("pending", "confirmed", "processing", "shipped", "cancelled")) == 0
    assert selectors.count_orders_by_status(seller_id=other.pk)["pending"] == 1
    assert selectors.count_orders_by_status(seller_id=None)["delivered"] == 1


def test_a_shop_without_orders_counts_zero_everywhere(seller):
    assert set(selectors.count_orders_by_status(seller_id=seller.pk).values()) == {0}


def test_a_shops_counts_are_its_orders_counted_one_by_one_right_after_each_change(product, place, seller):
    # given a shop with orders at every step, placed at T0 (confirming is due 24 hours after)
    with time_machine.travel(T0, tick=False):
        orders = [place(seller) for _ in range(6)]

    def counted_one_by_one() -> dict[str, int]:
        mine = Order.objects.filter(seller=seller)
        return {
            **{status: mine.filter(status=status).count() for status in OrderStatus.values},
            "needs_action": mine.filter(action_due_at__isnull=False).count(),
            "overdue": mine.filter(action_due_at__lt=timezone.now()).count(),
        }

    # when the seller moves orders one at a time, a day and a half later (some confirmations late)
    with time_machine.travel(T0 + timedelta(hours=36), tick=False):
        assert selectors.count_orders_by_status(seller_id=seller.pk) == counted_one_by_one()
        steps = (("confirmed", None), ("processing", None), ("shipped", UPS_NUMBER), ("delivered", OTHER_UPS_NUMBER))
        for order, (step, tracking_number) in zip(orders, (*steps, ("cancelled", None)), strict=False):
            advance(order, step, tracking_number=tracking_number or UPS_NUMBER)
            # then the counts read right after each change are exact (nothing is cached)
            assert selectors.count_orders_by_status(seller_id=seller.pk) == counted_one_by_one()
    assert counted_one_by_one()["overdue"] >= 1


def test_cursor_pages_walk_orders_placed_at_the_same_instant_once_each(product, seller, place):
    # given five orders placed at the same instant (the cursor must break the tie by id)
    with time_machine.travel(T0, tick=False):
        orders = [place(seller, placed_at=T0) for _ in range(5)]

    # when the list is walked one order a page, newest first and then oldest first
    def walk(sort):
        seen, cursor = [], None
        while True:
            page = selectors.list_orders(
                seller_id=seller.pk, filters=selectors.OrderFilters(), sort=sort, limit=1, cursor=cursor
            )
            seen += [order.pk for order in page.items]
            if not page.next_cursor:
                return seen
            cursor = page.next_cursor

    # then every order comes exactly once, in (placed_at, id) order
    ids = sorted(order.pk for order in orders)
    assert walk("-placed_at") == ids[::-1]
    assert walk("placed_at") == ids


def _numbers(page) -> list[int]:
    return [o.number for o in page.items]


def _placed_hourly(seller, place, n: int) -> list[int]:
    return [place(seller, external_id=f"H{i}", placed_at=T0 + timedelta(hours=i)).number for i in range(n)]


def test_previous_page_cursors_walk_back_exactly_to_the_first_page(product, seller, place):
    # given 7 orders, an hour apart, listed newest first 3 at a time
    numbers = _placed_hourly(seller, place, 7)[::-1]
    list_page = partial(selectors.list_orders, seller_id=seller.pk, filters=selectors.OrderFilters(), limit=3)

    first = list_page()
    second = list_page(cursor=first.next_cursor)
    third = list_page(cursor=second.next_cursor)

    # forwards: 3, 3, 1, and each page after the first can go back
    assert (_numbers(first), _numbers(second), _numbers(third)) == (numbers[:3], numbers[3:6], numbers[6:])
    assert first.prev_cursor is None and third.next_cursor is None
    # backwards from the last page: the same pages, then the first page again, which has no page before
    back_to_second = list_page(cursor=third.prev_cursor)
    back_to_first = list_page(cursor=back_to_second.prev_cursor)
    assert _numbers(back_to_second) == numbers[3:6] and back_to_second.next_cursor is not None
    assert _numbers(back_to_first) == numbers[:3] and back_to_first.prev_cursor is None


def test_previous_page_works_for_the_oldest_first_and_deadline_sorts_too(product, seller, place):
    numbers = _placed_hourly(seller, place, 5)
    for sort in ("placed_at", "deadline"):
        list_page = partial(
            selectors.list_orders, seller_id=seller.pk, filters=selectors.OrderFilters(), limit=2, sort=sort
        )
        first = list_page()
        second = list_page(cursor=first.next_cursor)
        assert _numbers(list_page(cursor=second.prev_cursor)) == _numbers(first) == numbers[:2]


def test_going_back_to_a_page_that_emptied_shows_the_first_page(product, seller, place):
    # given two pages of pending orders, and the orders of the first page confirmed meanwhile
    orders = [place(seller, external_id=f"P{i}", placed_at=T0 + timedelta(hours=i)) for i in range(4)]
    pending = partial(
        selectors.list_orders, seller_id=seller.pk, filters=selectors.OrderFilters(status="pending"), limit=2
    )
    second = pending(cursor=pending().next_cursor)
    for order in orders[2:]:
        advance(order, "confirmed")

    # when the seller goes back: the first page as it is now, not an empty one
    back = pending(cursor=second.prev_cursor)

    assert _numbers(back) == [orders[1].number, orders[0].number]
    assert back.prev_cursor is None


def test_the_api_and_the_dashboard_offer_the_page_before(product, seller, place, seller_api):
    _placed_hourly(seller, place, 3)
    first = seller_api.get("/orders?limit=2").json()
    second = seller_api.get(f"/orders?limit=2&cursor={first['next_cursor']}").json()

    assert first["prev_cursor"] is None
    again = seller_api.get(f"/orders?limit=2&cursor={second['prev_cursor']}").json()
    assert [o["number"] for o in again["items"]] == [o["number"] for o in first["items"]]
