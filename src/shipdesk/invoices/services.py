"""Issuing tax invoices and credit notes: the only code that writes them.

Numbers come from the shop's `InvoiceSeries` row, locked (SELECT … FOR UPDATE) in the same
transaction that writes the document: two invoicings of one shop queue on the row, and a
transaction that fails gives its number back, so the series never has a gap or a repeat.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from shipdesk.errors import StateConflict, ValidationFailed
from shipdesk.orders.locks import lock_order
from shipdesk.orders.models import Cancellation, Order, OrderEvent, ShippedRefund

from . import terms
from .models import CreditNote, Invoice, InvoiceSeries
from .selectors import shop_country

RATE_PLACES = Decimal("0.01")  # a tax rate in percent, to two places
# The timeline events written just after a refund row (a cancellation's or a shipped order's).
REFUND_EVENTS = frozenset(
    {OrderEvent.Type.CANCELLED, OrderEvent.Type.LINE_CANCELLED, OrderEvent.Type.REFUNDED_AFTER_SHIPMENT}
)


class TaxIdMissing(StateConflict):
    """A tax invoice must name the shop's tax id: set it first (invoice settings)."""

    code = "tax_id_missing"


class InvoicesNotOffered(StateConflict):
    """The shop does not issue invoices: its setting is `never`, or `auto` in a country that does
    not require them (`invoices.terms.invoice_offer`)."""

    code = "invoices_not_offered"


class InvoiceNotDue(StateConflict):
    """The order has not been paid for (`invoices.terms.invoice_is_due`): nothing to invoice yet."""

    code = "invoice_not_due"


def _series(seller_id: int, at: datetime) -> InvoiceSeries:
    """The shop's counter row, locked until the transaction ends (created on first use)."""
    InvoiceSeries.objects.get_or_create(seller_id=seller_id, defaults={"updated_at": at})
    return InvoiceSeries.objects.select_for_update().get(seller_id=seller_id)


def _tax_id_problem(value: str) -> str:
    """Empty (no tax id), or 2–40 letters, digits, spaces, dots and dashes."""
    if value and (not (2 <= len(value) <= 40) or not all(c.isalnum() or c in " .-" for c in value)):
        return "2 to 40 letters, digits, spaces, dots or dashes."
    return ""


@transaction.atomic
def set_invoice_settings(
    *,
    seller_id: int,
    tax_id: str | None = None,
    issuing: str | None = None,
    issue_on_shipping: bool | None = None,
    at: datetime | None = None,
) -> InvoiceSeries:
    """The shop's invoice settings: its tax id, printed on every invoice issued from now on (""
    removes it), whether it issues invoices (`invoices.terms.ISSUING`), and whether shipping an
    order issues its invoice. None leaves a setting as it is. Invoices already issued keep what
    they were issued with.

    Guards (422 per field, nothing written): the tax id's characters; a known setting; a tax id
    while invoices are issued on shipping (the error names the field this call changed).
    Writes: the shop's `InvoiceSeries` row (locked; created on first use).
    """
    at = at or timezone.now()
    errors: dict[str, list[str]] = {}
    if tax_id is not None:
        tax_id = tax_id.strip().upper()
        if problem := _tax_id_problem(tax_id):
            errors["tax_id"] = [problem]
    if issuing is not None and issuing not in terms.ISSUING:
        errors["issuing"] = [f"One of: {', '.join(terms.ISSUING.values)}."]
    if errors:
        raise ValidationFailed("The invoice settings are not valid.", details=errors)
    series = _series(seller_id, at)
    if tax_id is not None:
        series.tax_id = tax_id
    if issuing is not None:
        series.issuing = issuing
    if issue_on_shipping is not None:
        series.issue_on_shipping = bool(issue_on_shipping)
    if series.issue_on_shipping and not series.tax_id:
        # Checked on the locked row, so no concurrent change leaves the pair inconsistent.
        field = "tax_id" if tax_id is not None else "issue_on_shipping"
        raise ValidationFailed(
            "The invoice settings are not valid.",
            details={field: ["Invoices issued on shipping need the shop's tax id."]},
        )
    series.updated_at = at
    series.save(update_fields=["tax_id", "issuing", "issue_on_shipping", "updated_at"])
    return series


