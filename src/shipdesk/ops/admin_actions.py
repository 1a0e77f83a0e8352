"""Operator actions in the admin. They change orders only through the services, each with the
reason the operator gives, recorded on the order's timeline as the operator's own action."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from shipdesk.actors import Actor, ActorKind
from shipdesk.errors import ShipdeskError
from shipdesk.orders import services
from shipdesk.orders.models import CancelReason


class CancelForm(forms.Form):
    reason = forms.ChoiceField(choices=CancelReason.choices)
    note = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the operator cancels: shown on the order's timeline.",
    )


def operator_actor(request) -> Actor:
    return Actor(
        kind=ActorKind.OPERATOR, label=f"operator {request.user.get_username()}"[:200], user_id=request.user.pk
    )


@admin.action(description="Cancel the selected orders (with a reason)")
def cancel_with_reason(modeladmin, request, queryset):
    if not request.user.is_superuser:
        modeladmin.message_user(request, "Only a superuser may cancel orders from the admin.", messages.ERROR)
        return None
    form = CancelForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        done, refused = 0, []
        for order in queryset.only("pk", "seller_id", "number"):
            try:
                services.cancel_order(
                    order_id=order.pk,
                    seller_id=order.seller_id,
                    actor=operator_actor(request),
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
                done += 1
            except ShipdeskError as exc:
                refused.append(f"{order.number}: {exc.message}")
        if done:
            modeladmin.message_user(request, f"Cancelled {done} order(s).", messages.SUCCESS)
        for line in refused:
            modeladmin.message_user(request, f"Not cancelled — {line}", messages.ERROR)
        return None
    return TemplateResponse(
        request,
        "ops/admin/cancel_orders.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "Cancel orders",
            "orders": queryset,
            "form": form,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )
