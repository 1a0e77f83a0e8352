"""Seller performance: customers' reviews, and (from the daily evaluation) snapshots and penalty points."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


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
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

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


class Standing(models.TextChoices):
    GOOD = "good"  # every metric within its target, no active penalty points
    AT_RISK = "at_risk"  # a metric close to its target, or points still active from a past breach
    PENALISED = "penalised"  # a metric past its target, or too many active points


class PerformanceSnapshot(models.Model):
    """One seller's figures and standing as of the end of one local day. Written by the daily
    evaluation, never updated: the history (and the trend on the performance page) reads these."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # the seller's local day; figures as of the local midnight ending it
    as_of = models.DateTimeField()
    standing = models.CharField(max_length=16, choices=Standing.choices)
    points = models.PositiveIntegerField(default=0)
    hold_extra_days = models.PositiveSmallIntegerField(default=0)
    # {metric key: {"value": "4.00" | null, "numerator": n, "denominator": d, "status": s}}
    metrics = models.JSONField(default=dict)
    breached = models.JSONField(default=list)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "day"], name="performance_snapshot_once_per_day"),
            models.CheckConstraint(
                condition=Q(standing__in=Standing.values), name="performance_snapshot_standing_valid"
            ),
        ]
        indexes = [models.Index(fields=["seller", "-day"], name="perf_snapshot_seller_day")]

    def __str__(self) -> str:
        return f"{self.seller_id} on {self.day}: {self.standing}"


class PenaltyPoint(models.Model):
    """Points earned by one breach of one metric on one day; they count until `expires_on`."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=32)
    points = models.PositiveSmallIntegerField()
    awarded_on = models.DateField()
    expires_on = models.DateField()  # the first day they no longer count
    value = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)  # the figure that breached
    target = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "metric", "awarded_on"], name="penalty_point_once_per_metric_day"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("awarded_on")), name="penalty_point_expires_after_award"
            ),
        ]
        indexes = [models.Index(fields=["seller", "expires_on"], name="penalty_point_seller_active")]

    def __str__(self) -> str:
        return f"{self.points} pt for {self.metric} on {self.awarded_on}"


class SellerStanding(models.Model):
    """The latest evaluation of one seller: what the hold, the alerts and the operator's ranking read.

    Updated by the daily evaluation only (one row per seller); `rank` orders the ranking worst
    first with one index (0 penalised, 1 at risk, 2 good).
    """

    seller = models.OneToOneField(
        "accounts.Seller", on_delete=models.CASCADE, primary_key=True, related_name="performance_standing"
    )
    standing = models.CharField(max_length=16, choices=Standing.choices, default=Standing.GOOD)
    rank = models.PositiveSmallIntegerField(default=2)
    points = models.PositiveIntegerField(default=0)
    hold_extra_days = models.PositiveSmallIntegerField(default=0)
    breached = models.JSONField(default=list)
    evaluated_on = models.DateField()
    evaluated_at = models.DateTimeField()
    changed_at = models.DateTimeField()  # when the standing last changed

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(standing__in=Standing.values), name="seller_standing_valid")]
        indexes = [models.Index(fields=["rank", "-points", "seller"], name="seller_standing_ranking")]

    def __str__(self) -> str:
        return f"{self.seller_id}: {self.standing}"
