"""The operator's screens for claims and chargebacks: read-only lists, and the decision on an
escalated claim as an admin action that calls `claims.services.decide_claim` (the same rules as
the API; the operator's note goes on the order's timeline and into the customer's email)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from shipdesk.errors import ShipdeskError
from shipdesk.ops.admin_actions import operator_actor
from shipdesk.readonly_admin import ReadOnlyAdmin

from . import services, terms
from .models import Claim, ClaimLine, Dispute


class DecisionForm(forms.Form):
    note = forms.CharField(
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why: shown on the order's timeline and in the customer's email.",
    )


def _decide(modeladmin, request, queryset, *, decision: str, action: str, title: str):
    if not request.user.is_superuser:
        modeladmin.message_user(request, "Only a superuser may decide claims.", messages.ERROR)
        return None
    form = DecisionForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        done, refused = 0, []
        for claim_id in queryset.values_list("pk", flat=True):
            try:
                services.decide_claim(
                    claim_id=claim_id, actor=operator_actor(request), decision=decision, note=form.cleaned_data["note"]
                )
                done += 1
            except ShipdeskError as exc:
                refused.append(f"claim {claim_id}: {exc.message}")
        if done:
            modeladmin.message_user(request, f"Decided {done} claim(s).", messages.SUCCESS)
        for line in refused:
            modeladmin.message_user(request, f"Not decided — {line}", messages.ERROR)
        return None
    return TemplateResponse(
        request,
        "claims/admin/decide_claims.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "claims": queryset.select_related("order"),
            "form": form,
            "decision_label": terms.DECISIONS.label(decision),
            "action": action,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.action(description="Refund the customer (charged to the seller's earnings)")
def refund_customer(modeladmin, request, queryset):
    return _decide(
        modeladmin,
        request,
        queryset,
        decision=terms.REFUND_CUSTOMER,
        action="refund_customer",
        title="Refund the customer",
    )


@admin.action(description="Close in the seller's favour (no refund)")
def close_for_seller(modeladmin, request, queryset):
    return _decide(
        modeladmin,
        request,
        queryset,
        decision=terms.SELLER_FAVOUR,
        action="close_for_seller",
        title="Close in the seller's favour",
    )


class ClaimLineInline(admin.TabularInline):
    model = ClaimLine
    fields = ["line", "quantity"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ["pk", "order", "seller", "kind", "status", "opened_at", "answer_by", "escalated_at", "refunded"]
    list_filter = ["status", "kind"]
    list_select_related = ["order", "seller"]
    search_fields = ["=order__number"]
    show_full_result_count = False
    inlines = [ClaimLineInline]
    actions = [refund_customer, close_for_seller]


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["provider_dispute_id", "order", "seller", "status", "reason", "amount", "currency", "held"]
    list_filter = ["status", "provider"]
    list_select_related = ["order", "seller"]
    search_fields = ["=provider_dispute_id"]
    show_full_result_count = False
