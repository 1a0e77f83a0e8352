from __future__ import annotations

from django.db import models
from django.db.models import Q


class Refund(models.Model):
    """Money owed back to the customer, decided in the same transaction as the cancellation.

    The order's `refunded_total` counts it at once; the provider call happens afterwards in the
    worker (`status` pending → succeeded), keyed by `idempotency_key` so a retry never pays twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending"  # decided, not yet confirmed by the provider
        SUCCEEDED = "succeeded"  # the provider confirmed it
        FAILED = "failed"  # the provider refused it for good; needs an operator

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="refunds")
    cancellation = models.OneToOneField(
        "orders.Cancellation", on_delete=models.PROTECT, null=True, blank=True, related_name="refund"
    )
    amount = models.DecimalField(max_digits=18, decimal_places=4)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    provider = models.CharField(max_length=32)
    idempotency_key = models.CharField(max_length=64, unique=True)
    provider_reference = models.CharField(max_length=200, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "succeeded", "failed"]), name="refund_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["seller", "order"], name="refund_seller_order"),
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="refund_pending"),
        ]


class PaymentWebhookReceipt(models.Model):
    """One payment-provider event we have handled, so a redelivery is recognised and not reapplied."""

    provider = models.CharField(max_length=32)
    event_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=64)
    outcome = models.CharField(max_length=32)  # applied, ignored, unknown_order, refused
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="payment_webhook_event_once")]
