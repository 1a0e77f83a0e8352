from __future__ import annotations

from django.db import models
from django.db.models import Q


class Notification(models.Model):
    """An outbox row: a message owed to a customer or a seller because of a committed change.

    Written in the same transaction as the change, so a message is never lost nor invented;
    unique per (order, kind, stage), so a kind is never queued twice for the same stage.
    """

    class Kind(models.TextChoices):
        CUSTOMER_CONFIRMED = "customer_confirmed"
        CUSTOMER_SHIPPED = "customer_shipped"
        CUSTOMER_DELIVERED = "customer_delivered"
        CUSTOMER_REVIEW_REQUEST = "customer_review_request"
        CUSTOMER_CANCELLED = "customer_cancelled"
        CUSTOMER_LINE_CANCELLED = "customer_line_cancelled"
        CUSTOMER_DELAY_NOTICE = "customer_delay_notice"
        CUSTOMER_SUBSTITUTE_OFFER = "customer_substitute_offer"
        SELLER_NEW_ORDER = "seller_new_order"
        SELLER_DUE_SOON = "seller_due_soon"
        SELLER_OVERDUE = "seller_overdue"
        SELLER_PAYMENT_FAILED = "seller_payment_failed"
        SELLER_OUT_OF_STOCK = "seller_out_of_stock"
        SELLER_DELIVERY_EXCEPTION = "seller_delivery_exception"

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENDING = "sending"  # claimed by a worker; reconciled if the worker died
        SENT = "sent"
        FAILED = "failed"

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    # Distinguishes repeats of a kind that are legitimately separate (each line cancel, each stage's
    # due-soon alert); empty when a kind happens once per order.
    stage = models.CharField(max_length=64, blank=True, default="")
    recipient = models.EmailField(max_length=254)
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "kind", "stage"], name="notification_once_per_order_kind_stage"),
            models.CheckConstraint(condition=Q(status__in=["queued", "sending", "sent", "failed"]), name="notification_status_valid"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="queued"), name="notification_due"),
            models.Index(fields=["seller", "order"], name="notification_seller_order"),
        ]
