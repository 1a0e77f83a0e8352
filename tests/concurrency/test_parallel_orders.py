"""Orders and stock under real parallel connections (PostgreSQL only).

Every test starts its callers in threads released together by a barrier; Django gives each
thread its own database connection, so the services race exactly as two web workers would.
The transactions commit for real (`transaction=True`), and every thread closes its connection
so the test database can be flushed and dropped.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from shipdesk.accounts.models import Seller
from shipdesk.accounts.services import create_api_token
from shipdesk.actors import Actor, ActorKind
from shipdesk.errors import IdempotencyConflict, InvalidTransition, StateConflict
from shipdesk.inventory.models import Product, StockMove
from shipdesk.inventory.services import change_stock
from shipdesk.notifications.models import Notification
from shipdesk.orders import services
from shipdesk.orders.models import LineStock, Order, OrderEvent, OrderLine, OrderStatus
from shipdesk.shipping.models import Shipment
from tests.builders import PLATFORM_ACTOR, SELLER_ACTOR, UPS_NUMBER, Api, advance, new_order, order_payload
from tests.parallel import errors, in_own_connection, lock_waiters, run_together, values, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CUSTOMER_ACTOR = Actor(kind=ActorKind.CUSTOMER, label="ada@example.com")


def stock_row(product_id: int) -> tuple[int, int, int]:
    """(on_hand, reserved, held) read in one statement, i.e. one snapshot: `held` is what the
    product's reserved lines hold, which must always equal `reserved`."""
    held = (
        OrderLine.objects.filter(product_id=OuterRef("pk"), stock=LineStock.RESERVED)
        .values("product_id")
        .annotate(units=Sum(F("quantity") - F("quantity_cancelled")))
        .values("units")
    )
    return (
        Product.objects.filter(pk=product_id)
        .annotate(held=Coalesce(Subquery(held), 0))
        .values_list("on_hand", "reserved", "held")
        .get()
    )


class StockWatcher:
    """Samples a product's stock in its own connection, over and over, until the block ends."""

    def __init__(self, product_id: int):
        self.product_id = product_id
        self.samples: list[tuple[int, int, int]] = []
        self.failure: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        try:
            while not self._stop.is_set():
                self.samples.append(stock_row(self.product_id))
        except Exception as exc:
            self.failure = exc
        finally:
            connection.close()

    def __enter__(self) -> StockWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def broken_samples(self) -> list[tuple[int, int, int]]:
        return [
            (on_hand, reserved, held)
            for on_hand, reserved, held in self.samples
            if not (0 <= reserved <= on_hand and reserved == held)
        ]


def ledger(product_id: int) -> tuple[int, int]:
    """(on_hand, reserved) as the sum of the product's recorded stock moves."""
    totals = StockMove.objects.filter(product_id=product_id).aggregate(
        on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
    )
    return totals["on_hand"] or 0, totals["reserved"] or 0


def line_stocks(product_id: int) -> Counter:
    return Counter(OrderLine.objects.filter(product_id=product_id).values_list("stock", flat=True))


def place_call(seller, data, idempotency_key=None) -> Callable[[], Any]:
    return lambda: services.place_order(
        seller_id=seller.pk, data=data, actor=PLATFORM_ACTOR, idempotency_key=idempotency_key
    )


# --- placing ----------------------------------------------------------------------------------


def test_twenty_identical_creates_at_once_make_one_order(seller, product):
    # given one storefront request, sent 20 times at the same instant
    data = new_order(external_id="EXT-RACE", lines=(("MUG-1", 2, "12.50"),))

    # when all 20 reach the service together
    outcomes = run_together([place_call(seller, data) for _ in range(20)])

    # then every caller gets the same order, and it was created once, with one of each effect
    assert errors(outcomes) == []
    assert len({order.pk for order, _ in values(outcomes)}) == 1
    assert [created for _, created in values(outcomes)].count(True) == 1
    order = Order.objects.get()
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.PLACED).count() == 1
    assert Notification.objects.filter(order=order, kind=Notification.Kind.SELLER_NEW_ORDER).count() == 1
    assert stock_row(product.pk) == (10, 2, 2)
    assert StockMove.objects.filter(product=product, kind=StockMove.Kind.RESERVED).count() == 1


