"""The earnings ledger: append-only entries, one row per money movement of a seller.

Each entry moves money between the seller's three balances — pending, available, paid out —
through signed deltas, so a balance is the sum of one column and nothing is stored that could
drift. Rows are never updated or deleted; a correction is another entry.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        SALE_PENDING = "sale_pending"  # the order was paid: lines + shipping held as pending
        COMMISSION = "commission"  # the platform's commission (negative), or its return on a refund
        RELEASE = "release"  # pending → available at delivered + hold days (or the fallback date)
        REFUND_REVERSAL = "refund_reversal"  # money refunded to the customer leaves the seller's balance
        PAYOUT = "payout"  # available → paid out
        ADJUSTMENT = "adjustment"  # an operator's correction
        # A chargeback took the customer's money back: the disputed amount leaves the available
        # balance while the dispute is open, and stays gone if it is lost.
        DISPUTE_HOLD = "dispute_hold"
        DISPUTE_RELEASE = "dispute_release"  # the dispute was won (or the inquiry closed): the hold returns
        CHARGEBACK_FEE = "chargeback_fee"  # the dispute was lost: the provider's fee, charged to the seller
        POSTAGE = "postage"  # a label bought through Shipdesk: charged to the available balance (negative)
        POSTAGE_REFUND = "postage_refund"  # a voided label's postage given back (positive)

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    payout = models.ForeignKey(
        "earnings.Payout", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    currency = models.CharField(max_length=3)
    pending = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    available = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    paid_out = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    # The commission rate a sale was charged at, so refunds return commission at the same rate
    # even after the operator changes the seller's rate.
    commission_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    description = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "sale_pending",
                        "commission",
                        "release",
                        "refund_reversal",
                        "payout",
                        "adjustment",
                        "dispute_hold",
                        "dispute_release",
                        "chargeback_fee",
                        "postage",
                        "postage_refund",
                    ]
                ),
                name="ledger_kind_valid",
            ),
            # Moves between balances create no money: what leaves one balance enters another.
            models.CheckConstraint(
                condition=~Q(kind="release") | Q(paid_out=0, available__gte=0, pending__lte=0),
                name="ledger_release_is_a_move",
            ),
            models.CheckConstraint(
                condition=~Q(kind="payout") | Q(pending=0, available__lte=0, paid_out__gte=0),
                name="ledger_payout_is_a_move",
            ),
            # Postage is money leaving the seller's available balance; its refund, coming back.
            models.CheckConstraint(
                condition=~Q(kind="postage") | Q(pending=0, paid_out=0, available__lt=0),
                name="ledger_postage_is_a_charge",
            ),
            models.CheckConstraint(
                condition=~Q(kind="postage_refund") | Q(pending=0, paid_out=0, available__gt=0),
                name="ledger_postage_refund_is_a_credit",
            ),
        ]
        indexes = [
            models.Index(fields=["seller", "-id"], name="ledger_seller_newest"),
            models.Index(fields=["seller", "order"], name="ledger_seller_order"),
            models.Index(fields=["seller", "currency"], name="ledger_seller_currency"),
        ]


class ScheduledRelease(models.Model):
    """When an order's pending earnings become available: shipped + 30 days until a delivery is
    known, then delivered + hold days. `released_at` is set once the sweep has moved them."""

    class Basis(models.TextChoices):
        FALLBACK = "fallback"  # shipped, no delivery event yet
        DELIVERED = "delivered"

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="scheduled_release")
    basis = models.CharField(max_length=16, choices=Basis.choices)
    release_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["release_at"], condition=Q(released_at__isnull=True), name="release_due"),
            models.Index(fields=["seller", "release_at"], name="release_seller_at"),
        ]


class Payout(models.Model):
    """One transfer of a seller's available balance in one currency."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=18, decimal_places=4)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive")]
        indexes = [models.Index(fields=["seller", "-created_at", "-id"], name="payout_seller_created")]
