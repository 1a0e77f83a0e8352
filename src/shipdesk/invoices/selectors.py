"""Reads of invoices and credit notes, always inside one seller (`seller_id=None`: any seller's)."""

from __future__ import annotations

from shipdesk.errors import NotFound
from shipdesk.orders.models import Order

from .models import CreditNote, Invoice


def _order(order_id: int, seller_id: int | None) -> Order:
    orders = Order.objects.select_related("seller").filter(pk=order_id)
    if seller_id is not None:
        orders = orders.filter(seller_id=seller_id)
    order = orders.first()
    if order is None:
        raise NotFound("Order not found.")
    return order


def order_invoice(*, order_id: int, seller_id: int | None) -> Invoice:
    """The order's invoice; another seller's order, or an order not invoiced yet, is NotFound."""
    _order(order_id, seller_id)
    invoice = Invoice.objects.select_related("order__seller").filter(order_id=order_id).first()
    if invoice is None:
        raise NotFound("This order has no invoice yet.")
    return invoice


def order_credit_notes(*, order_id: int, seller_id: int | None) -> list[CreditNote]:
    """The order's credit notes by number (none before it is invoiced); another seller's order is NotFound."""
    _order(order_id, seller_id)
    return list(CreditNote.objects.select_related("invoice").filter(invoice__order_id=order_id).order_by("number"))


def credit_note(*, order_id: int, seller_id: int | None, credit_note_id: int) -> CreditNote:
    _order(order_id, seller_id)
    note = (
        CreditNote.objects.select_related("invoice__order__seller")
        .filter(pk=credit_note_id, invoice__order_id=order_id)
        .first()
    )
    if note is None:
        raise NotFound("Credit note not found.")
    return note


def invoice_with_credit_notes(*, order_id: int, seller_id: int) -> tuple[Invoice | None, list[CreditNote]]:
    """For the order page: the order's invoice (None before it is issued) and its credit notes by number."""
    invoice = Invoice.objects.filter(seller_id=seller_id, order_id=order_id).first()
    if invoice is None:
        return None, []
    return invoice, list(invoice.credit_notes.order_by("number"))
