"""Invoices and credit notes, and the per-shop row their numbers are taken from.

Numbers are gapless per shop and per series: each is taken from `InvoiceSeries`, locked inside
the transaction that writes the document, so a rolled-back invoicing gives its number back.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from . import terms

InvoiceIssuing = models.TextChoices("InvoiceIssuing", terms.ISSUING.choices_by_name())


class InvoiceSeries(models.Model):
    """The shop's invoicing settings and counters: one row per shop, locked to take a number."""

    seller = models.OneToOneField("accounts.Seller", on_delete=models.CASCADE, related_name="+")
    tax_id = models.CharField(max_length=40, blank=True, default="")  # VAT/GST number printed on invoices
    # Whether the shop issues invoices: by its country (`auto`), `always` or `never` (invoices.terms).
    issuing = models.CharField(max_length=8, choices=InvoiceIssuing.choices, default=terms.DEFAULT_ISSUING)
    # Issue the invoice in the ship transaction when the order ships (invoices.terms.invoices_on_shipping).
    issue_on_shipping = models.BooleanField(default=False)
    last_invoice_number = models.PositiveIntegerField(default=0)
    last_credit_note_number = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(issuing__in=terms.ISSUING.values), name="invoice_series_issuing_valid"),
        ]


class Invoice(models.Model):
    """The tax invoice of one order, as the order was placed; never changed once issued.
    Refunds are credit notes that reference it."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="invoice")
    number = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    seller_tax_id = models.CharField(max_length=40)
    currency = models.CharField(max_length=3)
    # [{"sku", "title", "quantity", "unit_price", "net", "tax", "rate"}], Decimal as strings: the
    # lines as invoiced, kept so a later product rename never changes an issued invoice.
    lines = models.JSONField()
    shipping_fee = models.DecimalField(max_digits=18, decimal_places=4)
    shipping_tax = models.DecimalField(max_digits=18, decimal_places=4)
    net_total = models.DecimalField(max_digits=18, decimal_places=4)
    tax_total = models.DecimalField(max_digits=18, decimal_places=4)
    total = models.DecimalField(max_digits=18, decimal_places=4)
    bill_to = models.JSONField()  # the customer's name and address lines, as on the order

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "number"], name="invoice_number_unique_per_shop"),
            models.CheckConstraint(condition=Q(number__gte=1), name="invoice_number_positive"),
        ]

    @property
    def label(self) -> str:
        return f"INV-{self.number:06d}"


class CreditNote(models.Model):
    """Money given back on an invoiced order: one per refund (a cancellation's or a shipped order's)."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    cancellation = models.OneToOneField(
        "orders.Cancellation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shipped_refund = models.OneToOneField(
        "orders.ShippedRefund", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    net = models.DecimalField(max_digits=18, decimal_places=4)  # items + shipping refunded
    tax = models.DecimalField(max_digits=18, decimal_places=4)
    total = models.DecimalField(max_digits=18, decimal_places=4)
    refunded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "number"], name="credit_note_number_unique_per_shop"),
            models.CheckConstraint(
                condition=Q(cancellation__isnull=True, shipped_refund__isnull=False)
                | Q(cancellation__isnull=False, shipped_refund__isnull=True),
                name="credit_note_one_refund",
            ),
        ]

    @property
    def label(self) -> str:
        return f"CN-{self.number:06d}"