def _rate(net: Decimal, tax: Decimal) -> Decimal:
    return (tax * 100 / net).quantize(RATE_PLACES, ROUND_HALF_UP) if net else Decimal("0.00")


def _invoice_lines(order: Order) -> list[dict]:
    rows = []
    for line in order.lines.order_by("id"):
        net = line.unit_price * line.quantity
        rows.append(
            {
                "sku": line.sku,
                "title": line.title,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "net": str(net),
                "tax": str(line.tax),
                "rate": str(_rate(net, line.tax)),
            }
        )
    return rows


def _bill_to(order: Order) -> list[str]:
    place = " ".join(x for x in (order.ship_postal_code, order.ship_city) if x)
    parts = (order.customer_name or order.ship_name, order.ship_line1, order.ship_line2, place)
    return [p for p in (*parts, order.ship_region, order.ship_country) if p and p.strip()]


@transaction.atomic
def issue_invoice(*, order_id: int, seller_id: int | None, at: datetime | None = None) -> Invoice:
    """The order's tax invoice, issued once: a second call returns the same invoice.

    Guards, before the first issue (in this order, nothing numbered on refusal): the order is the
    seller's (else NotFound); the shop issues invoices (else InvoicesNotOffered); the order was
    paid for (else InvoiceNotDue); the shop has a tax id (else TaxIdMissing). An invoice once
    issued is returned whatever the settings say since: its refunds still need credit notes.
    Writes: under the order's lock, the invoice with the next number of the shop's series (its row
    locked, last), then a credit note for every refund of the order not yet credited.
    """
    at = at or timezone.now()
    order = lock_order(order_id=order_id, seller_id=seller_id)
    invoice = Invoice.objects.filter(order_id=order.pk).first()
    if invoice is None:
        series = _series(order.seller_id, at)
        # Decided on the locked row: a settings change waits for this invoicing, or it for it.
        offer = terms.invoice_offer(issuing=series.issuing, country=shop_country(seller_id=order.seller_id))
        if not offer.offered:
            raise InvoicesNotOffered(offer.message, details={"reason": offer.reason, "country": offer.country})
        if not terms.invoice_is_due(order.payment_status):
            raise InvoiceNotDue(terms.NOT_DUE_MESSAGE, details={"payment_status": order.payment_status})
        if not series.tax_id:
            raise TaxIdMissing("Set the shop's tax id before issuing invoices.")
        invoice = _number_invoice(order, series, at)
    _credit_refunds(invoice, at)
    return invoice


def _number_invoice(order: Order, series: InvoiceSeries, at: datetime) -> Invoice:
    """The order's invoice with the next number of the series (its row locked by the caller)."""
    series.last_invoice_number += 1
    series.updated_at = at
    series.save(update_fields=["last_invoice_number", "updated_at"])
    return Invoice.objects.create(
        seller_id=order.seller_id,
        order=order,
        number=series.last_invoice_number,
        issued_at=at,
        seller_tax_id=series.tax_id,
        currency=order.currency,
        lines=_invoice_lines(order),
        shipping_fee=order.shipping_fee,
        shipping_tax=order.shipping_tax,
        net_total=order.subtotal + order.shipping_fee,
        tax_total=order.tax_total,
        total=order.total,
        bill_to=_bill_to(order),
    )


