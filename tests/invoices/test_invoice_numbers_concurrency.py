"""Invoicings and refunds of one shop at once (PostgreSQL, real parallel connections): gapless numbers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import transaction

from shipdesk.invoices import services
from shipdesk.invoices.models import CreditNote, Invoice, InvoiceSeries
from shipdesk.orders import services as orders
from shipdesk.orders.models import LineStock
from tests.builders import SELLER_ACTOR, advance
from tests.parallel import in_own_connection, lock_waiters, run_together, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_invoicings_number_one_to_twenty_without_gap_or_repeat(seller, product, place):
    services.set_invoice_settings(seller_id=seller.pk, tax_id="GB123456789")
    order_ids = [place(seller).pk for _ in range(20)]
    outcomes = run_together(
        [lambda oid=oid: services.issue_invoice(order_id=oid, seller_id=seller.pk).number for oid in order_ids]
    )
    assert [o.error for o in outcomes] == [None] * 20
    assert sorted(o.value for o in outcomes) == list(range(1, 21))
    assert sorted(Invoice.objects.values_list("number", flat=True)) == list(range(1, 21))


def test_the_same_order_invoiced_twice_at_once_gets_one_invoice(seller, product, place):
    services.set_invoice_settings(seller_id=seller.pk, tax_id="GB123456789")
    order = place(seller)
    outcomes = run_together([lambda: services.issue_invoice(order_id=order.pk, seller_id=seller.pk).pk] * 2)
    assert [o.error for o in outcomes] == [None, None]
    assert len({o.value for o in outcomes}) == 1 and Invoice.objects.count() == 1


def test_ten_cancellation_refunds_of_one_shop_at_once_get_credit_notes_one_to_ten_each_naming_its_invoice(
    seller, product, place
):
    services.set_invoice_settings(seller_id=seller.pk, tax_id="GB123456789")
    orders_of_shop = [place(seller) for _ in range(10)]
    invoices = {o.pk: services.issue_invoice(order_id=o.pk, seller_id=seller.pk).pk for o in orders_of_shop}

    def refund(order):
        line = order.lines.get()
        return orders.cancel_line(
            order_id=order.pk,
            seller_id=seller.pk,
            line_id=line.pk,
            quantity=1,
            actor=SELLER_ACTOR,
            reason="customer_request",
        )

    outcomes = run_together([lambda o=o: refund(o) for o in orders_of_shop])
    assert [o.error for o in outcomes] == [None] * 10
    notes = list(CreditNote.objects.select_related("invoice").order_by("number"))
    assert [n.number for n in notes] == list(range(1, 11))
    assert all(invoices[n.invoice.order_id] == n.invoice_id for n in notes)


def test_a_short_lines_cancel_and_a_reserved_lines_cancel_of_one_product_both_credit_without_deadlock(
    seller, make_product, place
):
    # given: three mugs on the shelf, two held by order A and one free; order B needs two, so its
    # line is short; both invoiced, and another invoicing of the shop holding the series right now
    make_product(seller, "MUG-1", on_hand=3)
    services.set_invoice_settings(seller_id=seller.pk, tax_id="GB123456789")
    holder, short = place(seller), place(seller)
    assert [o.lines.get().stock for o in (holder, short)] == [LineStock.RESERVED, LineStock.SHORT]
    for order in (holder, short):
        services.issue_invoice(order_id=order.pk, seller_id=seller.pk)
    series_held, release = threading.Event(), threading.Event()

    def invoicing_holding_the_series():
        with transaction.atomic():
            InvoiceSeries.objects.select_for_update().get(seller_id=seller.pk)
            series_held.set()
            release.wait(timeout=30)

    def cancel_one_unit(order):
        line = order.lines.get()
        return lambda: orders.cancel_line(
            order_id=order.pk, seller_id=seller.pk, line_id=line.pk, quantity=1, actor=SELLER_ACTOR,
            reason="customer_request",
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=3) as pool:
        other = pool.submit(in_own_connection(invoicing_holding_the_series))
        assert series_held.wait(timeout=20)
        # when the short line's cancel reaches its credit note and queues for the series ...
        first = pool.submit(in_own_connection(cancel_one_unit(short)))
        wait_until(lambda: lock_waiters() >= 1)
        # ... a cancel that gives the mug back starts too, and then the series is let go
        second = pool.submit(in_own_connection(cancel_one_unit(holder)))
        wait_until(lambda: second.done() or lock_waiters() >= 2)
        release.set()
        other.result(timeout=30)
        outcomes = [future.exception(timeout=30) for future in (first, second)]

    # then: both refunds are credited (before the fix, the short line's cancel took the series and
    # then the product the other held while it waited for the series: PostgreSQL found a deadlock)
    assert outcomes == [None, None]
    assert sorted(CreditNote.objects.values_list("number", flat=True)) == [1, 2]


def test_orders_shipped_invoiced_and_refunded_at_once_number_without_gap_or_deadlock(seller, make_product, place):
    # given a shop that invoices on shipping: six orders ready to ship, four paid ones to invoice
    # by hand, and three invoiced ones about to have a unit cancelled (each a credit note)
    make_product(seller, "MUG-1", on_hand=100)
    services.set_invoice_settings(seller_id=seller.pk, tax_id="GB123456789", issue_on_shipping=True)
    to_ship = [advance(place(seller), "processing") for _ in range(6)]
    to_invoice = [place(seller) for _ in range(4)]
    to_refund = [place(seller) for _ in range(3)]
    for order in to_refund:
        services.issue_invoice(order_id=order.pk, seller_id=seller.pk)

    def ship(order, n):
        return lambda: orders.ship_order(
            order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, carrier="other", service_level="standard",
            tracking_number=f"Van {n}",
        )  # fmt: skip

    def cancel_one_unit(order):
        line = order.lines.get()
        return lambda: orders.cancel_line(
            order_id=order.pk, seller_id=seller.pk, line_id=line.pk, quantity=1, actor=SELLER_ACTOR,
            reason="customer_request",
        )  # fmt: skip

    # when all thirteen run at the same instant
    outcomes = run_together(
        [ship(o, n) for n, o in enumerate(to_ship)]
        + [lambda o=o: services.issue_invoice(order_id=o.pk, seller_id=seller.pk) for o in to_invoice]
        + [cancel_one_unit(o) for o in to_refund]
    )

    # then every one succeeded, every shipped order has its invoice, and both series have no gap
    assert [o.error for o in outcomes] == [None] * 13
    assert Invoice.objects.filter(order__in=to_ship).count() == 6
    assert sorted(Invoice.objects.values_list("number", flat=True)) == list(range(1, 14))
    assert sorted(CreditNote.objects.values_list("number", flat=True)) == [1, 2, 3]
    assert InvoiceSeries.objects.get(seller=seller).last_invoice_number == 13
