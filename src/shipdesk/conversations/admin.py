"""Operator views of conversations and the inbound-email log: read-only (messages change only
through the services). Support cases are answered on their own screens, /admin/support/."""

from django.contrib import admin

from shipdesk.readonly_admin import ReadOnlyAdmin

from .models import InboundEmail, Message, SupportCase


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyAdmin):
    list_display = ("id", "received_at", "outcome", "reason", "via", "sender", "subject", "order", "size")
    list_filter = ("outcome", "reason", "via")
    search_fields = ("email_message_id", "sender", "subject")
    show_full_result_count = False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "direction", "channel", "author_label", "created_at", "needs_answer", "answered_at")
    list_filter = ("direction", "channel")
    search_fields = ("email_message_id", "author_label")
    list_select_related = ("order",)
    show_full_result_count = False


@admin.register(SupportCase)
class SupportCaseAdmin(ReadOnlyAdmin):
    list_display = ("id", "seller", "topic", "subject", "status", "updated_at")
    list_filter = ("status", "topic")
    list_select_related = ("seller",)
