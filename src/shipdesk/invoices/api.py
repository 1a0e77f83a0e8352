"""Invoice endpoints: parse, authorise, call one service or selector, render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from shipdesk.api.auth import scope_of
from shipdesk.api.schemas import ErrorOut
from shipdesk.errors import PermissionDenied

from . import selectors, services
from .models import CreditNote, Invoice
from .schemas import CreditNoteOut, InvoiceOut, InvoiceSettingsIn, InvoiceSettingsOut

router = Router(tags=["invoices"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
PDF = {
    "responses": {
        200: {
            "description": "A PDF document.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def credit_note_out(note: CreditNote) -> dict:
    return {
        "id": note.pk,
        "number": note.number,
        "label": note.label,
        "invoice_number": note.invoice.number,
        "issued_at": note.issued_at,
        "net": note.net,
        "tax": note.tax,
        "total": note.total,
        "refunded_at": note.refunded_at,
    }


def invoice_out(invoice: Invoice, notes: list[CreditNote]) -> dict:
    return {
        "id": invoice.pk,
        "order_id": invoice.order_id,
        "number": invoice.number,
        "label": invoice.label,
        "issued_at": invoice.issued_at,
        "seller_tax_id": invoice.seller_tax_id,
        "currency": invoice.currency,
        "bill_to": invoice.bill_to,
        "lines": invoice.lines,
        "shipping_fee": invoice.shipping_fee,
        "shipping_tax": invoice.shipping_tax,
        "net_total": invoice.net_total,
        "tax_total": invoice.tax_total,
        "total": invoice.total,
        "credit_notes": [credit_note_out(n) for n in notes],
    }


def _seller(request: HttpRequest) -> int:
    seller_id = scope_of(request)
    if seller_id is None:
        raise PermissionDenied("Invoice settings belong to a shop: use a seller token.")
    return seller_id


def invoice_settings_out(settings: selectors.InvoiceSettings) -> dict:
    offer = settings.offer
    return {
        "tax_id": settings.tax_id,
        "issuing": settings.issuing,
        "issue_on_shipping": settings.issue_on_shipping,
        "offer": {"offered": offer.offered, "reason": offer.reason, "message": offer.message, "country": offer.country},
        "last_invoice_number": settings.last_invoice_number,
        "last_credit_note_number": settings.last_credit_note_number,
    }


@router.get(
    "/invoice-settings",
    response={200: InvoiceSettingsOut, **ERRORS},
    summary="The shop's tax id, invoicing setting, and whether it issues invoices (and why)",
)
def get_invoice_settings(request: HttpRequest):
    return invoice_settings_out(selectors.invoice_settings(seller_id=_seller(request)))


@router.put(
    "/invoice-settings",
    response={200: InvoiceSettingsOut, **ERRORS},
    summary="Set the shop's tax id, whether it issues invoices, and whether shipping issues them",
)
def put_invoice_settings(request: HttpRequest, payload: InvoiceSettingsIn):
    """`tax_id`: printed on the shop's invoices, 2–40 letters, digits, spaces, dots, dashes ("" removes
    it). `issuing`: `auto` (by the shop's country), `always` or `never`. `issue_on_shipping`: the
    invoice is issued when the order ships (needs a tax id). A field left out keeps its value;
    422 per field, nothing saved."""
    seller_id = _seller(request)
    services.set_invoice_settings(
        seller_id=seller_id,
        tax_id=payload.tax_id,
        issuing=payload.issuing,
        issue_on_shipping=payload.issue_on_shipping,
    )
    return invoice_settings_out(selectors.invoice_settings(seller_id=seller_id))


@router.post(
    "/orders/{int:order_id}/invoice",
    response={200: InvoiceOut, **ERRORS},
    summary="Issue the order's tax invoice (idempotent: the same invoice again) and credit its refunds",
)
def issue_invoice(request: HttpRequest, order_id: int):
    """The first call numbers the invoice from the shop's gapless series; later calls return it,
    issuing a credit note for any refund made since. Before the first: 409 `invoices_not_offered` when
    the shop does not issue invoices (GET /invoice-settings says why), 409 `invoice_not_due` for an
    order not paid for, 409 `tax_id_missing` before the shop's tax id is set."""
    invoice = services.issue_invoice(order_id=order_id, seller_id=scope_of(request))
    return invoice_out(invoice, list(invoice.credit_notes.order_by("number")))


@router.get("/orders/{int:order_id}/invoice", response={200: InvoiceOut, **ERRORS}, summary="The order's invoice")
def get_invoice(request: HttpRequest, order_id: int):
    seller_id = scope_of(request)
    invoice = selectors.order_invoice(order_id=order_id, seller_id=seller_id)
    return invoice_out(invoice, selectors.order_credit_notes(order_id=order_id, seller_id=seller_id))


def invoice_pdf(*, seller_id: int | None, order_id: int) -> HttpResponse:
    """The invoice PDF (also served by the dashboard's order page)."""
    from .documents import render_invoice  # noqa: PLC0415  (ReportLab loaded at the first PDF, for memory)

    invoice = selectors.order_invoice(order_id=order_id, seller_id=seller_id)
    response = HttpResponse(render_invoice(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="invoice-{invoice.label}.pdf"'
    return response


def credit_note_pdf(*, seller_id: int | None, order_id: int, credit_note_id: int) -> HttpResponse:
    from .documents import render_credit_note  # noqa: PLC0415  (deferred for memory)

    note = selectors.credit_note(order_id=order_id, seller_id=seller_id, credit_note_id=credit_note_id)
    response = HttpResponse(render_credit_note(note), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="credit-note-{note.label}.pdf"'
    return response


@router.get(
    "/orders/{int:order_id}/invoice.pdf", response={**ERRORS}, summary="The order's invoice (PDF)", openapi_extra=PDF
)
def get_invoice_pdf(request: HttpRequest, order_id: int):
    return invoice_pdf(seller_id=scope_of(request), order_id=order_id)


@router.get(
    "/orders/{int:order_id}/credit-notes",
    response={200: list[CreditNoteOut], **ERRORS},
    summary="The order's credit notes",
)
def list_credit_notes(request: HttpRequest, order_id: int):
    return [credit_note_out(n) for n in selectors.order_credit_notes(order_id=order_id, seller_id=scope_of(request))]


@router.get(
    "/orders/{int:order_id}/credit-notes/{int:credit_note_id}.pdf",
    response={**ERRORS},
    summary="A credit note (PDF)",
    openapi_extra=PDF,
)
def get_credit_note_pdf(request: HttpRequest, order_id: int, credit_note_id: int):
    return credit_note_pdf(seller_id=scope_of(request), order_id=order_id, credit_note_id=credit_note_id)
