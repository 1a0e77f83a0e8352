from django.contrib import admin

from shipdesk.readonly_admin import ReadOnlyAdmin

from .models import ReturnPolicy, ReturnRequest


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ReadOnlyAdmin):
    """Read-only: a return changes only through its actions (API, dashboard), never by editing."""

    list_display = ("id", "seller", "order", "status", "requested_at", "action_due_at")
    list_filter = ("status",)
    search_fields = ("order__number",)


@admin.register(ReturnPolicy)
class ReturnPolicyAdmin(admin.ModelAdmin):
    list_display = ("seller", "window_days", "shipping_policy", "updated_at")
