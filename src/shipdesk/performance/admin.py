"""Seller performance in the admin: read-only. Standing, snapshots and points are written by the
daily evaluation only (`performance.services`); an operator reads them here, and sees the ranking
of all sellers worst first on the Seller standings list."""

from django.contrib import admin

from shipdesk.readonly_admin import ReadOnlyAdmin

from .models import PenaltyPoint, PerformanceSnapshot, Review, SellerStanding


@admin.register(SellerStanding)
class SellerStandingAdmin(ReadOnlyAdmin):
    list_display = ["seller", "standing", "points", "hold_extra_days", "breached", "evaluated_on", "changed_at"]
    list_filter = ["standing"]
    list_select_related = ["seller"]
    search_fields = ["seller__slug"]
    ordering = ["rank", "-points", "seller_id"]


@admin.register(PerformanceSnapshot)
class PerformanceSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["seller", "day", "standing", "points", "hold_extra_days", "breached"]
    list_filter = ["standing"]
    list_select_related = ["seller"]
    search_fields = ["seller__slug"]
    date_hierarchy = "day"


@admin.register(PenaltyPoint)
class PenaltyPointAdmin(ReadOnlyAdmin):
    list_display = ["seller", "metric", "points", "value", "target", "awarded_on", "expires_on"]
    list_filter = ["metric"]
    list_select_related = ["seller"]
    search_fields = ["seller__slug"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["order", "seller", "rating", "created_at", "replied_at"]
    list_filter = ["rating"]
    list_select_related = ["seller", "order"]
    search_fields = ["seller__slug"]
