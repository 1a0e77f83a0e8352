"""Labels bought through a label provider, the rates they were chosen from, boxes, and label batches.

Data and constraints only. `shipping.labels.services` writes them; the order's side of a purchase
(its lock, the timeline, the ledger's postage) is `orders.services.labels`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Box(models.Model):
    """A box the shop packs into: a parcel's size, and its own weight added to the contents'."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.CASCADE, related_name="boxes")
    name = models.CharField(max_length=100)
    length_cm = models.DecimalField(max_digits=6, decimal_places=1)
    width_cm = models.DecimalField(max_digits=6, decimal_places=1)
    height_cm = models.DecimalField(max_digits=6, decimal_places=1)
    weight_grams = models.PositiveIntegerField(default=0)  # the empty box
    is_default = models.BooleanField(default=False)  # tried first for every parcel

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "name"], name="box_name_unique_per_seller"),
            models.UniqueConstraint(fields=["seller"], condition=Q(is_default=True), name="box_one_default_per_seller"),
            models.CheckConstraint(
                condition=Q(length_cm__gt=0, width_cm__gt=0, height_cm__gt=0), name="box_sides_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.length_cm}×{self.width_cm}×{self.height_cm} cm)"


class RateQuote(models.Model):
    """A rate a provider quoted for an order's parcel, kept so that buying it charges what was shown.

    `provider_rate_id` is what the API calls `rate_id`; a quote is good for one order only.
    """

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="rate_quotes")
    provider = models.CharField(max_length=16)  # sandbox, easypost, shippo
    provider_rate_id = models.CharField(max_length=100)
    provider_shipment_id = models.CharField(max_length=100, blank=True, default="")
    carrier = models.CharField(max_length=32)  # our carrier code (shipping.carriers)
    service_level = models.CharField(max_length=64)
    price = models.DecimalField(max_digits=18, decimal_places=4)
    currency = models.CharField(max_length=3)
    delivery_days = models.PositiveSmallIntegerField(null=True, blank=True)
    delivery_date = models.DateField(null=True, blank=True)
    weight_grams = models.PositiveIntegerField()
    length_cm = models.DecimalField(max_digits=6, decimal_places=1)
    width_cm = models.DecimalField(max_digits=6, decimal_places=1)
    height_cm = models.DecimalField(max_digits=6, decimal_places=1)
    # The parcel's contents: order line id (as text: JSON keys) → units; {} is every unit left to ship.
    lines = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "provider", "provider_rate_id"], name="rate_quote_once_per_order"),
            models.CheckConstraint(condition=Q(price__gte=0), name="rate_quote_price_not_negative"),
        ]
        indexes = [models.Index(fields=["seller", "order", "provider_rate_id"], name="rate_quote_lookup")]


class LabelStatus(models.TextChoices):
    """Where a label stands. Only a bought label that has not shipped may be voided."""

    BUYING = "buying"  # reserved for the order while the provider is asked; nothing charged yet
    BOUGHT = "bought"  # postage paid and charged, tracking number attached; the parcel has not left
    SHIPPED = "shipped"  # the order's parcel left with it: in use, no longer voidable
    VOIDING = "voiding"  # the provider is being asked to void it
    VOIDED = "voided"  # voided, postage refunded in the ledger
    FAILED = "failed"  # the provider refused the purchase; nothing was charged


# The label an order is working on: at most one at a time per order (a unique key), so two
# clerks buying at once buy one label. A shipped label belongs to its parcel and no longer counts.
PENDING_LABEL_STATUSES = (LabelStatus.BUYING, LabelStatus.BOUGHT, LabelStatus.VOIDING)


class Label(models.Model):
    """A shipping label bought through a provider: postage, tracking number and the printable PDF.

    Bought for one parcel of an order (`lines`: the whole rest of the order, or some of its lines),
    linked to its order from the purchase and to its parcel (`shipment`) once it ships.
    """

    Status = LabelStatus

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="labels")
    shipment = models.ForeignKey(
        "shipping.Shipment", on_delete=models.SET_NULL, null=True, blank=True, related_name="labels"
    )
    status = models.CharField(max_length=16, choices=LabelStatus.choices, default=LabelStatus.BUYING)
    provider = models.CharField(max_length=16)
    provider_rate_id = models.CharField(max_length=100)
    provider_shipment_id = models.CharField(max_length=100, blank=True, default="")
    provider_label_id = models.CharField(max_length=100, blank=True, default="")  # what a void names
    carrier = models.CharField(max_length=32)
    service_level = models.CharField(max_length=64)
    tracking_number = models.CharField(max_length=64, blank=True, default="")  # normalised
    price = models.DecimalField(max_digits=18, decimal_places=4)
    currency = models.CharField(max_length=3)
    delivery_date = models.DateField(null=True, blank=True)
    weight_grams = models.PositiveIntegerField()
    # The parcel it was bought for: order line id (as text) → units; {} is every unit left to ship.
    # Marking shipped with the label ships exactly these as one parcel (`shipment`).
    lines = models.JSONField(default=dict, blank=True)
    pdf = models.BinaryField(blank=True, default=b"")  # the 4×6 in label as the provider made it
    failure = models.CharField(max_length=500, blank=True, default="")  # the provider's refusal, when FAILED
    bought_by = models.CharField(max_length=200, blank=True, default="")  # who, as the timeline names them
    created_at = models.DateTimeField()
    bought_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=["buying", "bought", "voiding"]),
                name="label_one_pending_per_order",
            ),
            models.CheckConstraint(condition=Q(status__in=LabelStatus.values), name="label_status_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["buying", "failed"]) | ~Q(tracking_number=""),
                name="label_bought_has_tracking_number",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="label_price_not_negative"),
        ]
        indexes = [
            models.Index(fields=["seller", "order"], name="label_seller_order"),
            # A carrier's first scan names a number: this finds the bought label it belongs to.
            models.Index(fields=["tracking_number"], condition=Q(status="bought"), name="label_bought_number"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number or '(buying)'} for order {self.order_id}"


class LabelBatch(models.Model):
    """Labels bought for many processing orders at once: progress, a report per order, one PDF.

    `report` lists per order `{order_id, number, ok, label_id, code, message}` in the order asked.
    """

    class Status(models.TextChoices):
        RUNNING = "running"  # orders are being rated and bought (a job for long batches)
        FINISHED = "finished"  # every order was tried; the PDF holds the labels bought

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    order_ids = models.JSONField(default=list)
    total = models.PositiveIntegerField()
    processed = models.PositiveIntegerField(default=0)
    bought = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list, blank=True)
    pdf = models.BinaryField(blank=True, default=b"")
    created_by = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["running", "finished"]), name="label_batch_status_valid"),
            models.CheckConstraint(condition=Q(processed__lte=models.F("total")), name="label_batch_progress_bounded"),
        ]
        indexes = [models.Index(fields=["seller", "-created_at"], name="label_batch_seller_recent")]
