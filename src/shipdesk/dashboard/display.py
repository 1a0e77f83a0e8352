"""How orders read on screen: labels, countdowns, timeline sentences. Pure: no ORM, no I/O."""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from shipdesk.claims import terms as claim_terms
from shipdesk.notifications.timeline import describe as describe_notification
from shipdesk.orders import terms
from shipdesk.returns import terms as return_terms
from shipdesk.shipping.carriers import get_carrier

# Labels come from the vocabulary (orders.terms): one word, one label, on every screen.
STATUS_LABELS = {term.value: term.label for term in terms.ORDER_STATUSES}
PAYMENT_LABELS = {term.value: term.label for term in terms.PAYMENT_STATES}
STOCK_LABELS = {term.value: term.label for term in terms.LINE_STOCK_STATES}
CANCEL_REASON_LABELS = {term.value: term.label for term in terms.CANCEL_REASONS}


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


# The names strftime's %a and %b give in the C locale (the one the server runs in), looked up
# directly: strftime on an aware datetime costs more than the rest of a list row's text.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day(moment: datetime) -> str:
    """ "Tue 14 Jan": a date a seller reads without thinking."""
    return f"{_WEEKDAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]}"


def when(moment: datetime, *, with_year: bool = False, with_zone: bool = True) -> str:
    """ "Tue 14 Jan, 15:30 EST" in the moment's own timezone (callers pass local times)."""
    year = f" {moment.year}" if with_year else ""
    zone = f" {moment.tzname() or ''}" if with_zone else ""
    return f"{day(moment)}{year}, {moment.hour:02d}:{moment.minute:02d}{zone}".rstrip()


@lru_cache(maxsize=1)
def _money_locale():
    # Parsed once: babel parses a locale name on every call otherwise (half the cost of a call).

    return Locale.parse("en_US")


@lru_cache(maxsize=256)
def _currency_affixes(currency: str) -> tuple[str, str, int] | None:
    """What babel writes around a currency's number ("$", ""), and its minor units; None if the
    number does not show as plain grouped digits (then every amount goes through babel)."""
    try:
        digits = get_currency_precision(currency)
        probe = format_currency(Decimal(1234567), currency, locale=_money_locale())
    except (TypeError, ValueError):
        return None
    prefix, found, suffix = probe.partition(f"{1234567:,.{digits}f}")
    return (prefix, suffix, digits) if found else None


def money_text(amount, currency: str) -> str:
    """ "$29.99", "€1,204.50", "¥1,500": the currency's symbol and exactly its minor units."""
    try:
        value = Decimal(amount)
        affixes = _currency_affixes(currency)
        # The common case without babel's per-call pattern work (a list shows 50 totals): a
        # non-negative amount rounded half-even to the minor units, as babel rounds it.
        if affixes is not None and value.is_finite() and not value.is_signed():
            prefix, suffix, digits = affixes
            return f"{prefix}{value:,.{digits}f}{suffix}"
        return format_currency(value, currency, locale=_money_locale())
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
    parts = [
        (label, p.get(f"refund_{key}")) for key, label in (("items", "items"), ("shipping", "shipping"), ("tax", "tax"))
    ]
    if refund_text and any(_positive(amount) for label, amount in parts[1:]):
        # The breakdown only says something when shipping or tax is in the refund.
        refund_text += (
            " ("
            + ", ".join(
                f"{label} {money_text(amount, currency)}" for label, amount in parts if amount and _positive(amount)
            )
            + ")"
        )
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
            service = service_name(p.get("carrier", ""), p.get("service_level", ""))
            text = f"Shipped with {service}, tracking {p.get('tracking_number', '')}"
            return text + late
        case "delivered":
            return f"Delivered{late}"
        case "parcel_shipped":
            service = service_name(p.get("carrier", ""), p.get("service_level", ""))
            units = sum(int(n) for n in (p.get("lines") or {}).values())
            return f"Parcel of {_plural(units, 'unit')} shipped with {service}, tracking {p.get('tracking_number', '')}"
        case "parcel_delivered":
            return f"Parcel {p.get('tracking_number', '')} delivered; another is still to arrive"
        case "address_corrected":
            who = " at the customer's request" if p.get("customer_request") else ""
            return f"Shipping address corrected{who}: " + ", ".join(
                str(value) for value in (p.get("corrected") or {}).values() if value
            )
        case "eta_revised":
            return f"The carrier revised the delivery date of {p.get('tracking_number', '')}"
        case "cancelled":
            return f"Order cancelled: {reason}{refund_text}"
        case "line_cancelled":
            return (
                f"Cancelled {_plural(int(p.get('quantity') or 0), 'unit')} of {p.get('sku', '')}: {reason}{refund_text}"
            )
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
            parcel = f" ({p['tracking_number']})" if p.get("tracking_number") else ""
            return f"Carrier scan{parcel}: {p.get('description') or p.get('status', '').replace('_', ' ')}{where}"
        case "shipment_delayed":
            return f"Shipment flagged delayed: {str(p.get('reason', '')).replace('_', ' ')}"
        case "pack_checked":
            return f"Pack checked: {_plural(int(p.get('units') or 0), 'unit')} scanned into the box"
        case "shipped_incomplete_pack":
            return "Shipped although the pack check was not complete"
        case "substitute_offered":
            return f"Offered the customer {p.get('substitute_sku', '')} instead of {p.get('sku', '')}"
        case "substitute_accepted":
            units = _plural(int(p.get("quantity") or 0), "unit")
            return (
                f"The customer accepted {p.get('substitute_sku', '')} instead of {p.get('sku', '')}; {units} reserved"
            )
        case "review_left":
            return f"The customer left a review: {'★' * int(p.get('rating') or 0)}"
        case "review_replied":
            return "The shop replied to the review"
        case "label_bought":
            service = service_name(p.get("carrier", ""), p.get("service_level", ""))
            price = money_text(p.get("price", ""), p.get("currency", currency))
            return f"Label bought: {service}, tracking {p.get('tracking_number', '')}, postage {price}"
        case "label_voided":
            price = money_text(p.get("price", ""), p.get("currency", currency))
            return f"Label {p.get('tracking_number', '')} voided; postage {price} refunded"
        case "message_sent":
            files = int(p.get("attachments") or 0)
            return "Message sent to the customer" + (f" with {_plural(files, 'attachment')}" if files else "")
        case "message_received":
            files = int(p.get("attachments") or 0)
            how = " by email" if p.get("channel") == "email" else " on the order page"
            return "The customer wrote" + how + (f", with {_plural(files, 'attachment')}" if files else "")
        case "support_case_opened":
            return f"Support case {p.get('case_id', '')} opened: {str(p.get('topic', '')).replace('_', ' ')}"
        case "substitute_declined":
            return f"The customer declined {p.get('substitute_sku', '')}; {p.get('sku', '')} is cancelled"
        case "claim_opened" | "claim_resolved" | "claim_refused" | "claim_escalated" | "claim_decided":
            return describe_claim_event(type, p, currency)
        case "dispute_opened" | "dispute_updated" | "dispute_closed":
            status = claim_terms.DISPUTE_STATUSES.label(p.get("status", ""))
            amount = money_text(p.get("amount", "0"), currency)
            if type == "dispute_opened":
                reason = claim_terms.DISPUTE_REASONS.label(p.get("reason", ""))
                return f"Chargeback opened: {amount}, {reason.lower()} ({status.lower()})"
            return f"Chargeback {'closed' if type == 'dispute_closed' else 'updated'}: {status.lower()}"
        case _:
            return _after_shipment(type, p, currency, refund_text) or (
                describe_notification(type, p) or type.replace("_", " ").capitalize()
            )


