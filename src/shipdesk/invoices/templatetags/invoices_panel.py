"""The order page's invoice panel: the invoice and its credit notes, or the button that issues it."""

from __future__ import annotations

from django import template

from shipdesk.invoices import selectors

register = template.Library()


@register.inclusion_tag("invoices/_order_panel.html", takes_context=True)
def invoice_panel(context, order):
    invoice, notes = selectors.invoice_with_credit_notes(order_id=order.pk, seller_id=order.seller_id)
    return {"csrf_token": context.get("csrf_token"), "order": order, "invoice": invoice, "credit_notes": notes}
