"""A marketplace checkout: one basket, one customer, one payment — split into one order per shop."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Checkout(models.Model):
    """The storefront's checkout, recorded once with the orders it became.

    Unique by the storefront's `reference` and by its Idempotency-Key, so a retry returns these
    orders instead of placing new ones; `request_fingerprint` tells a retry (same body) from a
    conflicting reuse of the key.
    """

    reference = models.CharField(max_length=128, unique=True)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    request_fingerprint = models.CharField(max_length=64)
    currency = models.CharField(max_length=3)
    payment_status = models.CharField(max_length=20)
    payment_amount = models.DecimalField(max_digits=18, decimal_places=4)
    payment_reference = models.CharField(max_length=200, blank=True, default="")
    customer_email = models.EmailField(max_length=254)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(payment_amount__gte=0), name="checkout_amount_not_negative")]

    def __str__(self) -> str:
        return f"checkout {self.reference}"


class CheckoutOrder(models.Model):
    """One shop's order of a checkout, and the part of the payment allocated to it (its total)."""

    checkout = models.ForeignKey(Checkout, on_delete=models.CASCADE, related_name="parts")
    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="checkout_part")
    allocated = models.DecimalField(max_digits=18, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["checkout", "seller"], name="checkout_one_order_per_shop"),
        ]

    def __str__(self) -> str:
        return f"{self.checkout_id}: order {self.order_id}"
