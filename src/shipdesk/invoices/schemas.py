from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Schema


class TaxIdIn(Schema):
    tax_id: str


class InvoiceSettingsOut(Schema):
    tax_id: str
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
