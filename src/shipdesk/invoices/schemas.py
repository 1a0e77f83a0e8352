from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Schema
from pydantic import StrictBool


class InvoiceSettingsIn(Schema):
    """A setting left out keeps its value."""

    tax_id: str | None = None  # "" removes it
    issuing: str | None = None  # auto | always | never (invoices.terms.ISSUING); 422 otherwise
    # true: shipping an order issues its invoice (needs a tax id). JSON true/false only, not 0/1 or "yes".
    issue_on_shipping: StrictBool | None = None


class InvoiceOfferOut(Schema):
    offered: bool
    reason: str  # shop_always | shop_never | country_requires | country_does_not_require
    message: str
    country: str  # the country the rule looked at: the ship-from address's, else the shop's


class InvoiceSettingsOut(Schema):
    tax_id: str
    issuing: str
    issue_on_shipping: bool
    offer: InvoiceOfferOut
    last_invoice_number: int
    last_credit_note_number: int


class InvoiceLineOut(Schema):
    sku: str
    title: str
    quantity: int
    unit_price: Decimal
    net: Decimal
    tax: Decimal
    rate: Decimal  # percent


class CreditNoteOut(Schema):
    id: int
    number: int
    label: str
    invoice_number: int
    issued_at: datetime
    net: Decimal
    tax: Decimal
    total: Decimal
    refunded_at: datetime


class InvoiceOut(Schema):
    id: int
    order_id: int
    number: int
    label: str
    issued_at: datetime
    seller_tax_id: str
    currency: str
    bill_to: list[str]
    lines: list[InvoiceLineOut]
    shipping_fee: Decimal
    shipping_tax: Decimal
    net_total: Decimal
    tax_total: Decimal
    total: Decimal
    credit_notes: list[CreditNoteOut]
