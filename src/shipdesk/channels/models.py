"""Channels: a shop's connection to a marketplace or storefront, its SKU map, the orders held
until a SKU is mapped, the fulfilment updates sent back, webhook deliveries seen, and CSV imports.

Every row carries `seller_id`, and unique keys start with it. State changes go through
`channels.services`; these models hold data and what the database can keep.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from . import terms

ChannelKind = models.TextChoices("ChannelKind", terms.CHANNEL_KINDS.choices_by_name())
HoldReason = models.TextChoices("HoldReason", terms.HOLD_REASONS.choices_by_name())
HeldState = models.TextChoices("HeldState", terms.HELD_ORDER_STATES.choices_by_name())
FulfilmentKind = models.TextChoices("FulfilmentKind", terms.FULFILMENT_KINDS.choices_by_name())
FulfilmentState = models.TextChoices("FulfilmentState", terms.FULFILMENT_STATES.choices_by_name())
ImportState = models.TextChoices("ImportState", terms.IMPORT_STATES.choices_by_name())


class Channel(models.Model):
    """One shop's connection to one channel kind: its webhook secret and where fulfilment goes.

    The two credentials of the seller's other shop are sealed at rest (`shipdesk.sealed_secrets`):
    the columns hold Fernet tokens, opened only where they are used (the webhook's signature check,
    the fulfilment request). "" means not set. Changed only through `channels.services`.
    """

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    # The secret the channel signs its webhooks with (Shopify's app secret, WooCommerce's webhook
    # secret), sealed. Empty: no webhook is accepted.
    webhook_secret_sealed = models.TextField(blank=True, default="")
    # Where fulfilment is sent (https://<shop>.myshopify.com, https://store.example/, SP-API's
    # regional endpoint) and the credential it needs (sealed); empty: nothing is sent back.
    api_base_url = models.URLField(max_length=300, blank=True, default="")
    api_token_sealed = models.TextField(blank=True, default="")
    account_id = models.CharField(max_length=100, blank=True, default="")  # Etsy's shop id
    # Switched off by the seller: its webhooks are refused (404, as an unknown one) and nothing is
    # sent back to it, until it is switched on again. Its settings are kept.
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "kind"], name="channel_one_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=ChannelKind.values), name="channel_kind_valid"),
        ]

    def __str__(self) -> str:
        return terms.CHANNEL_KINDS.label(self.kind)

    @property
    def webhook_secret_set(self) -> bool:
        return bool(self.webhook_secret_sealed)

    @property
    def api_token_set(self) -> bool:
        return bool(self.api_token_sealed)


class SkuMapping(models.Model):
    """The channel's SKU (or listing id) → our SKU, per shop and channel."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="sku_mappings")
    channel_sku = models.CharField(max_length=128)
    sku = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "channel", "channel_sku"], name="sku_mapping_unique"),
        ]


class ChannelOrder(models.Model):
    """An order that came from a channel: the channel's own status and the ids fulfilment needs."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="orders")
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="channel_link")
    external_id = models.CharField(max_length=128)
    channel_status = models.CharField(max_length=64, blank=True, default="")
    # What the channel itself last said the order was (orders.terms status): a shipment or
    # cancellation it told us is not sent back to it.
    channel_state = models.CharField(max_length=16, blank=True, default="")
    channel_updated_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # What could not be done when the channel's state was applied here (a short line blocks the
    # confirm; "completed" without a tracking number cannot ship): shown on the order.
    sync_note = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "channel", "external_id"], name="channel_order_unique"),
        ]


class HeldOrder(models.Model):
    """A channel's order that could not be placed yet: a SKU to map, or fields to review."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="held_orders")
    external_id = models.CharField(max_length=128)
    status = models.CharField(max_length=16, choices=HeldState.choices, default=HeldState.HELD)
    reason = models.CharField(max_length=16, choices=HoldReason.choices)
    unmapped_skus = models.JSONField(default=list, blank=True)  # the channel SKUs to map
    problems = models.JSONField(default=dict, blank=True)  # field path → messages (needs review)
    incoming = models.JSONField()  # the IncomingOrder, replayed when released
    order = models.ForeignKey("orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "channel", "external_id"], name="held_order_unique"),
            models.CheckConstraint(condition=Q(status__in=HeldState.values), name="held_order_status_valid"),
            models.CheckConstraint(condition=Q(reason__in=HoldReason.values), name="held_order_reason_valid"),
        ]
        indexes = [
            models.Index(fields=["seller", "status", "-created_at"], name="held_order_seller_status"),
        ]


class FulfilmentUpdate(models.Model):
    """A shipment or cancellation to tell the channel, sent by the worker with retries. At most one
    of each kind per order: a retried task or a repeated event never sends twice."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="fulfilment_updates")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=FulfilmentKind.choices)
    status = models.CharField(max_length=16, choices=FulfilmentState.choices, default=FulfilmentState.PENDING)
    params = models.JSONField(default=dict)  # carrier, tracking number, reason
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=1000, blank=True, default="")
    response_status = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "kind"], name="fulfilment_update_once_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=FulfilmentKind.values), name="fulfilment_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=FulfilmentState.values), name="fulfilment_status_valid"),
        ]
        indexes = [models.Index(fields=["seller", "order"], name="fulfilment_seller_order")]


class WebhookDelivery(models.Model):
    """A channel's webhook delivery id seen once: the same delivery again changes nothing."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    delivery_id = models.CharField(max_length=200)
    topic = models.CharField(max_length=64)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "channel", "delivery_id"], name="webhook_delivery_once"),
        ]


class ImportMapping(models.Model):
    """A shop's saved column mapping for CSV imports: our field → the file's column header."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    columns = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["seller", "name"], name="import_mapping_unique")]


class OrderImport(models.Model):
    """One uploaded file being imported: its rows, its mapping, its progress and its report."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=200)
    channel_kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    columns = models.JSONField(default=dict)  # the mapping used
    content = models.TextField()  # the file's text; kept until the import is done
    status = models.CharField(max_length=16, choices=ImportState.choices, default=ImportState.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    placed = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    existing = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list, blank=True)  # [{"row": n, "message": "..."}], one per bad row
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ImportState.values), name="order_import_status_valid"),
        ]
        indexes = [models.Index(fields=["seller", "-created_at"], name="order_import_seller_created")]