def test_twenty_retries_with_one_idempotency_key_make_one_order(seller, product):
    # given one request with an Idempotency-Key, retried 20 times at once
    data = new_order(external_id="EXT-KEY", lines=(("MUG-1", 1, "12.50"),))

    # when they race
    outcomes = run_together([place_call(seller, data, idempotency_key="key-1") for _ in range(20)])

    # then one order exists, every caller has it, and its unit is held once
    assert errors(outcomes) == []
    order = Order.objects.get()
    assert order.idempotency_key == "key-1"
    assert {o.pk for o, _ in values(outcomes)} == {order.pk}
    assert [created for _, created in values(outcomes)].count(True) == 1
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.PLACED).count() == 1
    assert stock_row(product.pk) == (10, 1, 1)


def test_one_idempotency_key_with_twenty_different_bodies_makes_one_order_and_refuses_the_rest(seller, product):
    # given 20 different requests that reuse one Idempotency-Key
    bodies = [new_order(external_id=f"EXT-{i}", lines=(("MUG-1", 1, "12.50"),)) for i in range(20)]

    # when they race
    outcomes = run_together([place_call(seller, body, idempotency_key="shared-key") for body in bodies])

    # then exactly one is placed, and the 19 others are refused as a conflicting reuse of the key
    placed = values(outcomes)
    assert len(placed) == 1
    order, created = placed[0]
    assert created
    refusals = errors(outcomes)
    assert len(refusals) == 19
    assert all(isinstance(e, IdempotencyConflict) for e in refusals), refusals
    assert {e.details["order_id"] for e in refusals} == {order.pk}
    assert list(Order.objects.values_list("pk", flat=True)) == [order.pk]
    # the losers' reservations were rolled back with them
    assert stock_row(product.pk) == (10, 1, 1)
    assert ledger(product.pk) == (10, 1)


def test_fifty_orders_for_ten_units_reserve_exactly_ten_and_never_oversell(seller, make_product):
    # given a SKU with 10 units on the shelf
    product = make_product(seller, "LAMP-1", on_hand=10)
    orders = [new_order(external_id=f"EXT-{i}", lines=(("LAMP-1", 1, "12.50"),)) for i in range(50)]

    # when 50 single-unit orders arrive at once, while a watcher keeps reading the stock
    with StockWatcher(product.pk) as watcher:
        outcomes = run_together([place_call(seller, data) for data in orders])

    # then all 50 are placed: 10 hold a unit, 40 are short, and nothing is oversold
    assert errors(outcomes) == []
    assert Order.objects.count() == 50
    assert line_stocks(product.pk) == Counter({LineStock.RESERVED: 10, LineStock.SHORT: 40})
    assert stock_row(product.pk) == (10, 10, 10)
    assert ledger(product.pk) == (10, 10)
    assert Notification.objects.filter(kind=Notification.Kind.SELLER_OUT_OF_STOCK).count() == 40
    # and at no instant did anyone see reserved outside [0, on_hand] or apart from the lines
    assert watcher.failure is None
    assert watcher.samples
    assert watcher.broken_samples() == []


def test_orders_taking_two_skus_in_opposite_orders_do_not_deadlock(seller, make_product):
    # given two SKUs, and 30 orders that list them as (A, B) or (B, A)
    a = make_product(seller, "A-1", on_hand=20)
    b = make_product(seller, "B-1", on_hand=20)
    ab, ba = (("A-1", 1, "5.00"), ("B-1", 1, "5.00")), (("B-1", 1, "5.00"), ("A-1", 1, "5.00"))
    orders = [new_order(external_id=f"EXT-{i}", lines=ab if i % 2 else ba) for i in range(30)]

    # when they are all placed at once
    outcomes = run_together([place_call(seller, data) for data in orders])

    # then none fails (no deadlock detected), and each SKU gives its 20 units to 20 lines
    assert errors(outcomes) == []
    assert Order.objects.count() == 30
    for product in (a, b):
        assert line_stocks(product.pk) == Counter({LineStock.RESERVED: 20, LineStock.SHORT: 10})
        assert stock_row(product.pk) == (20, 20, 20)


