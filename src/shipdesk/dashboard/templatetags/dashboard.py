"""Template helpers: badges (colour and text), money, countdowns, timeline sentences."""

from __future__ import annotations

from django import template
from django.utils import timezone

from shipdesk.dashboard import display

register = template.Library()


@register.simple_tag
def status_badge(status: str):
    return display.badge("status", status)


@register.simple_tag
def payment_badge(payment_status: str):
    return display.badge("payment", payment_status)


@register.simple_tag
def stock_badge(stock: str):
    return display.badge("stock", stock)


@register.simple_tag
def money(amount, currency: str) -> str:
    return display.money_text(amount, currency)


@register.simple_tag
def countdown(deadline, verb: str):
    """The live countdown to a deadline: rendered here, kept current by dashboard.js."""
    if deadline is None:
        return ""
    return display.countdown_html(
        deadline=deadline, verb=verb, now=timezone.now(), zone=timezone.get_current_timezone()
    )


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
