"""Twenty invoicings of one shop at once (PostgreSQL, real parallel connections): numbers 1..20."""

from __future__ import annotations

import pytest

from shipdesk.invoices import services
from shipdesk.invoices.models import Invoice
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
