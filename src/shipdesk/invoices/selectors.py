"""Reads of invoices and credit notes, always inside one seller (`seller_id=None`: any seller's)."""

from __future__ import annotations

from dataclasses import dataclass

from shipdesk.accounts.models import Seller, ShopAddress
from shipdesk.errors import NotFound
from shipdesk.orders.models import Order

from . import terms
from .models import CreditNote, Invoice, InvoiceSeries


@dataclass(frozen=True)
class InvoiceSettings:
    """The shop's invoicing settings as they stand, and what they decide."""

    tax_id: str
    issuing: str  # a value of terms.ISSUING
    issue_on_shipping: bool
    last_invoice_number: int
    last_credit_note_number: int
    offer: terms.InvoiceOffer


def shop_country(*, seller_id: int) -> str:
    """The country whose invoicing rule the shop follows: its ship-from address's (where its goods
    are supplied from, and so where it is registered for VAT), else the country it signed up with."""
    address_country = (
        ShopAddress.objects.filter(seller_id=seller_id, kind=ShopAddress.Kind.SHIP_FROM)
        .values_list("country", flat=True)
        .first()
    )
    if address_country:
        return str(address_country)
    return str(Seller.objects.values_list("country", flat=True).get(pk=seller_id))


def invoice_settings(*, seller_id: int) -> InvoiceSettings:
    """The shop's invoice settings; a shop that never set them has the defaults (no row is written)."""
    series = InvoiceSeries.objects.filter(seller_id=seller_id).first() or InvoiceSeries(seller_id=seller_id)
    return InvoiceSettings(
        tax_id=series.tax_id,
        issuing=series.issuing,
        issue_on_shipping=series.issue_on_shipping,
        last_invoice_number=series.last_invoice_number,
        last_credit_note_number=series.last_credit_note_number,
        offer=terms.invoice_offer(issuing=series.issuing, country=shop_country(seller_id=seller_id)),
    )


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


@dataclass(frozen=True)
class OrderInvoicePanel:
    """What the order page shows about its invoice: the invoice and its credit notes once issued,
    else whether it may be issued now (`can_issue`) and, when not, why (`why_not`)."""

    invoice: Invoice | None
    credit_notes: list[CreditNote]
    can_issue: bool
    why_not: str
    why_not_is_the_shops_setting: bool = False  # the invoice settings can change it (owners)


def order_invoice_panel(*, order: Order) -> OrderInvoicePanel:
    """For the order page (the caller has read `order` inside its seller): the same guards as
    `services.issue_invoice` — invoices offered by the shop, the order paid for."""
    invoice, notes = invoice_with_credit_notes(order_id=order.pk, seller_id=order.seller_id)
    if invoice is not None:
        return OrderInvoicePanel(invoice, notes, can_issue=False, why_not="")
    offer = invoice_settings(seller_id=order.seller_id).offer
    if not offer.offered:
        return OrderInvoicePanel(None, [], can_issue=False, why_not=offer.message, why_not_is_the_shops_setting=True)
    if not terms.invoice_is_due(order.payment_status):
        return OrderInvoicePanel(None, [], can_issue=False, why_not=terms.NOT_DUE_MESSAGE)
    return OrderInvoicePanel(None, [], can_issue=True, why_not="")


def invoice_with_credit_notes(*, order_id: int, seller_id: int) -> tuple[Invoice | None, list[CreditNote]]:
    """For the order page: the order's invoice (None before it is issued) and its credit notes by number."""
    invoice = Invoice.objects.filter(seller_id=seller_id, order_id=order_id).first()
    if invoice is None:
        return None, []
    return invoice, list(invoice.credit_notes.order_by("number"))
