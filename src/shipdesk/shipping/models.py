from __future__ import annotations

from django.db import models
from django.db.models import Q


class Shipment(models.Model):
    """The parcel of a shipped order: carrier, service level, tracking number and ETA."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="shipment")
    carrier = models.CharField(max_length=32)
    service_level = models.CharField(max_length=64)
    tracking_number = models.CharField(max_length=64)  # normalised
    tracking_url = models.CharField(max_length=500, blank=True, default="")
    shipped_at = models.DateTimeField()
    eta = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delayed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # A tracked parcel's number identifies one shipment of a seller; reusing one is a mistake
            # (or worse) that the seller must see. "other" (untracked) numbers are free text.
            models.UniqueConstraint(
                fields=["seller", "carrier", "tracking_number"],
                condition=~Q(carrier="other"),
                name="shipment_tracking_unique_per_seller",
            ),
            models.CheckConstraint(condition=~Q(tracking_number=""), name="shipment_tracking_number_present"),
        ]
        indexes = [models.Index(fields=["tracking_number"], name="shipment_tracking_number")]
