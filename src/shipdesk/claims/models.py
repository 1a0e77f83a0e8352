"""Claims (delivery problems a customer reports after shipping) and disputes (chargebacks).

Data and the constraints the database can keep; every change goes through `claims.services`
(claims) and `claims.disputes` (disputes), which lock the order first.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from . import terms

ClaimKind = models.TextChoices("ClaimKind", terms.CLAIM_KINDS.choices_by_name())
ClaimStatus = models.TextChoices("ClaimStatus", terms.CLAIM_STATUSES.choices_by_name())
Resolution = models.TextChoices("Resolution", terms.RESOLUTIONS.choices_by_name())
Decision = models.TextChoices("Decision", terms.DECISIONS.choices_by_name())
DisputeStatus = models.TextChoices("DisputeStatus", terms.DISPUTE_STATUSES.choices_by_name())


class Claim(models.Model):
    """A delivery problem on a shipped or delivered order, answered by the seller or the operator."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="claims")
    kind = models.CharField(max_length=16, choices=ClaimKind.choices)
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.OPEN)
    description = models.TextField()  # the customer's words
    opened_by_kind = models.CharField(max_length=16)
    opened_by_label = models.CharField(max_length=200)
    opened_at = models.DateTimeField()
    answer_by = models.DateTimeField()  # opened + ANSWER_BUSINESS_DAYS in the seller's calendar
    answered_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=16, choices=Resolution.choices, blank=True, default="")
    # The seller's instructions (a return), or why it refused.
    answer_note = models.TextField(blank=True, default="")
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True, default="")
    decision_note = models.TextField(blank=True, default="")
    refunded = models.DecimalField(max_digits=18, decimal_places=4, default=0)  # through this claim
    reshipment = models.ForeignKey(
        "shipping.Shipment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The operator decided against the seller: counts in the order defect rate.
    seller_lost = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=terms.CLAIM_KINDS.values), name="claim_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=terms.CLAIM_STATUSES.values), name="claim_status_valid"),
            models.CheckConstraint(
                condition=Q(resolution="") | Q(resolution__in=terms.RESOLUTIONS.values), name="claim_resolution_valid"
            ),
            models.CheckConstraint(
                condition=Q(decision="") | Q(decision__in=terms.DECISIONS.values), name="claim_decision_valid"
            ),
            # A resolved claim names its resolution; a decided one its decision.
            models.CheckConstraint(
                condition=~Q(status=terms.RESOLVED) | ~Q(resolution=""), name="claim_resolved_has_resolution"
            ),
            models.CheckConstraint(
                condition=~Q(status=terms.DECIDED) | ~Q(decision=""), name="claim_decided_has_decision"
            ),
            # One claim in progress per order: a second report waits for the first to end.
            models.UniqueConstraint(
                fields=["order"], condition=Q(status__in=terms.ACTIVE_STATUSES), name="claim_one_active_per_order"
            ),
            models.CheckConstraint(condition=Q(refunded__gte=0), name="claim_refunded_not_negative"),
        ]
        indexes = [
            # The seller's list, newest first (keyset on opened_at, id).
            models.Index(fields=["seller", "-opened_at", "-id"], name="claim_seller_opened"),
            models.Index(fields=["seller", "order"], name="claim_seller_order"),
            # The escalation sweep, across sellers.
            models.Index(
                fields=["answer_by"], condition=Q(status__in=terms.ANSWERABLE_STATUSES), name="claim_answer_due"
            ),
        ]

    def __str__(self) -> str:
        return f"claim {self.pk} on order {self.order_id} ({self.kind}, {self.status})"


class ClaimLine(models.Model):
    """The units of one order line a claim is about."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="claim_line_quantity_positive"),
            models.UniqueConstraint(fields=["claim", "line"], name="claim_line_once"),
        ]


class Dispute(models.Model):
    """A chargeback (or an inquiry before one) the payment provider reported on an order's payment.

    `held` is the amount taken out of the seller's available balance while it is open (never
    for an inquiry); a win gives it back, a loss keeps it and adds the provider's `fee`.
    """

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="disputes")
    provider = models.CharField(max_length=32)
    provider_dispute_id = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=18, decimal_places=4)
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=40)  # the provider's word (terms.DISPUTE_REASONS)
    status = models.CharField(max_length=32, choices=DisputeStatus.choices)
    evidence_due_by = models.DateTimeField(null=True, blank=True)
    fee = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    held = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_dispute_id"], name="dispute_once_per_provider_id"),
            models.CheckConstraint(condition=Q(status__in=terms.DISPUTE_STATUSES.values), name="dispute_status_valid"),
            models.CheckConstraint(condition=Q(amount__gt=0, fee__gte=0, held__gte=0), name="dispute_money_valid"),
            models.CheckConstraint(
                condition=Q(status__in=sorted(terms.CLOSED_DISPUTE_STATUSES), closed_at__isnull=False)
                | (~Q(status__in=sorted(terms.CLOSED_DISPUTE_STATUSES)) & Q(closed_at__isnull=True)),
                name="dispute_closed_at_iff_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["seller", "order"], name="dispute_seller_order"),
            models.Index(fields=["seller", "-opened_at", "-id"], name="dispute_seller_opened"),
        ]

    def __str__(self) -> str:
        return f"dispute {self.provider_dispute_id} on order {self.order_id} ({self.status})"
