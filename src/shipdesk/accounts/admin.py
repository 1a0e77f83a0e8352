from django.contrib import admin
from django.db import transaction

from shipdesk.readonly_admin import ReadOnlyAdmin

from .models import ApiToken, ClosureDay, Invitation, Membership, Seller, User
from .services import forget_cached_tokens, revoke_api_token


class ClosureDayInline(admin.TabularInline):
    model = ClosureDay
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "country", "timezone", "is_active", "created_at"]
    search_fields = ["slug", "name", "email"]
    list_filter = ["is_active", "country"]
    readonly_fields = ["last_order_number", "created_at"]
    inlines = [ClosureDayInline, MembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not obj.is_active:
            # A closed shop's tokens stop working at once, cached or not (accounts.services).
            hashes = list(obj.api_tokens.values_list("token_hash", flat=True))
            transaction.on_commit(lambda: forget_cached_tokens(hashes))


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "name"]
    exclude = ["password"]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "kind", "seller", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["kind"]
    # The hash is useless to read and must never be edited: tokens are made by `shipdesk createtoken`.
    # Revoked only by the action below (the service also forgets the token's cached lookup).
    readonly_fields = [
        "kind",
        "seller",
        "prefix",
        "token_hash",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]

    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            revoke_api_token(token_id=token.pk, seller=None)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Invitations to join a shop: answered only by the invited person (accounts.services)."""

    list_display = ["email", "seller", "role", "status", "invited_by", "created_at", "answered_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "seller__slug"]
    exclude = ["token_hash"]
