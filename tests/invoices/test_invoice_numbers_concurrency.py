"""Invoicings and refunds of one shop at once (PostgreSQL, real parallel connections): gapless numbers."""

from __future__ import annotations

import pytest

from shipdesk.invoices import services
from shipdesk.invoices.models import CreditNote, Invoice
from shipdesk.orders import services as orders
from tests.builders import SELLER_ACTOR
from tests.parallel import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_invoicings_number_one_to_twenty_without_gap_or_repeat(seller, product, place):
    services.set_tax_id(seller_id=seller.pk, tax_id="GB123456789")
    order_ids = [place(seller).pk for _ in range(20)]
    outcomes = run_together(
        [lambda oid=oid: services.issue_invoice(order_id=oid, seller_id=seller.pk).number for oid in order_ids]
    )
    assert [o.error for o in outcomes] == [None] * 20
    assert sorted(o.value for o in outcomes) == list(range(1, 21))
    assert sorted(Invoice.objects.values_list("number", flat=True)) == list(range(1, 21))


def test_the_same_order_invoiced_twice_at_once_gets_one_invoice(seller, product, place):
    services.set_tax_id(seller_id=seller.pk, tax_id="GB123456789")
    order = place(seller)
    outcomes = run_together([lambda: services.issue_invoice(order_id=order.pk, seller_id=seller.pk).pk] * 2)
    assert [o.error for o in outcomes] == [None, None]
    assert len({o.value for o in outcomes}) == 1 and Invoice.objects.count() == 1


def test_ten_cancellation_refunds_of_one_shop_at_once_get_credit_notes_one_to_ten_each_naming_its_invoice(
    seller, product, place
):
    services.set_tax_id(seller_id=seller.pk, tax_id="GB123456789")
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
