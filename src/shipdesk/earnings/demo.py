"""Earnings for the demo shop: money already paid out, money available, money on hold.

Called by `shipdesk demo` once its orders are delivered, each at its moment in the past. The
releases are made as the worker's release sweep would have made them — each order's at its own
release time (delivered + the hold, local midnight) — and the payout ran on `payout_at`: what had
been released by then was paid out, what was released after is available now, and the orders
delivered in the last few days (and those not yet delivered) are still on hold.
"""

from __future__ import annotations

from datetime import datetime

from .models import ScheduledRelease
from .services import create_payout, release_order


def add_demo_payouts(*, seller_id: int, payout_at: datetime, now: datetime) -> None:
    due = ScheduledRelease.objects.filter(seller_id=seller_id, released_at__isnull=True, release_at__lte=now).order_by(
        "release_at", "id"
    )
    paid_out = False
    for order_id, release_at in due.values_list("order_id", "release_at"):
        if not paid_out and release_at > payout_at:
            create_payout(seller_id=seller_id, currency="USD", now=payout_at)
            paid_out = True
        release_order(order_id=order_id, now=release_at)
    if not paid_out:
        create_payout(seller_id=seller_id, currency="USD", now=payout_at)
