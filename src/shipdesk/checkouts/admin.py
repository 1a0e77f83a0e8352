"""Checkouts in the admin: shown for the operator, never edited there (orders change only through services)."""

from django.contrib import admin

from shipdesk.readonly_admin import ReadOnlyAdmin

from .models import Checkout


@admin.register(Checkout)
class CheckoutAdmin(ReadOnlyAdmin):
    list_display = ("reference", "currency", "payment_status", "payment_amount", "created_at")
    search_fields = ("reference", "customer_email")
