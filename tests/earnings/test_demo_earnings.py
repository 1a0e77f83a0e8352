"""The demo shop opens with earnings to look at: paid out, available and on hold."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import time_machine
from django.core.management import call_command
from django.db.models import Sum

from shipdesk.accounts.models import Seller
from shipdesk.earnings import selectors
from shipdesk.earnings.models import LedgerEntry, Payout
from shipdesk.orders.models import Order

T0 = datetime(2026, 6, 3, 15, 0, tzinfo=UTC)  # a Wednesday afternoon in New York


def test_the_demo_shop_has_a_payout_available_money_and_upcoming_releases_and_keeps_its_hold(db):
    with time_machine.travel(T0, tick=False):
        call_command("demo", stdout=io.StringIO())

    seller = Seller.objects.get(slug="demo-shop")
    (balance,) = selectors.balances(seller_id=seller.pk)
    assert balance.paid_out > 0 and balance.available > 0 and balance.pending > 0
    # The payout ran in the past and paid exactly what had been released by then; what was
    # released after it is the available balance now.
    payout = Payout.objects.get(seller_id=seller.pk)
    assert payout.created_at < T0
    releases = LedgerEntry.objects.filter(seller=seller, kind="release")
    assert payout.amount == releases.filter(created_at__lte=payout.created_at).aggregate(s=Sum("available"))["s"]
    assert balance.available == releases.filter(created_at__gt=payout.created_at).aggregate(s=Sum("available"))["s"]
    assert all(entry.created_at < T0 for entry in LedgerEntry.objects.filter(seller=seller))
    upcoming = selectors.upcoming_releases(seller_id=seller.pk)
    assert upcoming and all(r.release_at > T0 for r in upcoming)
    # Sales tax shows on the orders, never in the earnings: 2 × 18.50 + 4.95 − 10 % commission
    e001 = Order.objects.filter(seller=seller, external_id="DEMO-E001").get()
    assert e001.tax_total == Decimal("3.36")
    assert LedgerEntry.objects.filter(order=e001).aggregate(s=Sum("available"))["s"] == Decimal("37.75")
    assert Seller.objects.get(pk=seller.pk).hold_days is None  # the shop's hold is the platform's
