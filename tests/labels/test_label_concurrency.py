"""Labels under real parallel connections (PostgreSQL only): two clerks buying one order's label at
the same instant buy one label and are charged once."""

from __future__ import annotations

import pytest

from shipdesk.earnings.models import LedgerEntry
from shipdesk.errors import LabelExists
from shipdesk.orders import services
from shipdesk.shipping.labels.models import Label
from shipdesk.shipping.labels.services import quote_rates
from tests.builders import SELLER_ACTOR
from tests.parallel import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_buys_of_one_order_buy_one_label_and_charge_postage_once(processing_order):
    order = processing_order()
    rates = quote_rates(order_id=order.pk, seller_id=order.seller_id).quotes

    outcomes = run_together(
        [
            lambda rate=rate: services.buy_label(
                order_id=order.pk, seller_id=order.seller_id, actor=SELLER_ACTOR, rate_id=rate.provider_rate_id
            )
            for rate in rates[:2]
        ]
    )

    bought = [o for o in outcomes if o.error is None]
    refused = [o for o in outcomes if o.error is not None]
    assert len(bought) == 1 and len(refused) == 1
    assert isinstance(refused[0].error, LabelExists)
    assert Label.objects.filter(order=order).exclude(status="failed").count() == 1
    assert LedgerEntry.objects.filter(order=order, kind="postage").count() == 1


def test_two_concurrent_voids_of_one_label_refund_its_postage_once(processing_order):
    order = processing_order()
    rate = quote_rates(order_id=order.pk, seller_id=order.seller_id).quotes[0]
    label = services.buy_label(
        order_id=order.pk, seller_id=order.seller_id, actor=SELLER_ACTOR, rate_id=rate.provider_rate_id
    )

    outcomes = run_together(
        [
            lambda: services.void_label(label_id=label.pk, seller_id=order.seller_id, actor=SELLER_ACTOR)
            for _ in range(2)
        ]
    )

    assert sum(o.error is None for o in outcomes) == 1
    assert LedgerEntry.objects.filter(order=order, kind="postage_refund").count() == 1
    assert Label.objects.get(pk=label.pk).status == "voided"
