"""Ledger actions: the only code that writes ledger entries, releases or payouts.

`record_order_money` runs inside the order service's transaction (the order row is locked) and
brings the order's entries in line with what the order says was paid and refunded: it only ever
appends the difference, so calling it twice writes nothing the second time. Amounts are net of tax
(`Order.tax_total`, `Order.refunded_tax`): the seller earns lines + shipping, never the tax.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from shipdesk import money
from shipdesk.accounts.models import Seller
from shipdesk.accounts.policy import policy_for
from shipdesk.errors import NotFound
from shipdesk.orders.locks import lock_order
from shipdesk.orders.models import Order
from shipdesk.orders.terms import CAPTURED_STATES

from .holds import HOLD_EXTENSIONS, fallback_release, release_after_delivery
from .models import LedgerEntry, Payout, ScheduledRelease

Kind = LedgerEntry.Kind


def commission_on(amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    """The platform's commission on `amount`, rounded to the currency's minor units."""
    return money.quantize(amount * rate, currency)


def hold_days_for(seller: Seller) -> int:
    return policy_for(seller).hold_days + sum(extend(seller) for extend in HOLD_EXTENSIONS)


def _in_transaction() -> None:
    assert transaction.get_connection().in_atomic_block, "call inside the order service's transaction"


def _released(order: Order) -> bool:
    return ScheduledRelease.objects.filter(order=order, released_at__isnull=False).exists()


def record_order_money(*, order: Order, new_order: bool = False, at: datetime | None = None) -> list[LedgerEntry]:
    """Append the entries that make the order's ledger match its payment and refunds.

    `new_order`: the order was created in the caller's transaction, so it has no entries yet.
    `at`: the moment of the order action that changed the money (default now); entries are dated by it.
    """
    _in_transaction()
    # Money was captured at some point: even a fully refunded order has entries to reverse.
    if order.payment_status not in CAPTURED_STATES:
        return []
    entries = [] if new_order else list(LedgerEntry.objects.filter(seller_id=order.seller_id, order=order))
    now = at or timezone.now()
    currency = order.currency
    new: list[LedgerEntry] = []

    def entry(kind: str, *, bucket: str, amount: Decimal, **extra) -> None:
        new.append(
            LedgerEntry(
                seller_id=order.seller_id,
                order=order,
                kind=kind,
                currency=currency,
                created_at=now,
                **{bucket: amount},
                **extra,
            )
        )

    # Tax is the marketplace's to remit, never the seller's: the sale, its commission and every
    # reversal count only lines + shipping, and a refund reverses only its non-tax part.
    sold = order.total - order.tax_total
    sale = next((e for e in entries if e.kind == Kind.SALE_PENDING), None)
    if sale is None:
        rate = policy_for(order.seller).commission_rate
        entry(
            Kind.SALE_PENDING,
            bucket="pending",
            amount=sold,
            commission_rate=rate,
            description=f"order #{order.number} paid",
        )
        charged = commission_on(sold, rate, currency)
        if charged:
            entry(
                Kind.COMMISSION,
                bucket="pending",
                amount=-charged,
                commission_rate=rate,
                description=f"commission {rate:%}",
            )
        refunds_recorded = Decimal("0")
    else:
        rate = sale.commission_rate
        charged = -sum((e.pending + e.available for e in entries if e.kind == Kind.COMMISSION), Decimal("0"))
        refunds_recorded = -sum(
            (e.pending + e.available for e in entries if e.kind == Kind.REFUND_REVERSAL), Decimal("0")
        )

    refunded_net = order.refunded_total - order.refunded_tax
    refunded = refunded_net - refunds_recorded
    if refunded > 0:
        # Refunded after the release, the money comes out of the available balance.
        bucket = "available" if _released(order) else "pending"
        entry(Kind.REFUND_REVERSAL, bucket=bucket, amount=-refunded, description=f"refund on order #{order.number}")
        returned = charged - commission_on(sold - refunded_net, rate, currency)
        if returned:
            entry(
                Kind.COMMISSION,
                bucket=bucket,
                amount=returned,
                commission_rate=rate,
                description="commission returned on refund",
            )
    return LedgerEntry.objects.bulk_create(new)


# --- postage -------------------------------------------------------------------------------------


def charge_postage(*, order: Order, amount: Decimal, currency: str, label_id: int, at: datetime) -> LedgerEntry:
    """A label bought through Shipdesk: its postage leaves the seller's available balance now.

    Inside the label service's transaction, under the order's lock (which keeps one charge per label).
    """
    _in_transaction()
    return LedgerEntry.objects.create(
        seller_id=order.seller_id,
        order=order,
        kind=Kind.POSTAGE,
        currency=currency,
        available=-amount,
        description=f"postage, label {label_id} (order #{order.number})",
        created_at=at,
    )


def refund_postage(*, order: Order, amount: Decimal, currency: str, label_id: int, at: datetime) -> LedgerEntry:
    """A voided label: its postage comes back to the available balance (inside the void's transaction)."""
    _in_transaction()
    return LedgerEntry.objects.create(
        seller_id=order.seller_id,
        order=order,
        kind=Kind.POSTAGE_REFUND,
        currency=currency,
        available=amount,
        description=f"postage refunded, label {label_id} voided (order #{order.number})",
        created_at=at,
    )


# --- chargebacks ---------------------------------------------------------------------------------


def _dispute_entry(*, order: Order, kind: str, available: Decimal, description: str, at: datetime | None):
    _in_transaction()
    return LedgerEntry.objects.create(
        seller_id=order.seller_id,
        order=order,
        kind=kind,
        currency=order.currency,
        available=available,
        description=description[:200],
        created_at=at or timezone.now(),
    )


def hold_for_dispute(*, order: Order, amount: Decimal, at: datetime | None = None) -> LedgerEntry:
    """Take a disputed `amount` out of the seller's available balance. Call with the order locked.

    From the available balance at once, whatever the order's own release date: the provider took
    the money back from the marketplace when the chargeback opened. The balance may go below
    zero; payouts net it (`payable` pays only a positive balance).
    """
    return _dispute_entry(
        order=order,
        kind=Kind.DISPUTE_HOLD,
        available=-amount,
        description=f"chargeback on order #{order.number}: held",
        at=at,
    )


def release_dispute_hold(*, order: Order, amount: Decimal, at: datetime | None = None) -> LedgerEntry:
    """Give a held disputed `amount` back to the available balance (the dispute was won)."""
    return _dispute_entry(
        order=order,
        kind=Kind.DISPUTE_RELEASE,
        available=amount,
        description=f"chargeback on order #{order.number}: won, released",
        at=at,
    )


def charge_dispute_fee(*, order: Order, fee: Decimal, at: datetime | None = None) -> LedgerEntry | None:
    """Debit the provider's fee for a lost dispute (the held amount already stays debited)."""
    if fee <= 0:
        return None
    return _dispute_entry(
        order=order,
        kind=Kind.CHARGEBACK_FEE,
        available=-fee,
        description=f"chargeback on order #{order.number}: lost, provider's fee",
        at=at,
    )


def schedule_fallback_release(*, order: Order) -> None:
    """At shipping: release at shipped + 30 days unless a delivery comes first."""
    _in_transaction()
    ScheduledRelease.objects.get_or_create(
        order=order,
        defaults={
            "seller_id": order.seller_id,
            "basis": ScheduledRelease.Basis.FALLBACK,
            "release_at": fallback_release(shipped_at=order.shipped_at),
        },
    )


def schedule_release(*, order: Order) -> None:
    """At delivery: release at delivered + the seller's hold days (a release already made stands)."""
    _in_transaction()
    release_at = release_after_delivery(
        delivered_at=order.delivered_at, hold_days=hold_days_for(order.seller), timezone=order.seller.timezone
    )
    updated = ScheduledRelease.objects.filter(order=order, released_at__isnull=True).update(
        basis=ScheduledRelease.Basis.DELIVERED, release_at=release_at
    )
    if not updated and not ScheduledRelease.objects.filter(order=order).exists():
        ScheduledRelease.objects.create(
            seller_id=order.seller_id, order=order, basis=ScheduledRelease.Basis.DELIVERED, release_at=release_at
        )


@transaction.atomic
def release_order(*, order_id: int, now: datetime | None = None) -> LedgerEntry | None:
    """Move an order's pending earnings to available, if its release is due. Safe to repeat."""
    now = now or timezone.now()
    try:
        order = lock_order(order_id=order_id, seller_id=None, with_seller=False)
    except NotFound:
        return None
    schedule = ScheduledRelease.objects.select_for_update().filter(order=order).first()
    if schedule is None or schedule.released_at is not None or schedule.release_at > now:
        return None
    pending = money.at_column_precision(
        LedgerEntry.objects.filter(seller_id=order.seller_id, order=order).aggregate(s=Sum("pending"))["s"]
        or Decimal("0")
    )
    schedule.released_at = now
    schedule.save(update_fields=["released_at"])
    if pending == 0:
        return None
    return LedgerEntry.objects.create(
        seller_id=order.seller_id,
        order=order,
        kind=Kind.RELEASE,
        currency=order.currency,
        pending=-pending,
        available=pending,
        description=f"order #{order.number} available ({schedule.basis})",
        created_at=now,
    )


RELEASE_BATCH = 500


def release_due(*, now: datetime | None = None) -> int:
    """Release every order whose date has come; returns how many were looked at."""
    now = now or timezone.now()
    due = list(
        ScheduledRelease.objects.filter(released_at__isnull=True, release_at__lte=now)
        .order_by("release_at", "id")
        .values_list("order_id", flat=True)[:RELEASE_BATCH]
    )
    for order_id in due:
        release_order(order_id=order_id, now=now)
    return len(due)


# --- payouts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayoutLine:
    seller_id: int
    seller_slug: str
    currency: str
    amount: Decimal


def payable() -> list[PayoutLine]:
    """Every (seller, currency) with a positive available balance, by seller then currency."""
    rows = (
        LedgerEntry.objects.values("seller_id", "seller__slug", "currency")
        .annotate(available=Sum("available"))
        .filter(available__gt=0)
        .order_by("seller_id", "currency")
    )
    return [
        PayoutLine(
            seller_id=r["seller_id"],
            seller_slug=r["seller__slug"],
            currency=r["currency"],
            amount=money.quantize(r["available"], r["currency"]),
        )
        for r in rows
        if money.quantize(r["available"], r["currency"]) > 0
    ]


@transaction.atomic
def create_payout(*, seller_id: int, currency: str, now: datetime | None = None) -> Payout | None:
    """Pay out the seller's whole available balance in `currency`; None when there is nothing."""
    now = now or timezone.now()
    # The seller row serialises payouts: two runs at once cannot both pay the same balance.
    Seller.objects.select_for_update(no_key=True).filter(pk=seller_id).first()
    available = LedgerEntry.objects.filter(seller_id=seller_id, currency=currency).aggregate(s=Sum("available"))[
        "s"
    ] or Decimal("0")
    available = money.quantize(available, currency)
    if available <= 0:
        return None
    payout = Payout.objects.create(seller_id=seller_id, currency=currency, amount=available, created_at=now)
    LedgerEntry.objects.create(
        seller_id=seller_id,
        payout=payout,
        kind=Kind.PAYOUT,
        currency=currency,
        available=-available,
        paid_out=available,
        description=f"payout {payout.pk}",
        created_at=now,
    )
    return payout
