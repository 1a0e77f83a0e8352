from datetime import datetime, timezone

import time_machine

from shipdesk.orders import selectors
from tests.builders import advance

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_a_shop_whose_orders_are_all_delivered_counts_them_and_not_another_shops(product, place, seller, make_seller, make_product):
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


def test_cursor_pages_walk_orders_placed_at_the_same_instant_once_each(product, seller, place):
    # given five orders placed at the same instant (the cursor must break the tie by id)
    with time_machine.travel(T0, tick=False):
        orders = [place(seller, placed_at=T0) for _ in range(5)]

    # when the list is walked one order a page, newest first and then oldest first
    def walk(sort):
        seen, cursor = [], None
        while True:
            page = selectors.list_orders(seller_id=seller.pk, filters=selectors.OrderFilters(), sort=sort, limit=1, cursor=cursor)
            seen += [order.pk for order in page.items]
            if not page.next_cursor:
                return seen
            cursor = page.next_cursor

    # then every order comes exactly once, in (placed_at, id) order
    ids = sorted(order.pk for order in orders)
    assert walk("-placed_at") == ids[::-1]
    assert walk("placed_at") == ids
