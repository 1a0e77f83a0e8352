"""Outgoing webhooks in the admin: shown for the operator, changed only through the services."""

from django.contrib import admin

from shipdesk.readonly_admin import ReadOnlyAdmin

from .models import WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("url", "seller", "state", "failing_since", "last_success_at", "disabled_at")
    list_filter = ("state",)
    exclude = ("secret", "previous_secret")  # signing keys are not for the operator's screen
    search_fields = ("url", "seller__slug")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "subscription", "event", "state", "attempts", "last_status_code", "next_attempt_at")
    list_filter = ("state",)
    raw_id_fields = ("subscription", "event", "seller")
