"""The seller's claim and chargeback actions on the dashboard's order page.

Each view parses its form, calls one service and goes back to the order page, saying what was
done or why it was refused (`shipdesk.dashboard.feedback`). The panel itself is drawn by the
`claims_panel` template tag on the order page.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from shipdesk.dashboard.access import actor_of, seller_view
from shipdesk.dashboard.feedback import show_error
from shipdesk.errors import NotFound, ShipdeskError, ValidationFailed
from shipdesk.pagination import BadCursor

from . import selectors, services, terms
from .api import evidence_pdf


class AnswerForm(forms.Form):
    resolution = forms.ChoiceField(choices=[(t.value, t.label) for t in terms.RESOLUTIONS])
    note = forms.CharField(max_length=4000, required=False)
    carrier = forms.CharField(max_length=32, required=False)
    service_level = forms.CharField(max_length=64, required=False)
    tracking_number = forms.CharField(max_length=200, required=False)


class RefuseForm(forms.Form):
    reason = forms.CharField(max_length=4000)


def _claim_order(request, claim_id: int) -> int:
    try:
        return selectors.get_claim(seller_id=request.seller.pk, claim_id=claim_id).order_id
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _back(order_id: int):
    return redirect(reverse("order", args=[order_id]) + "#claims")


def _act(request, call, *, success) -> None:
    """Run the service; a refusal is said above the order page, field by field for bad input."""
    try:
        value = call()
    except ValidationFailed as exc:
        for field, problems in exc.details.items():
            for problem in problems if isinstance(problems, list) else [problems]:
                messages.error(request, f"{field.replace('_', ' ').capitalize()}: {problem}")
        return
    except ShipdeskError as exc:
        show_error(request, exc)
        return
    messages.success(request, success(value) if callable(success) else success)


def _form_refused(request, form) -> None:
    for field, problems in form.errors.items():
        for problem in problems:
            messages.error(
                request, f"{field.replace('_', ' ').capitalize()}: {problem}" if field != "__all__" else problem
            )


@seller_view
@require_POST
def claim_answer(request, claim_id: int):
    order_id = _claim_order(request, claim_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        _form_refused(request, form)
        return _back(order_id)
    data = form.cleaned_data
    _act(
        request,
        lambda: services.answer_claim(
            claim_id=claim_id,
            seller_id=request.seller.pk,
            actor=actor_of(request),
            resolution=data["resolution"],
            note=data["note"],
            carrier=data["carrier"],
            service_level=data["service_level"],
            tracking_number=data["tracking_number"],
        ),
        success=lambda c: (
            f"Claim answered: {terms.RESOLUTIONS.label(c.resolution).lower()}. The customer is told by email."
        ),
    )
    return _back(order_id)


@seller_view
@require_POST
def claim_refuse(request, claim_id: int):
    order_id = _claim_order(request, claim_id)
    form = RefuseForm(request.POST)
    if not form.is_valid():
        _form_refused(request, form)
        return _back(order_id)
    _act(
        request,
        lambda: services.refuse_claim(
            claim_id=claim_id, seller_id=request.seller.pk, actor=actor_of(request), reason=form.cleaned_data["reason"]
        ),
        success="Claim refused. It goes to the marketplace at its deadline unless you resolve it before.",
    )
    return _back(order_id)


@seller_view
@require_GET
def dispute_evidence(request, order_id: int, dispute_id: int):
    try:
        return evidence_pdf(seller_id=request.seller.pk, order_id=order_id, dispute_id=dispute_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@seller_view
@require_GET
def claim_list(request):
    """Claims to answer, nearest deadline first (`needs_action`), or every claim, newest first."""
    tab = request.GET.get("tab", "needs_action")
    next_cursor = None
    if tab == "all":
        try:
            page = selectors.list_claims(seller_id=request.seller.pk, cursor=request.GET.get("cursor") or None)
        except BadCursor:
            page = selectors.list_claims(seller_id=request.seller.pk)
        claims, next_cursor = page.items, page.next_cursor
    else:
        tab = "needs_action"
        claims = selectors.claims_needing_answer(seller_id=request.seller.pk)
    rows = [
        {
            "claim": c,
            "kind": terms.CLAIM_KINDS.label(c.kind),
            "status": terms.CLAIM_STATUSES.label(c.status),
            "due": c.answer_by if c.status in terms.ANSWERABLE_STATUSES else None,
        }
        for c in claims
    ]
    return render(
        request,
        "claims/list.html",
        {"nav": "claims", "tab": tab, "rows": rows, "next_cursor": next_cursor},
    )
