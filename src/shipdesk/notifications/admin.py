"""Operator views of the outbox and alerts: read-only, with one action (send a failed message again)."""

from django.contrib import admin, messages

from shipdesk.readonly_admin import ReadOnlyAdmin

from . import services
from .models import Alert, Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "recipient",
        "order",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    list_filter = ("status", "kind")
    search_fields = ("recipient", "subject", "provider_message_id")
    list_select_related = ("order",)
    show_full_result_count = False
    actions = ["send_again"]

    @admin.action(description="Send the selected failed messages again", permissions=["send_again"])
    def send_again(self, request, queryset):
        count = services.requeue_failed(notification_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} failed message(s) queued again.", messages.SUCCESS)

    def has_send_again_permission(self, request):
        return request.user.is_staff


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("id", "seller", "kind", "title", "order", "read_at", "created_at")
    list_filter = ("kind",)
    list_select_related = ("seller", "order")
    show_full_result_count = False
