"""Seller performance: customers' reviews, and (from the daily evaluation) snapshots and penalty points."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Review(models.Model):
    """A customer's rating of one delivered order, left once through the signed `/r/<token>/` link.

    The seller may answer once. Neither the rating nor the reply is edited afterwards: a rating
    that could be changed by whoever holds the link, or a reply rewritten after the customer read
    it, would make the seller's average untraceable.
    """

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="review")
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    reply = models.TextField(blank=True, default="")
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"),
            models.CheckConstraint(
                condition=Q(replied_at__isnull=True, reply="") | (Q(replied_at__isnull=False) & ~Q(reply="")),
                name="review_reply_has_time",
            ),
        ]
        indexes = [
            # The seller's reviews, newest first, and the 90-day average across sellers.
            models.Index(fields=["seller", "-created_at", "-id"], name="review_seller_created"),
            models.Index(fields=["created_at"], name="review_created"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ on order {self.order_id}"
