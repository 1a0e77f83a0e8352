"""The demo shop opens with earnings to look at: paid out, available and on hold."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import time_machine
from django.core.management import call_command

from shipdesk.accounts.models import Seller
from shipdesk.earnings import selectors
from shipdesk.earnings.models import Payout
from shipdesk.orders.models import Order

T0 = datetime(2026, 6, 3, 15, 0, tzinfo=UTC)  # a Wednesday afternoon in New York


def test_the_demo_shop_has_a_payout_available_money_and_upcoming_releases_and_keeps_its_hold(db):
    with time_machine.travel(T0, tick=False):
        call_command("demo", stdout=io.StringIO())

    seller = Seller.objects.get(slug="demo-shop")
    (balance,) = selectors.balances(seller_id=seller.pk)
    assert balance.paid_out > 0 and balance.available > 0 and balance.pending > 0
    payout = Payout.objects.get(seller_id=seller.pk)
    # the two earlier orders, net of their tax and the 10 % commission
    # (2 × 18.50 + 4.95 = 41.95 − 4.20 = 37.75; 3 × 14.00 + 4.95 = 46.95 − 4.70 = 42.25)
    assert payout.amount == Decimal("80.00")
    assert balance.available == Decimal("26.05")  # 24.00 + 4.95 = 28.95 − 2.90
    upcoming = selectors.upcoming_releases(seller_id=seller.pk)
    assert upcoming and all(r.release_at > T0 for r in upcoming)
    assert Order.objects.filter(seller=seller, external_id="DEMO-E001").get().tax_total == Decimal("3.36")
    assert Seller.objects.get(pk=seller.pk).hold_days is None  # the shop's hold is the platform's again