def _after_shipment(type: str, p: dict, currency: str, refund_text: str) -> str:
    """The events of refunds after shipment, cancellation requests and returns, as sentences."""
    units = ", ".join(f"{line.get('quantity')} × {line.get('sku')}" for line in p.get("lines") or [])
    reason = terms.REFUND_REASONS.label(p.get("reason", ""))
    if type == terms.EVENT_TYPES["refunded_after_shipment"].value:
        what = f" for {units}" if units else ""
        source = terms.REFUND_SOURCES.label(p.get("source", "")).lower()
        return f"Refunded after shipment ({source}, {reason.lower()}){what}{refund_text}"
    if type == terms.EVENT_TYPES["cancel_requested"].value:
        return "The customer asked to cancel" + (f": “{p['note']}”" if p.get("note") else "")
    if type == terms.EVENT_TYPES["return_requested"].value:
        return f"Return R{p.get('return_id')} requested: {units}"
    if type == terms.EVENT_TYPES["return_approved"].value:
        payer = "the shop" if p.get("shipping_paid_by") == return_terms.SELLER else "the customer"
        return f"Return R{p.get('return_id')} approved; {payer} pays the postage"
    if type == terms.EVENT_TYPES["return_rejected"].value:
        return f"Return R{p.get('return_id')} rejected: {p.get('reason', '')}"
    if type == terms.EVENT_TYPES["return_received"].value:
        got = ", ".join(
            f"{line.get('sku')}: {line.get('resellable', 0)} resellable, {line.get('damaged', 0)} damaged"
            for line in p.get("lines") or []
        )
        return f"Return R{p.get('return_id')} received ({got})"
    return ""


def describe_claim_event(type: str, p: dict, currency: str) -> str:
    """A claim's step as one timeline sentence."""
    refunded = p.get("refunded")
    refund_text = f"; {money_text(refunded, currency)} refunded" if refunded and _positive(refunded) else ""
    match type:
        case "claim_opened":
            return f"The customer reported a problem: {claim_terms.CLAIM_KINDS.label(p.get('kind', '')).lower()}"
        case "claim_resolved":
            resolution = claim_terms.RESOLUTIONS.label(p.get("resolution", ""))
            tracking = f", tracking {p['tracking_number']}" if p.get("tracking_number") else ""
            return f"Problem answered: {resolution.lower()}{tracking}{refund_text}"
        case "claim_refused":
            return "The shop refused the claim"
        case "claim_escalated":
            return "Claim escalated to the marketplace: not resolved in time"
    return f"Marketplace decision: {claim_terms.DECISIONS.label(p.get('decision', '')).lower()}{refund_text}"