@transaction.atomic
def issue_credit_notes(*, order_id: int, seller_id: int | None, at: datetime | None = None) -> list[CreditNote]:
    """A credit note for every refund of an invoiced order that has none yet; idempotent.

    Guards: the order is the seller's (else NotFound). An order without an invoice gets none
    (its refunds are credited when it is invoiced). Writes: the credit notes, each numbered from
    the shop's credit-note series (its row locked). Returns every credit note of the order.
    """
    at = at or timezone.now()
    order = lock_order(order_id=order_id, seller_id=seller_id, with_seller=False)
    invoice = Invoice.objects.filter(order_id=order.pk).first()
    if invoice is None:
        return []
    _credit_refunds(invoice, at)
    return list(invoice.credit_notes.order_by("number"))


def _credit_refunds(invoice: Invoice, at: datetime) -> None:
    """Under the order's lock: one credit note per refund not yet credited, oldest refund first."""
    credited = CreditNote.objects.filter(invoice=invoice)
    refunds: list[tuple[datetime, int, dict]] = []
    for c in Cancellation.objects.filter(order_id=invoice.order_id, refund_amount__gt=0).exclude(
        pk__in=credited.exclude(cancellation=None).values("cancellation_id")
    ):
        refunds.append(
            (
                c.created_at,
                c.pk,
                {
                    "cancellation": c,
                    "net": c.refund_items + c.refund_shipping,
                    "tax": c.refund_tax,
                    "total": c.refund_amount,
                    "refunded_at": c.created_at,
                },
            )
        )
    for r in ShippedRefund.objects.filter(order_id=invoice.order_id).exclude(
        pk__in=credited.exclude(shipped_refund=None).values("shipped_refund_id")
    ):
        refunds.append(
            (
                r.created_at,
                r.pk,
                {
                    "shipped_refund": r,
                    "net": r.items + r.shipping,
                    "tax": r.tax,
                    "total": r.amount,
                    "refunded_at": r.created_at,
                },
            )
        )
    if not refunds:
        return
    series = _series(invoice.seller_id, at)
    for _, _, fields in sorted(refunds, key=lambda item: (item[0], item[1])):
        series.last_credit_note_number += 1
        CreditNote.objects.create(
            seller_id=invoice.seller_id,
            invoice=invoice,
            number=series.last_credit_note_number,
            issued_at=at,
            **fields,
        )
    series.updated_at = at
    series.save(update_fields=["last_credit_note_number", "updated_at"])


def invoice_on_event(*, type: str, order: Order, at: datetime | None = None, **_) -> None:
    """Registered in `orders.events.EVENT_OBSERVERS` (InvoicesConfig.ready); runs in the transaction
    of the event's action, under the order's lock that action holds, and takes the shop's series
    row last (docs/architecture.md, lock order).

    - A refund on an invoiced order gets its credit note.
    - An order that ships gets its invoice when the shop issues invoices on shipping
      (`terms.invoices_on_shipping`), with credit notes for the refunds made before; a shop that
      does not (or has no tax id) ships as before, and the order page still offers the invoice.
    """
    if type == OrderEvent.Type.SHIPPED:
        _issue_on_shipping(order, at or timezone.now())
        return
    if type not in REFUND_EVENTS:
        return
    invoice = Invoice.objects.filter(order_id=order.pk).first()
    if invoice is not None:
        _credit_refunds(invoice, at or timezone.now())


def _issue_on_shipping(order: Order, at: datetime) -> None:
    # Most shops never asked: an unlocked read keeps their ships off the series row altogether.
    if not InvoiceSeries.objects.filter(seller_id=order.seller_id, issue_on_shipping=True).exists():
        return
    if Invoice.objects.filter(order_id=order.pk).exists():
        return  # issued by hand before it shipped
    series = _series(order.seller_id, at)  # decided again on the locked row
    offer = terms.invoice_offer(issuing=series.issuing, country=shop_country(seller_id=order.seller_id))
    if terms.invoices_on_shipping(issue_on_shipping=series.issue_on_shipping, offer=offer, tax_id=series.tax_id):
        _credit_refunds(_number_invoice(order, series, at), at)
