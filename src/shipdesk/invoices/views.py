"""The dashboard's invoice actions, linked from the order page: thin over the services and the API's PDFs."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from shipdesk.dashboard.access import seller_view
from shipdesk.dashboard.feedback import show_error
from shipdesk.errors import NotFound, ShipdeskError

from . import services
from .api import credit_note_pdf, invoice_pdf


@seller_view
@require_POST
def issue(request, order_id: int):
    try:
        invoice = services.issue_invoice(order_id=order_id, seller_id=request.seller.pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ShipdeskError as exc:
        show_error(request, exc)
    else:
        messages.success(request, f"Tax invoice {invoice.label} is ready.")
    return redirect(reverse("order", args=[order_id]) + "#invoice")


@seller_view
@require_GET
def invoice_document(request, order_id: int):
    try:
        return invoice_pdf(seller_id=request.seller.pk, order_id=order_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@seller_view
@require_GET
def credit_note_document(request, order_id: int, credit_note_id: int):
    try:
        return credit_note_pdf(seller_id=request.seller.pk, order_id=order_id, credit_note_id=credit_note_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
