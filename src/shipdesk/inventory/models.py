"""Products (SKUs) and the ledger of stock moves.

`available = on_hand - reserved` is derived, never stored. The database refuses any row where
`reserved` would leave `[0, on_hand]`, so no race can oversell even if a service were wrong.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

# The most units one SKU may count, whichever way they arrive (API, dashboard, CSV import):
# far beyond any stockroom, and far inside the 32-bit integer column, so a count or a sum of
# counts never overflows it (a 500 on PostgreSQL) nor wraps.
MAX_ON_HAND = 10_000_000
# The heaviest and largest unit a product may say it is: beyond any parcel carrier's limits.
MAX_WEIGHT_GRAMS = 1_000_000
MAX_SIDE_CM = 1000


class Product(models.Model):
    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="products")
    sku = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    barcode = models.CharField(max_length=64, blank=True, default="")
    # Where the product sits in the stockroom ("A-03-2"): pick lists walk the shelves in this order.
    bin_location = models.CharField(max_length=32, blank=True, default="")
    # How it must be handled (`inventory.handling_notes` values, in that set's order): printed
    # beside its line on the pick list and the packing slip.
    handling_notes = models.JSONField(default=list, blank=True)
    price = models.DecimalField(max_digits=18, decimal_places=4)
    currency = models.CharField(max_length=3)
    # One unit as it goes into a box: a parcel's weight and size for rates and labels are
    # summed from these (shipping.labels.parcels). Unknown: null, and the shop's box decides.
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    length_cm = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    width_cm = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    height_cm = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    low_stock_threshold = models.PositiveIntegerField(default=5)
    # When the available stock last fell to the threshold; null while above it (the fall is
    # announced once: inventory.services.note_stock_levels).
    low_stock_since = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "sku"], name="product_sku_unique_per_seller"),
            models.UniqueConstraint(
                fields=["seller", "barcode"], condition=~Q(barcode=""), name="product_barcode_unique_per_seller"
            ),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="product_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="product_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="product_reserved_within_on_hand"),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
        ]
        indexes = [models.Index(fields=["seller", "title"], name="product_seller_title")]

    def __str__(self) -> str:
        return f"{self.sku} ({self.seller_id})"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMove(models.Model):
    """One change of a product's stock: what changed, why, by whom, for which order."""

    class Kind(models.TextChoices):
        RECEIVED = "received"  # stock added (delivery from a supplier)
        SET = "set"  # on_hand set to a counted figure
        ADJUSTED = "adjusted"  # on_hand corrected by a delta (damage, loss, found)
        RESERVED = "reserved"  # held for an order line
        RELEASED = "released"  # a reservation given back (cancel before processing)
        DEDUCTED = "deducted"  # left the shelf for an order (processing)
        RESTOCKED = "restocked"  # came back to the shelf (cancel during processing, a resellable return)
        WRITTEN_OFF = "written_off"  # came back damaged from a customer: recorded, never back on the shelf

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="moves")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    reason = models.CharField(max_length=200, blank=True, default="")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor = models.CharField(max_length=200)  # who, as shown in the history ("ada@shop.test", "platform", "system")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the units moved: the time of the action that moved them (`build_stock_move(at=)`).
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "received",
                        "set",
                        "adjusted",
                        "reserved",
                        "released",
                        "deducted",
                        "restocked",
                        "written_off",
                    ]
                ),
                name="stock_move_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["seller", "product", "-id"], name="stock_move_product_recent")]
