"""Returns (RMA): a customer's request to send units of a shipped order back, the seller's
answer, what came back and the refund; and each shop's return policy.

These models hold data and the constraints the database can keep; every change goes through
`returns.services`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from . import terms

ReturnStatus = models.TextChoices("ReturnStatus", terms.RETURN_STATUSES.choices_by_name())
ReturnReason = models.TextChoices("ReturnReason", terms.RETURN_REASONS.choices_by_name())
ShippingPayer = models.TextChoices("ShippingPayer", terms.SHIPPING_PAYERS.choices_by_name())
ShippingPolicy = models.TextChoices("ShippingPolicy", terms.SHIPPING_POLICIES.choices_by_name())


class ReturnPolicy(models.Model):
    """A shop's return rules; an empty field is the platform default (settings.SHIPDESK_RETURN_POLICY)."""

    seller = models.OneToOneField("accounts.Seller", on_delete=models.CASCADE, related_name="return_policy")
    window_days = models.PositiveSmallIntegerField(null=True, blank=True)  # after delivery
    shipping_policy = models.CharField(max_length=24, choices=ShippingPolicy.choices, blank=True, default="")
    # Where returned parcels go, as the customer writes it on the parcel (the approval email says it).
    return_address = models.TextField(blank=True, default="")
    # What an approval tells the customer unless the seller writes something else.
    instructions = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(shipping_policy="") | Q(shipping_policy__in=ShippingPolicy.values),
                name="return_policy_shipping_policy_valid",
            ),
            models.CheckConstraint(
                condition=Q(window_days__isnull=True) | Q(window_days__gte=1, window_days__lte=365),
                name="return_policy_window_in_range",
            ),
        ]


class ReturnRequest(models.Model):
    """One return of units of one order: requested → approved | rejected; approved → received → refunded."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="returns")
    status = models.CharField(max_length=16, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED)
    note = models.TextField(blank=True, default="")  # the customer's words
    requested_by_kind = models.CharField(max_length=16)
    requested_by_label = models.CharField(max_length=200)

    # The seller's answer.
    instructions = models.TextField(blank=True, default="")
    return_address = models.TextField(blank=True, default="")
    return_label_url = models.URLField(max_length=500, blank=True, default="")
    rejection_reason = models.TextField(blank=True, default="")
    # Fixed at approval from the shop's policy and the reasons: who pays the postage back, and
    # whether the order's shipping is refunded with the units (the shop is at fault).
    shipping_paid_by = models.CharField(max_length=16, choices=ShippingPayer.choices, blank=True, default="")
    refund_shipping = models.BooleanField(default=False)

    requested_at = models.DateTimeField()
    answer_by = models.DateTimeField()  # business days after the request
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    refund_by = models.DateTimeField(null=True, blank=True)  # business days after receipt
    refunded_at = models.DateTimeField(null=True, blank=True)
    # The deadline of the step the seller owes (answer, refund), null when none: one index for
    # "needs action" and the sweep.
    action_due_at = models.DateTimeField(null=True, blank=True)
    shipped_refund = models.OneToOneField(
        "orders.ShippedRefund", on_delete=models.PROTECT, null=True, blank=True, related_name="return_request"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReturnStatus.values), name="return_status_valid"),
            models.CheckConstraint(
                condition=Q(shipping_paid_by="") | Q(shipping_paid_by__in=ShippingPayer.values),
                name="return_shipping_paid_by_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["received", "refunded"]) | Q(received_at__isnull=False),
                name="return_received_has_received_at",
            ),
        ]
        indexes = [
            models.Index(fields=["seller", "-requested_at", "-id"], name="return_seller_requested"),
            models.Index(fields=["seller", "status", "-requested_at", "-id"], name="return_seller_status"),
            models.Index(
                fields=["seller", "action_due_at", "id"],
                condition=Q(action_due_at__isnull=False),
                name="return_seller_due",
            ),
            # The deadline sweep, across sellers.
            models.Index(fields=["action_due_at"], condition=Q(action_due_at__isnull=False), name="return_due_all"),
            models.Index(fields=["seller", "order"], name="return_seller_order"),
        ]

    def __str__(self) -> str:
        return f"R{self.pk}"


class ReturnLine(models.Model):
    """Units of one order line in a return, why, and how many came back in which condition."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    return_request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, related_name="return_lines")
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=32, choices=ReturnReason.choices)
    received_resellable = models.PositiveIntegerField(default=0)
    received_damaged = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="return_line_quantity_positive"),
            models.CheckConstraint(condition=Q(reason__in=ReturnReason.values), name="return_line_reason_valid"),
            models.CheckConstraint(
                condition=Q(quantity__gte=F("received_resellable") + F("received_damaged")),
                name="return_line_received_within_quantity",
            ),
            models.UniqueConstraint(fields=["return_request", "line"], name="return_line_once"),
        ]

    @property
    def received(self) -> int:
        return self.received_resellable + self.received_damaged
