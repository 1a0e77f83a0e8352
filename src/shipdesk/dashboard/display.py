"""How orders read on screen: labels, countdowns, timeline sentences. Pure: no ORM, no I/O."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency

from shipdesk.shipping.carriers import get_carrier

STATUS_LABELS = {
    "pending": "Pending",
    "confirmed": "Confirmed",
    "processing": "Processing",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
}
PAYMENT_LABELS = {
    "unpaid": "Unpaid",
    "paid": "Paid",
    "failed": "Payment failed",
    "partially_refunded": "Partly refunded",
    "refunded": "Refunded",
}
STOCK_LABELS = {
    "reserved": "Reserved",
    "short": "Short of stock",
    "deducted": "Taken from stock",
    "released": "Cancelled",
}
CANCEL_REASON_LABELS = {
    "out_of_stock": "Out of stock",
    "customer_request": "Customer asked",
    "address_issue": "Address problem",
    "payment_issue": "Payment problem",
    "unpaid_timeout": "Never paid",
    "unconfirmed_timeout": "Not confirmed in time",
    "other": "Other",
}
# The step the seller owes an order in each open status: the verb of its countdown.
NEXT_STEP = {"pending": "confirm", "confirmed": "process", "processing": "ship"}


def duration_text(seconds: float) -> str:
    """A span as a seller reads it at a glance: "12 min", "3 h 12 min", "2 d 4 h"."""
    minutes = int(abs(seconds) // 60)
    if minutes < 1:
        return "less than a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def countdown_text(*, verb: str, deadline: datetime, now: datetime) -> tuple[str, bool]:
    """("confirm within 3 h 12 min", False) or ("confirm overdue by 20 min", True)."""
    seconds = (deadline - now).total_seconds()
    if seconds >= 0:
        return f"{verb} within {duration_text(seconds)}", False
    return f"{verb} overdue by {duration_text(seconds)}", True


def day(moment: datetime) -> str:
    """"Tue 14 Jan": a date a seller reads without thinking."""
    return f"{moment:%a} {moment.day} {moment:%b}"


def when(moment: datetime, *, with_year: bool = False, with_zone: bool = True) -> str:
    """"Tue 14 Jan, 15:30 EST" in the moment's own timezone (callers pass local times)."""
    year = f" {moment.year}" if with_year else ""
    zone = f" {moment.tzname() or ''}" if with_zone else ""
    return f"{day(moment)}{year}, {moment:%H:%M}{zone}".rstrip()


def money_text(amount, currency: str) -> str:
    """"$29.99", "€1,204.50", "¥1,500": the currency's symbol and exactly its minor units."""
    try:
        return format_currency(Decimal(amount), currency, locale="en_US")
    except (InvalidOperation, TypeError, ValueError):
        return f"{amount} {currency}"


def carrier_name(code: str) -> str:
    carrier = get_carrier(code or "")
    return carrier.name if carrier else code


def service_name(carrier_code: str, service_code: str) -> str:
    carrier = get_carrier(carrier_code or "")
    service = carrier.service(service_code) if carrier else None
    return service.name if service else service_code


def _positive(amount) -> bool:
    try:
        return Decimal(amount) > 0
    except (InvalidOperation, TypeError, ValueError):
        return False


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def describe_event(type: str, params: dict, currency: str) -> str:
    """One timeline entry as a sentence. Unknown types (added by later features) still read."""
    p = params or {}
    reason = CANCEL_REASON_LABELS.get(p.get("reason", ""), p.get("reason", ""))
    refund = p.get("refund_amount")
    refund_text = f"; {money_text(refund, currency)} refunded" if refund and _positive(refund) else ""
    parts = [(label, p.get(f"refund_{key}")) for key, label in (("items", "items"), ("shipping", "shipping"), ("tax", "tax"))]
    if refund_text and any(_positive(amount) for label, amount in parts[1:]):
        # The breakdown only says something when shipping or tax is in the refund.
        refund_text += " (" + ", ".join(f"{label} {money_text(amount, currency)}" for label, amount in parts if amount and _positive(amount)) + ")"
    late = " (late)" if p.get("late") else ""
    match type:
        case "placed":
            short = p.get("short_skus") or []
            text = f"Order placed on {p.get('channel', 'the storefront')}"
            if p.get("external_id"):
                text += f" as {p['external_id']}"
            if p.get("payment_status"):
                text += f", {PAYMENT_LABELS.get(p['payment_status'], p['payment_status']).lower()}"
            if short:
                text += f"; short of stock: {', '.join(short)}"
            return text
        case "payment_updated":
            return f"Payment {PAYMENT_LABELS.get(p.get('status', ''), p.get('status', '')).lower()}"
        case "confirmed":
            return f"Confirmed{late}"
        case "processing_started":
            return f"Processing started; stock taken from the shelf{late}"
        case "shipped":
            text = f"Shipped with {service_name(p.get('carrier', ''), p.get('service_level', ''))}, tracking {p.get('tracking_number', '')}"
            return text + late
        case "delivered":
            return f"Delivered{late}"
        case "cancelled":
            return f"Order cancelled: {reason}{refund_text}"
        case "line_cancelled":
            return f"Cancelled {_plural(int(p.get('quantity') or 0), 'unit')} of {p.get('sku', '')}: {reason}{refund_text}"
        case "line_reserved":
            return f"Stock arrived: {_plural(int(p.get('quantity') or 0), 'unit')} of {p.get('sku', '')} reserved"
        case "refund_recorded":
            return f"Refund of {money_text(p.get('amount', ''), currency)} recorded"
        case "refund_settled":
            return f"Refund of {money_text(p.get('amount', ''), currency)} paid back to the customer"
        case "refund_failed":
            return "Refund failed at the payment provider"
        case "note_added":
            return "Internal note"
        case "carrier_scan":
            where = f" — {p['location']}" if p.get("location") else ""
            return f"Carrier scan: {p.get('description') or p.get('status', '').replace('_', ' ')}{where}"
        case "shipment_delayed":
            return f"Shipment flagged delayed: {str(p.get('reason', '')).replace('_', ' ')}"
        case "pack_checked":
            return f"Pack checked: {_plural(int(p.get('units') or 0), 'unit')} scanned into the box"
        case "shipped_incomplete_pack":
            return "Shipped although the pack check was not complete"
        case "substitute_offered":
            return f"Offered the customer {p.get('substitute_sku', '')} instead of {p.get('sku', '')}"
        case "substitute_accepted":
            return f"The customer accepted {p.get('substitute_sku', '')} instead of {p.get('sku', '')}; {_plural(int(p.get('quantity') or 0), 'unit')} reserved"
        case "review_left":
            return f"The customer left a review: {'★' * int(p.get('rating') or 0)}"
        case "review_replied":
            return "The shop replied to the review"
        case "substitute_declined":
            return f"The customer declined {p.get('substitute_sku', '')}; {p.get('sku', '')} is cancelled"
        case _:
            from shipdesk.notifications.timeline import describe as describe_notification

            return describe_notification(type, p) or type.replace("_", " ").capitalize()
