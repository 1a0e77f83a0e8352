from django.contrib import admin

from .models import Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "seller", "title", "on_hand", "reserved", "is_active"]
    search_fields = ["sku", "title", "barcode"]
    list_select_related = ["seller"]
    # Stock changes go through `change_stock`, which records a stock move and re-reserves short lines.
    readonly_fields = ["seller", "sku", "currency", "on_hand", "reserved", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False
