"""What the operator sees of shipping in the admin: carrier messages that matched several parcels."""

from __future__ import annotations

from django.contrib import admin

from shipdesk.readonly_admin import ReadOnlyAdmin

from .models import AmbiguousTrackingUpdate


@admin.register(AmbiguousTrackingUpdate)
class AmbiguousTrackingUpdateAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "tracking_number", "carrier", "status", "source", "event_id", "shipment_ids")
    list_filter = ("source", "carrier")
    search_fields = ("tracking_number", "event_id")
    date_hierarchy = "received_at"
    ordering = ("-received_at",)
