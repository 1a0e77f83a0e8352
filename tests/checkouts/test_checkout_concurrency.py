"""Checkouts under real parallel connections (PostgreSQL only): a retried checkout racing itself
makes its orders once; two baskets racing for the last units leave one whole and one refused whole."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from shipdesk.checkouts.models import Checkout
from shipdesk.checkouts.services import CheckoutLine, NewCheckout, ShopShipping, place_checkout
from shipdesk.errors import StockShort
from shipdesk.inventory.models import Product
from shipdesk.orders.models import Order
from tests.builders import PLATFORM_ACTOR

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*calls):
    """Each call in its own thread and connection, released together; returns (value or error) each."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(n, call):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            results[n] = call()
        except Exception as exc:
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def basket(reference: str, *, mugs: int) -> NewCheckout:
    return NewCheckout(
        reference=reference,
        customer_name="Ada Lovelace",
        customer_email="ada@example.com",
        ship_name="Ada Lovelace",
        ship_line1="1 Main St",
        ship_city="Springfield",
        ship_region="IL",
        ship_postal_code="62701",
        ship_country="US",
        currency="USD",
        lines=(
            CheckoutLine(seller="north", sku="MUG-1", quantity=mugs, unit_price=Decimal("12.50")),
            CheckoutLine(seller="south", sku="MUG-1", quantity=1, unit_price=Decimal("12.50")),
        ),
        shipping=(ShopShipping(seller="north", fee=Decimal("4.99")),),
        payment_status="paid",
        payment_amount=Decimal("12.50") * mugs + Decimal("4.99") + Decimal("12.50"),
    )


@pytest.fixture
def shops(make_seller, make_product):
    north, south = make_seller("north"), make_seller("south")
    make_product(north, "MUG-1", on_hand=3)
    make_product(south, "MUG-1", on_hand=10)
    return north, south


def test_the_same_checkout_sent_twice_at_once_makes_its_orders_once(shops):
    data = basket("CHK-RACE", mugs=1)

    results = run_together(
        lambda: place_checkout(data=data, actor=PLATFORM_ACTOR), lambda: place_checkout(data=data, actor=PLATFORM_ACTOR)
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(created for _, created in results) == [False, True]
    assert results[0][0].pk == results[1][0].pk
    assert Checkout.objects.count() == 1 and Order.objects.count() == 2
    assert Product.objects.get(seller=shops[0], sku="MUG-1").reserved == 1


def test_two_baskets_racing_for_the_last_units_leave_one_whole_and_refuse_the_other_whole(shops):
    results = run_together(
        lambda: place_checkout(data=basket("CHK-A", mugs=2), actor=PLATFORM_ACTOR),
        lambda: place_checkout(data=basket("CHK-B", mugs=2), actor=PLATFORM_ACTOR),
    )

    refused = [r for r in results if isinstance(r, StockShort)]
    placed = [r for r in results if isinstance(r, tuple)]
    assert len(refused) == 1 and len(placed) == 1, results
    assert Order.objects.count() == 2  # the winner's two orders; nothing of the loser's
    north, south = shops
    assert Product.objects.get(seller=north, sku="MUG-1").reserved == 2
    assert Product.objects.get(seller=south, sku="MUG-1").reserved == 1
