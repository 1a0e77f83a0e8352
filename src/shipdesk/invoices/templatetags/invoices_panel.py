"""The order page's invoice panel: the invoice and its credit notes, or the button that issues it
(only when the shop issues invoices and the order is due one), or why there is none."""

from __future__ import annotations

from django import template

from shipdesk.invoices import selectors

register = template.Library()


@register.inclusion_tag("invoices/_order_panel.html", takes_context=True)
def invoice_panel(context, order):
    panel = selectors.order_invoice_panel(order=order)
    return {
        "csrf_token": context.get("csrf_token"),
        "order": order,
        "invoice": panel.invoice,
        "credit_notes": panel.credit_notes,
        "can_issue": panel.can_issue,
        "why_not": panel.why_not,
        "settings_link": panel.why_not_is_the_shops_setting,
    }