def test_an_order_found_short_while_a_unit_arrives_gets_that_unit(seller, make_product):
    # given an empty shelf, and another order of this seller committing right now (a place holds
    # the seller's order counter until it commits; here a connection holds it until released)
    product = make_product(seller, "LAMP-1", on_hand=0)
    counter_held, release = threading.Event(), threading.Event()

    def other_order_committing():
        with transaction.atomic():
            Seller.objects.select_for_update(no_key=True).get(pk=seller.pk)
            counter_held.set()
            release.wait(timeout=30)

    data = new_order(external_id="EXT-LATE", lines=(("LAMP-1", 1, "12.50"),))
    receive = lambda: change_stock(seller_id=seller.pk, sku="LAMP-1", actor=SELLER_ACTOR, reason="delivery", delta=1)  # noqa: E731
    with ThreadPoolExecutor(max_workers=3) as pool:
        other = pool.submit(in_own_connection(other_order_committing))
        assert counter_held.wait(timeout=20)
        # when an order finds no stock and queues behind the other for its number ...
        placing = pool.submit(in_own_connection(place_call(seller, data)))
        wait_until(lambda: lock_waiters() >= 1)
        # ... and a unit is received before the order has committed
        receiving = pool.submit(in_own_connection(receive))
        wait_until(lambda: receiving.done() or lock_waiters() >= 2)
        release.set()
        other.result(timeout=20)
        receiving.result(timeout=20)
        order, _ = placing.result(timeout=20)

    # then the unit goes to the order, not to the shelf while the order stays short
    assert OrderLine.objects.get(order=order).stock == LineStock.RESERVED
    assert stock_row(product.pk) == (1, 1, 1)
    assert ledger(product.pk) == (1, 1)


def test_orders_arriving_while_stock_arrives_get_every_unit(seller, make_product):
    # given an empty shelf
    product = make_product(seller, "LAMP-1", on_hand=0)
    orders = [new_order(external_id=f"EXT-{i}", lines=(("LAMP-1", 1, "12.50"),)) for i in range(20)]
    receive = lambda: change_stock(seller_id=seller.pk, sku="LAMP-1", actor=SELLER_ACTOR, reason="delivery", delta=1)  # noqa: E731

    # when 20 single-unit orders and 20 single-unit deliveries arrive at once
    with StockWatcher(product.pk) as watcher:
        outcomes = run_together([place_call(seller, data) for data in orders] + [receive] * 20)

    # then no unit is left on the shelf while an order is short of it
    assert errors(outcomes) == []
    assert line_stocks(product.pk) == Counter({LineStock.RESERVED: 20})
    assert stock_row(product.pk) == (20, 20, 20)
    assert ledger(product.pk) == (20, 20)
    assert watcher.failure is None
    assert watcher.broken_samples() == []


# --- workflow actions -------------------------------------------------------------------------


@pytest.mark.parametrize("callers", [2, 10])
def test_concurrent_confirms_of_one_order_confirm_it_once(seller, product, place, callers):
    # given a paid pending order
    order = place(seller)

    # when the seller clicks "confirm" from several tabs at once
    outcomes = run_together(
        [lambda: services.confirm_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR)] * callers
    )

    # then one confirm wins; the others are refused as a transition from "confirmed"
    assert len(values(outcomes)) == 1
    refusals = errors(outcomes)
    assert len(refusals) == callers - 1
    assert all(isinstance(e, InvalidTransition) and e.details["status"] == "confirmed" for e in refusals), refusals
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.CONFIRMED).count() == 1
    assert Notification.objects.filter(order=order, kind=Notification.Kind.CUSTOMER_CONFIRMED).count() == 1