# --- HTML pieces: badges, countdowns, and a row of the orders list ---------------------------
# Built here once per row rather than by template tags per node: a page of 50 orders rendered
# through tags and includes cost more than the rest of the request together.


@lru_cache(maxsize=256)
def badge(kind: str, value: str) -> SafeString:
    """`<span class="badge badge-status-pending">Pending</span>` (a handful of distinct values)."""
    labels = {"status": STATUS_LABELS, "payment": PAYMENT_LABELS, "stock": STOCK_LABELS}[kind]
    return format_html('<span class="badge badge-{}-{}">{}</span>', kind, value, labels.get(value, value))


def countdown_html(*, deadline: datetime, verb: str, now: datetime, zone: tzinfo) -> SafeString:
    """The live countdown to a deadline: rendered here, kept current by dashboard.js."""
    text, overdue = countdown_text(verb=verb, deadline=deadline, now=now)
    return format_html(
        '<span class="countdown{}" data-countdown data-deadline="{}" data-verb="{}" title="Due {}">{}</span>',
        " is-overdue" if overdue else "",
        deadline.isoformat(),
        verb,
        when(deadline.astimezone(zone)),
        text,
    )


_WAITING_FOR_PAYMENT = mark_safe('<span class="muted">waiting for payment</span>')


def next_step_html(order, *, now: datetime, zone: tzinfo) -> SafeString:
    """What the seller owes this order now, with its countdown — or why nothing is due."""
    stage = terms.stage_for(order.status)
    if stage and order.action_due_at:
        return countdown_html(deadline=order.action_due_at, verb=stage.value, now=now, zone=zone)
    if order.status == terms.PENDING and order.payment_status in terms.NOT_PAID_STATES:
        return _WAITING_FOR_PAYMENT
    if order.status == terms.SHIPPED and order.deliver_by:
        return format_html('<span class="muted">ETA {}</span>', day(order.deliver_by.astimezone(zone)))
    return mark_safe("")


# One order of the list. The markup lives here, not in a template included per row: a page of 50
# rows through the template engine (an include and ~20 variables each) cost more than the rest
# of the page's rendering; one format_html per row is a third of that. Every value is escaped
# by format_html unless it is HTML made here (badges, countdown, the items with their SKUs
# escaped).
_ORDER_ROW = """
<li class="order-row{new_class}{overdue_class}" id="order-{id}" data-order-id="{id}">
  {select}
  <div class="order-main">
    <a class="order-number" href="{url}">#{number}</a>
    {new_badge}
    <span class="order-customer">{customer_name}</span>
    <span class="order-items">
      {items}
    </span>
  </div>
  <div class="order-badges">
    {status_badge}
    {payment_badge}
    {short_badge}
  </div>
  <div class="order-due">{next_step}</div>
  <div class="order-total">{total}</div>
  <div class="order-placed"><time datetime="{placed_iso}">{placed}</time></div>
</li>
"""
# The checkbox for the list's bulk form (#bulk-form), on tabs whose orders can be selected.
_ORDER_SELECT = """
    <div class="order-select">
      <input type="checkbox" name="order_ids" value="{id}" id="select-{id}" form="bulk-form">
      <label for="select-{id}" class="visually-hidden">Select order #{number}</label>
    </div>
  """
_NEW_BADGE = mark_safe('<span class="badge badge-new">New</span>')
_EMPTY = mark_safe("")


def order_row_html(
    order, *, url: str, now: datetime, zone: tzinfo, new: bool = False, can_select: bool = False
) -> SafeString:
    """`order` as a row of the list (`order` with its lines loaded: `orders.selectors.with_lines`).

    `new` marks an order the list's poll brought in; `can_select` adds its bulk-form checkbox.
    Times are shown in `zone` ("Wed 25 Nov, 01:04": no year or zone, noise in a list).
    """
    lines = order.lines.all()
    # Lines released by a cancellation are left out.
    items = ", ".join(
        f"{line.quantity - line.quantity_cancelled}&nbsp;×&nbsp;{escape(line.sku)}"
        for line in lines
        if line.stock != "released"
    )
    due = order.action_due_at
    order_id, number = str(order.pk), str(order.number)
    return format_html(
        _ORDER_ROW,
        new_class=" is-new" if new else "",
        overdue_class=" is-overdue" if due is not None and due < now else "",
        id=order_id,
        select=format_html(_ORDER_SELECT, id=order_id, number=number) if can_select else _EMPTY,
        url=url,
        number=number,
        new_badge=_NEW_BADGE if new else _EMPTY,
        customer_name=order.customer_name,
        items=mark_safe(items),
        status_badge=badge("status", order.status),
        payment_badge=badge("payment", order.payment_status),
        short_badge=badge("stock", "short") if any(line.stock == "short" for line in lines) else _EMPTY,
        next_step=next_step_html(order, now=now, zone=zone),
        total=money_text(order.total, order.currency),
        placed_iso=order.placed_at.isoformat(),
        placed=when(order.placed_at.astimezone(zone), with_zone=False),
    )
