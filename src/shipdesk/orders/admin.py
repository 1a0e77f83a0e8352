"""The operator's view of orders: read-only. Status, money and stock change only through the
services (the API, dashboard or CLI), which check the rules and write the timeline."""

from django.contrib import admin

from shipdesk.ops.admin_actions import cancel_with_reason
from shipdesk.readonly_admin import ReadOnlyAdmin

from .models import Order, OrderEvent, OrderLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ["sku", "title", "quantity", "quantity_cancelled", "unit_price", "tax", "stock"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    fields = ["created_at", "type", "actor_kind", "actor_label", "params"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "seller", "status", "payment_status", "total", "currency", "placed_at", "action_due_at"]
    list_filter = ["status", "payment_status"]
    search_fields = ["=number", "=customer_email", "=external_id"]
    list_select_related = ["seller"]
    show_full_result_count = False  # no COUNT(*) over millions of rows on every page
    inlines = [OrderLineInline, OrderEventInline]
    # Changes only through the services, with the operator's reason on the timeline.
    actions = [cancel_with_reason]
