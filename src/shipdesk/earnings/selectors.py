"""Reads of the ledger, always scoped to one seller. Balances are sums of entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Sum

from shipdesk import money
from shipdesk.pagination import BadCursor, decode_cursor, encode_cursor

from .models import LedgerEntry, ScheduledRelease

MAX_LIMIT = 200


@dataclass(frozen=True)
class Balance:
    currency: str
    pending: Decimal
    available: Decimal
    paid_out: Decimal


def balances(*, seller_id: int) -> list[Balance]:
    """One balance per currency the seller has entries in (one query)."""
    rows = (
        LedgerEntry.objects.filter(seller_id=seller_id)
        .values("currency")
        .annotate(pending=Sum("pending"), available=Sum("available"), paid_out=Sum("paid_out"))
        .order_by("currency")
    )
    return [
        Balance(
            currency=r["currency"],
            pending=money.quantize(r["pending"], r["currency"]),
            available=money.quantize(r["available"], r["currency"]),
            paid_out=money.quantize(r["paid_out"], r["currency"]),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class EntryPage:
    items: list[LedgerEntry]
    next_cursor: str | None


def entries(*, seller_id: int, limit: int = 50, cursor: str | None = None) -> EntryPage:
    """Newest first, keyset-paged by id (entries are only ever appended)."""
    limit = max(1, min(limit, MAX_LIMIT))
    qs = LedgerEntry.objects.filter(seller_id=seller_id).select_related("order")
    if cursor:
        values = decode_cursor(cursor, "ledger")
        if not (isinstance(values, list) and len(values) == 1 and isinstance(values[0], int)):
            raise BadCursor("This cursor is not valid.", details={"cursor": ["Invalid cursor."]})
        qs = qs.filter(id__lt=values[0])
    rows = list(qs.order_by("-id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor("ledger", [rows[-1].pk])
    return EntryPage(items=rows, next_cursor=next_cursor)


@dataclass(frozen=True)
class UpcomingRelease:
    order_id: int
    order_number: int
    currency: str
    amount: Decimal
    release_at: datetime
    basis: str


def upcoming_releases(*, seller_id: int, limit: int = 50) -> list[UpcomingRelease]:
    """Orders whose pending money is waiting for its date, soonest first (two queries)."""
    schedules = list(
        ScheduledRelease.objects.filter(seller_id=seller_id, released_at__isnull=True)
        .select_related("order")
        .order_by("release_at", "id")[:limit]
    )
    pending = dict(
        LedgerEntry.objects.filter(seller_id=seller_id, order_id__in=[s.order_id for s in schedules])
        .values("order_id")
        .annotate(p=Sum("pending"))
        .values_list("order_id", "p")
    )
    return [
        UpcomingRelease(
            order_id=s.order_id,
            order_number=s.order.number,
            currency=s.order.currency,
            amount=money.quantize(pending.get(s.order_id) or Decimal("0"), s.order.currency),
            release_at=s.release_at,
            basis=s.basis,
        )
        for s in schedules
    ]
