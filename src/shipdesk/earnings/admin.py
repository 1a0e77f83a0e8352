"""The ledger in the admin: read-only (entries are append-only; a correction is an adjustment entry).

Commission and hold are set per seller on the Seller page (`commission_rate`, `hold_days`; empty
means the platform's SHIPDESK_COMMISSION_RATE / SHIPDESK_HOLD_DAYS). A penalised seller's hold is
longer by its active penalty points (docs/performance.md), on top of these.
"""

from django.contrib import admin

from shipdesk.readonly_admin import ReadOnlyAdmin

from .models import LedgerEntry, Payout, ScheduledRelease


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "seller", "kind", "order", "currency", "pending", "available", "paid_out", "created_at"]
    list_filter = ["kind", "currency"]
    list_select_related = ["seller", "order"]
    search_fields = ["seller__slug"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["id", "seller", "currency", "amount", "created_at"]
    list_select_related = ["seller"]


@admin.register(ScheduledRelease)
class ScheduledReleaseAdmin(ReadOnlyAdmin):
    list_display = ["order", "seller", "basis", "release_at", "released_at"]
    list_select_related = ["seller", "order"]
