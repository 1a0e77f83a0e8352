"""Template helpers: badges (colour and text), money, countdowns, timeline sentences."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from shipdesk.dashboard import display

register = template.Library()


def _badge(kind: str, value: str, label: str):
    return format_html('<span class="badge badge-{}-{}">{}</span>', kind, value, label)


@register.simple_tag
def status_badge(status: str):
    return _badge("status", status, display.STATUS_LABELS.get(status, status))


@register.simple_tag
def payment_badge(payment_status: str):
    return _badge("payment", payment_status, display.PAYMENT_LABELS.get(payment_status, payment_status))


@register.simple_tag
def stock_badge(stock: str):
    return _badge("stock", stock, display.STOCK_LABELS.get(stock, stock))


@register.simple_tag
def money(amount, currency: str) -> str:
    return display.money_text(amount, currency)


@register.simple_tag
def countdown(deadline, verb: str):
    """The live countdown to a deadline: rendered here, kept current by dashboard.js."""
    if deadline is None:
        return ""
    text, overdue = display.countdown_text(verb=verb, deadline=deadline, now=timezone.now())
    return format_html(
        '<span class="countdown{}" data-countdown data-deadline="{}" data-verb="{}" title="Due {}">{}</span>',
        " is-overdue" if overdue else "",
        deadline.isoformat(),
        verb,
        display.when(timezone.localtime(deadline)),
        text,
    )


@register.simple_tag
def next_step(order):
    """What the seller owes this order now, with its countdown — or why nothing is due."""
    verb = display.NEXT_STEP.get(order.status)
    if verb and order.action_due_at:
        return countdown(order.action_due_at, verb)
    if order.status == "pending" and order.payment_status in ("unpaid", "failed"):
        return mark_safe('<span class="muted">waiting for payment</span>')
    if order.status == "shipped" and order.deliver_by:
        return format_html('<span class="muted">ETA {}</span>', display.day(timezone.localtime(order.deliver_by)))
    return ""


@register.simple_tag
def event_text(event, currency: str) -> str:
    return display.describe_event(event.type, event.params, currency)


@register.filter
def carrier_name(code: str) -> str:
    return display.carrier_name(code)


@register.simple_tag
def service_name(carrier_code: str, service_code: str) -> str:
    return display.service_name(carrier_code, service_code)


@register.filter
def reason_label(reason: str) -> str:
    return display.CANCEL_REASON_LABELS.get(reason, reason)


@register.filter
def local_time(value) -> str:
    """A time in the shop's timezone (the active one): "Tue 14 Jan 2025, 15:30 EST"."""
    if value is None:
        return ""
    return display.when(timezone.localtime(value), with_year=True)


@register.filter
def local_day(value) -> str:
    return "" if value is None else display.day(timezone.localtime(value))


@register.filter
def is_overdue(order) -> bool:
    return order.action_due_at is not None and order.action_due_at < timezone.now()


@register.filter
def has_short_line(order) -> bool:
    return any(line.stock == "short" for line in order.lines.all())


@register.filter
def local_short(value) -> str:
    """"Wed 25 Nov, 01:04": for lists, where the year and zone would be noise."""
    return "" if value is None else display.when(timezone.localtime(value), with_zone=False)