def test_concurrent_ship_attempts_make_one_shipment(seller, product, place):
    # given an order being packed
    order = advance(place(seller), "processing")
    ship = lambda: services.ship_order(  # noqa: E731
        order_id=order.pk,
        seller_id=seller.pk,
        actor=SELLER_ACTOR,
        carrier="ups",
        service_level="ground",
        tracking_number=UPS_NUMBER,
    )

    # when "ship" is sent 10 times at once
    outcomes = run_together([ship] * 10)

    # then it ships once: one shipment, one event, one email to the customer
    assert len(values(outcomes)) == 1
    assert all(isinstance(e, InvalidTransition) for e in errors(outcomes)), errors(outcomes)
    assert Shipment.objects.filter(order=order).count() == 1
    assert OrderEvent.objects.filter(order=order, type=OrderEvent.Type.SHIPPED).count() == 1
    assert Notification.objects.filter(order=order, kind=Notification.Kind.CUSTOMER_SHIPPED).count() == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED


def test_one_tracking_number_typed_on_five_orders_at_once_ships_one_and_refuses_the_rest(seller, make_product, place):
    # given five orders being packed
    make_product(seller, "LAMP-1", on_hand=5)
    orders = [advance(place(seller, lines=(("LAMP-1", 1, "12.50"),)), "processing") for _ in range(5)]

    # when the same tracking number is entered on all five at the same instant
    outcomes = run_together(
        [
            lambda o=order: services.ship_order(
                order_id=o.pk,
                seller_id=seller.pk,
                actor=SELLER_ACTOR,
                carrier="ups",
                service_level="ground",
                tracking_number=UPS_NUMBER,
            )
            for order in orders
        ]
    )

    # then one order ships with it, and the others get a clean 409 (not a database error) and stay put
    assert len(values(outcomes)) == 1
    refusals = errors(outcomes)
    assert len(refusals) == 4
    assert all(isinstance(e, StateConflict) and e.details == {"tracking_number": UPS_NUMBER} for e in refusals), (
        refusals
    )
    assert Shipment.objects.count() == 1
    assert Counter(Order.objects.values_list("status", flat=True)) == Counter(
        {OrderStatus.SHIPPED: 1, OrderStatus.PROCESSING: 4}
    )
    assert Notification.objects.filter(kind=Notification.Kind.CUSTOMER_SHIPPED).count() == 1


def test_a_customer_cancelling_while_the_seller_starts_packing_lets_exactly_one_win(seller, make_product, place):
    # given 10 confirmed orders of one unit each
    product = make_product(seller, "LAMP-1", on_hand=20)
    orders = [advance(place(seller, lines=(("LAMP-1", 1, "12.50"),)), "confirmed") for _ in range(10)]

    # when, for each order, the customer cancels at the same instant as the seller starts processing
    calls = []
    for order in orders:
        calls.append(
            lambda o=order: services.cancel_order(
                order_id=o.pk, seller_id=None, actor=CUSTOMER_ACTOR, reason="customer_request"
            )
        )
        calls.append(lambda o=order: services.process_order(order_id=o.pk, seller_id=seller.pk, actor=SELLER_ACTOR))
    outcomes = run_together(calls)

    # then for every order exactly one of the two succeeded, and the other got a clean 409
    for i, order in enumerate(orders):
        cancel, process = outcomes[2 * i], outcomes[2 * i + 1]
        assert (cancel.error is None) != (process.error is None), (cancel, process)
        loser = cancel.error or process.error
        assert isinstance(loser, InvalidTransition) and loser.status == 409
        status = Order.objects.get(pk=order.pk).status
        assert status == (OrderStatus.CANCELLED if cancel.error is None else OrderStatus.PROCESSING)
    # and the stock agrees: cancelled units went back to the shelf, processed ones left it
    processed = Order.objects.filter(status=OrderStatus.PROCESSING).count()
    assert stock_row(product.pk) == (20 - processed, 0, 0)
    assert ledger(product.pk) == (20 - processed, 0)


