"""Outgoing webhooks: who listens (subscriptions), what happened (events), what was sent (deliveries).

An event is written once, in the transaction of the fact it announces, with one delivery row per
subscription that wants it (the outbox). The worker sends the deliveries and logs every attempt.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from . import terms

SubscriptionState = models.TextChoices("SubscriptionState", terms.SUBSCRIPTION_STATES.choices_by_name())
DeliveryState = models.TextChoices("DeliveryState", terms.DELIVERY_STATES.choices_by_name())


class WebhookSubscription(models.Model):
    """A URL that receives the events it names, signed with its own secret.

    `seller` null: a platform subscription (the marketplace's own systems), which receives the
    events of every seller. The secret is kept in clear because signing needs it; it is shown to
    the subscriber once (at creation and at each rotation). During a rotation the previous secret
    signs too, until `previous_secret_expires_at`, so receivers can switch without a gap.
    """

    seller = models.ForeignKey(
        "accounts.Seller", on_delete=models.CASCADE, null=True, blank=True, related_name="webhook_subscriptions"
    )
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True, default="")
    event_types = models.JSONField(default=list)  # values of terms.EVENT_TYPES
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=SubscriptionState.choices, default=SubscriptionState.ACTIVE)
    # The first failure since the last success: failing for `disable_after` disables the endpoint.
    failing_since = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(state__in=terms.SUBSCRIPTION_STATES.values), name="webhook_state_valid")
        ]
        indexes = [models.Index(fields=["seller", "state"], name="webhook_sub_seller_state")]

    def __str__(self) -> str:
        return f"{self.url} ({self.state})"


class WebhookEvent(models.Model):
    """One announced fact, with the payload every subscriber receives (what was true then)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Whose fact it is; null only for a test ping to a platform subscription.
    seller = models.ForeignKey("accounts.Seller", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    type = models.CharField(max_length=64)
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    payload = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["seller", "-id"], name="webhook_event_seller_recent")]

    def __str__(self) -> str:
        return f"{self.type} {self.public_id}"

    @property
    def event_id(self) -> str:
        return f"evt_{self.public_id.hex}"


class WebhookDelivery(models.Model):
    """One event owed to one subscription: the outbox row the worker claims, sends and records.

    Deliveries of the same subscription and the same `ordering_key` (the order, or the product)
    go out in the order they were written: a later one waits while an earlier one is still queued
    or being sent, so a receiver never sees "shipped" before "placed".
    """

    seller = models.ForeignKey("accounts.Seller", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    ordering_key = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=DeliveryState.choices, default=DeliveryState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=64, blank=True, default="")
    claim_id = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="webhook_delivery_once_per_subscription"),
            models.CheckConstraint(condition=Q(state__in=terms.DELIVERY_STATES.values), name="webhook_delivery_valid"),
            models.CheckConstraint(
                condition=~Q(state=terms.SENDING) | Q(claim_id__isnull=False), name="webhook_sending_is_claimed"
            ),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state=terms.QUEUED), name="webhook_delivery_due"),
            # The order-per-order check: open deliveries of one subscription and key.
            models.Index(
                fields=["subscription", "ordering_key", "id"],
                condition=Q(state__in=terms.OPEN_DELIVERY_STATES),
                name="webhook_delivery_open",
            ),
            models.Index(fields=["subscription", "-id"], name="webhook_delivery_log"),
            models.Index(fields=["claimed_at"], condition=Q(state=terms.SENDING), name="webhook_delivery_in_flight"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → subscription {self.subscription_id} ({self.state})"

    @property
    def event_id(self) -> str:
        return self.event.event_id


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery, as the log shows it: status code, latency, a response excerpt."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    url = models.CharField(max_length=2000)  # where it went last (after redirects)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)  # null: no HTTP answer
    latency_ms = models.PositiveIntegerField()
    response_excerpt = models.CharField(max_length=1000, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    started_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["delivery", "id"], name="webhook_attempt_delivery")]

    def __str__(self) -> str:
        return f"attempt {self.pk} of delivery {self.delivery_id}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