# --- stock arriving and leaving ---------------------------------------------------------------


def test_stock_arriving_in_parallel_reserves_every_short_line(seller, make_product, place):
    # given 20 orders short of a SKU with an empty shelf
    product = make_product(seller, "LAMP-1", on_hand=0)
    for _ in range(20):
        place(seller, lines=(("LAMP-1", 1, "12.50"),))
    assert line_stocks(product.pk) == Counter({LineStock.SHORT: 20})
    receive = lambda: change_stock(seller_id=seller.pk, sku="LAMP-1", actor=SELLER_ACTOR, reason="delivery", delta=1)  # noqa: E731

    # when 20 single units are received at once
    with StockWatcher(product.pk) as watcher:
        outcomes = run_together([receive] * 20)

    # then every unit went to a short line, none was lost or given twice
    assert errors(outcomes) == []
    assert line_stocks(product.pk) == Counter({LineStock.RESERVED: 20})
    assert stock_row(product.pk) == (20, 20, 20)
    assert ledger(product.pk) == (20, 20)
    assert OrderEvent.objects.filter(type=OrderEvent.Type.LINE_RESERVED).count() == 20
    assert watcher.failure is None
    assert watcher.broken_samples() == []


def test_cancelling_holders_while_stock_arrives_hands_every_unit_to_the_short_orders(seller, make_product, place):
    # given 10 orders holding all 10 units of a SKU, and 10 more orders short of it
    product = make_product(seller, "LAMP-1", on_hand=10)
    holders = [place(seller, lines=(("LAMP-1", 1, "12.50"),)) for _ in range(10)]
    waiting = [place(seller, lines=(("LAMP-1", 1, "12.50"),)) for _ in range(10)]
    assert line_stocks(product.pk) == Counter({LineStock.RESERVED: 10, LineStock.SHORT: 10})
    receive = lambda: change_stock(seller_id=seller.pk, sku="LAMP-1", actor=SELLER_ACTOR, reason="delivery", delta=1)  # noqa: E731

    # when the holders are cancelled while 10 more units are received, all at once
    cancels = [
        lambda o=order: services.cancel_order(
            order_id=o.pk, seller_id=seller.pk, actor=SELLER_ACTOR, reason="customer_request"
        )
        for order in holders
    ]
    with StockWatcher(product.pk) as watcher:
        outcomes = run_together(cancels + [receive] * 10)

    # then nothing deadlocked, the waiting orders got their units, and the counts add up
    assert errors(outcomes) == []
    assert set(Order.objects.filter(pk__in=[o.pk for o in holders]).values_list("status", flat=True)) == {
        OrderStatus.CANCELLED
    }
    assert set(OrderLine.objects.filter(order__in=waiting).values_list("stock", flat=True)) == {LineStock.RESERVED}
    assert stock_row(product.pk) == (20, 10, 10)
    assert ledger(product.pk) == (20, 10)
    assert watcher.failure is None
    assert watcher.broken_samples() == []


# --- over HTTP --------------------------------------------------------------------------------


def test_twenty_identical_posts_at_once_answer_with_one_order(seller, product):
    # given a storefront with a platform token that sends one order 20 times at once
    token = create_api_token(name="storefront", seller=None).token
    body = order_payload(external_id="EXT-HTTP")

    def post():
        response = Api(token).post("/orders", body)
        return response.status_code, response.json()

    # when the 20 requests are served in parallel
    outcomes = run_together([post] * 20)

    # then one is created (201) and the others replay it (200), all with the same order
    assert errors(outcomes) == []
    statuses = Counter(status for status, _ in values(outcomes))
    assert statuses == Counter({201: 1, 200: 19}), [body for _, body in values(outcomes)]
    assert len({body["id"] for _, body in values(outcomes)}) == 1
    assert Order.objects.count() == 1
    assert stock_row(product.pk) == (10, 2, 2)
