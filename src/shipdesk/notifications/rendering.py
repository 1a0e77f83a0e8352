"""Emails rendered from Django templates: subject, plain text and HTML, in the seller's name.

One template set per notification kind under `templates/notifications/email/`:
`<kind>.subject.txt`, `<kind>.txt` and `<kind>.html`. The HTML is autoescaped like any page, so
a customer called `<script>` is text; the text version is not escaped (it is not HTML). The
context is built here once, with money and times already formatted: amounts in the order's
currency, times in the seller's timezone.

Rendering takes plain objects, not queries, so the dashboard can preview a template with an
unsaved sample order (`sample_order`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from email.utils import formataddr, parseaddr
from zoneinfo import ZoneInfo

from babel.numbers import format_currency
from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from shipdesk.conversations.reply_addresses import reply_address
from shipdesk.orders import terms
from shipdesk.orders.deadlines import BusinessCalendar
from shipdesk.orders.models import LineStock, Order, OrderLine
from shipdesk.orders.order_page_links import order_page_url
from shipdesk.returns import terms as return_terms
from shipdesk.shipping.carriers import get_carrier
from shipdesk.shipping.models import Shipment
from shipdesk.shipping.tracking_links import tracking_page_url
from shipdesk.single_line import clean_single_line

from .models import Notification

K = Notification.Kind

CUSTOMER_KINDS = frozenset(k for k in K.values if k.startswith("customer_"))
SELLER_KINDS = frozenset(k for k in K.values if k.startswith("seller_"))
# Messages of a conversation or a support case: their words come from their caller (`extra`).
CONVERSATION_KINDS = frozenset(
    {K.CUSTOMER_MESSAGE, K.SELLER_CUSTOMER_MESSAGE, K.SELLER_CASE_REPLY, K.OPERATOR_CASE_MESSAGE}
)
# Messages about the shop, not one order: no order number in them, no order timeline.
ORDERLESS_KINDS = frozenset({K.SELLER_DAILY_DIGEST, K.SELLER_STANDING_CHANGED, K.SELLER_WEBHOOK_DISABLED})

# Which step an alert is about and why an order was cancelled, as its reader is told: both
# from the vocabulary (orders.terms).
STAGE_VERBS = {stage.value: stage.verb for stage in terms.STAGES}
CUSTOMER_REASONS = {reason.value: reason.for_customer for reason in terms.CANCEL_REASONS}
# A return's steps (answer, refund), and why money or units go back, as their reader is told.
RETURN_STEP_VERBS = {step.value: step.verb for step in return_terms.STEPS}
REFUND_REASONS_FOR_CUSTOMER = {reason.value: reason.for_customer for reason in terms.REFUND_REASONS}
# Why a parcel is late, as the seller reads it.
DELAY_REASONS = {
    "missed_eta": "it was not delivered by its expected date",
    "no_movement": "the carrier has not scanned it for 3 days",
    "exception": "the carrier reported a problem",
    "return_to_sender": "the carrier is returning it to you",
}

REVIEW_SALT = "shipdesk.review"


def _timeout_reason(extra: dict) -> str:
    """Why the system cancelled an order, as the seller reads it."""
    hours = extra.get("hours")
    within = f" within {hours} hours" if hours else " in time"
    if extra.get("reason") == "unconfirmed_timeout":
        return f"it was paid but not confirmed{within}"
    return f"it was not paid{within}"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    from_email: str
    reply_to: str


# --- formatting ----------------------------------------------------------------------------------


def money(amount, currency: str) -> str:
    return format_currency(Decimal(amount), currency, locale="en")


def local_time(value: datetime | None, tz: str) -> datetime | None:
    return None if value is None else value.astimezone(ZoneInfo(tz))


def when(value: datetime | None, tz: str) -> str:
    """ "Sat 4 Jan, 16:00 EAT" in the seller's timezone."""
    value = local_time(value, tz)
    return "" if value is None else f"{value:%a} {value.day} {value:%b}, {value:%H:%M} {value.tzname()}"


def day(value: datetime | None, tz: str) -> str:
    """ "Tuesday 7 January" in the seller's timezone (an ETA is a day, not an instant)."""
    value = local_time(value, tz)
    return "" if value is None else f"{value:%A} {value.day} {value:%B}"


def _parse(value) -> datetime | None:
    if isinstance(value, datetime) or value is None:
        return value
    return parse_datetime(str(value))


# --- links ---------------------------------------------------------------------------------------


def absolute(path: str) -> str:
    return f"{settings.SHIPDESK_BASE_URL}{path}"


def order_url(order_id: int) -> str:
    """The order in the seller's dashboard."""
    return absolute(f"/orders/{order_id}/")


def review_url(order_id: int) -> str:
    """The customer's review page: a signed token that names the order (check with `review_order_id`)."""
    return absolute(f"/r/{signing.dumps(order_id, salt=REVIEW_SALT)}/")


def review_order_id(token: str, *, max_age: timedelta = timedelta(days=90)) -> int | None:
    """The order a review token names, or None when it is forged or older than `max_age`."""
    try:
        value = signing.loads(token, salt=REVIEW_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


# --- senders -------------------------------------------------------------------------------------


def platform_address() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "no-reply@shipdesk.localhost"


def sender_for(kind: str, seller) -> tuple[str, str]:
    """(From, Reply-To). Customers get mail in the shop's name, replies going to the shop; sellers
    get mail from Shipdesk. The address stays the platform's own: mail in another domain's name
    fails SPF/DMARC and lands in spam."""
    if kind in CUSTOMER_KINDS:
        # The name is cleaned of line breaks and other control characters before it goes into
        # the header: a name saved before the single-line rule ("Evil\r\nBcc: …") must neither
        # forge a header nor make every customer email of the shop unsendable.
        return formataddr((clean_single_line(seller.name) or "Shipdesk", platform_address())), clean_single_line(
            seller.email
        )
    return formataddr(("Shipdesk", platform_address())), ""


# --- context -------------------------------------------------------------------------------------


def _order_context(order, lines, shipment, seller) -> dict:
    c = order.currency
    tz = seller.timezone
    address = [
        order.ship_name,
        order.ship_line1,
        order.ship_line2,
        " ".join(filter(None, [order.ship_postal_code, order.ship_city])),
        order.ship_region,
        order.ship_country,
    ]
    context = {
        "order": {
            "id": order.pk,
            "number": order.number,
            "customer_name": order.customer_name,
            "placed_at": when(order.placed_at, tz),
            "subtotal": money(order.subtotal, c),
            "shipping_fee": money(order.shipping_fee, c),
            "tax_total": money(order.tax_total, c) if order.tax_total else "",
            "total": money(order.total, c),
            "refunded_total": money(order.refunded_total, c) if order.refunded_total else "",
            "address": [part for part in address if part],
            "url": order_url(order.pk) if order.pk else absolute("/orders/"),
            # The customer's own page of the order (`/o/<token>/`): linked from every customer email.
            "customer_url": order_page_url(order.pk) if order.pk else absolute("/o/sample/"),
            "item_count": sum(line.open_quantity for line in lines),
        },
        "lines": [
            {
                "sku": line.sku,
                "title": line.title,
                "quantity": line.open_quantity,
                "cancelled": line.quantity_cancelled,
                "unit_price": money(line.unit_price, c),
                "amount": money(line.unit_price * line.open_quantity, c),
                "short": line.stock == "short",
            }
            for line in lines
        ],
        "shipment": None,
    }
    if shipment is not None:
        carrier = get_carrier(shipment.carrier)
        service = carrier.service(shipment.service_level) if carrier else None
        context["shipment"] = {
            "carrier": carrier.name if carrier else shipment.carrier,
            "service": service.name if service else shipment.service_level,
            "tracking_number": shipment.tracking_number,
            "tracking_url": shipment.tracking_url,
            # Our own page first (scans, ETA, delays in one place); the carrier's is linked from it.
            "tracking_page_url": tracking_page_url(order.pk) if order.pk else "",
            "eta": day(shipment.eta, tz),
        }
    return context


def _kind_context(kind: str, order, seller, extra: dict, now: datetime) -> dict:
    """What a kind adds to the order's context, from what its caller passed when queueing it."""
    c, tz = order.currency, seller.timezone
    context: dict = {}
    if "refund_amount" in extra:
        amount = Decimal(str(extra["refund_amount"]))
        context["refund_amount"] = money(amount, c) if amount > 0 else ""
    if "refund_items" in extra and context.get("refund_amount"):
        # What the refund is made of; a part that is zero is left out.
        parts = (("items", "Items"), ("shipping", "Shipping"), ("tax", "Tax"))
        context["refund_parts"] = [
            {"label": label, "amount": money(Decimal(str(extra[f"refund_{key}"])), c)}
            for key, label in parts
            if Decimal(str(extra.get(f"refund_{key}", "0"))) > 0
        ]
    if kind == K.CUSTOMER_SHIPPED:
        # One email per parcel: a parcel with part of the order says what is in it.
        context["partial"] = bool(extra.get("partial"))
        context["parcel_items"] = [(str(title), int(units)) for title, units in extra.get("parcel_items") or []]
    if kind == K.CUSTOMER_CANCELLED:
        context["reason"] = CUSTOMER_REASONS.get(extra.get("reason", ""), "")
    if kind == K.SELLER_AUTO_CANCELLED:
        context["reason"] = _timeout_reason(extra)
        context["seller_caused"] = bool(extra.get("seller_caused"))
    if kind == K.CUSTOMER_LINE_CANCELLED:
        context["cancelled_line"] = {"sku": extra.get("sku", ""), "quantity": extra.get("quantity", 0)}
    if kind in (K.SELLER_DUE_SOON, K.SELLER_OVERDUE):
        stage = extra.get("stage", "confirm")
        deadline = _parse(extra.get("deadline"))
        context["stage"] = {"name": stage, "verb": STAGE_VERBS.get(stage, stage), "deadline": when(deadline, tz)}
        if deadline is not None:
            left = deadline - now
            hours = max(0, int(left.total_seconds() // 3600))
            minutes = max(0, int(left.total_seconds() % 3600 // 60))
            context["stage"]["left"] = f"{hours} h {minutes} min" if hours else f"{minutes} min"
    if kind == K.SELLER_OUT_OF_STOCK:
        context["skus"] = list(extra.get("skus", []))
    if kind in (K.SELLER_DELIVERY_EXCEPTION, K.CUSTOMER_DELAY_NOTICE):
        context["delay_reason"] = DELAY_REASONS.get(extra.get("reason", ""), "")
    if kind in (K.SELLER_RETURN_DUE_SOON, K.SELLER_RETURN_OVERDUE):
        step = extra.get("stage", return_terms.ANSWER)
        deadline = _parse(extra.get("deadline"))
        context["stage"] = {"name": step, "verb": RETURN_STEP_VERBS.get(step, step), "deadline": when(deadline, tz)}
    if "return_id" in extra:
        context["rma"] = {
            "id": extra["return_id"],
            "url": absolute(f"/returns/{extra['return_id']}/"),
            "lines": [
                {**line, "reason_label": REFUND_REASONS_FOR_CUSTOMER.get(line.get("reason", ""), "")}
                for line in extra.get("return_lines", [])
            ],
            "received": list(extra.get("received_lines", [])),
            "note": extra.get("note", ""),
            "answer_by": when(_parse(extra.get("answer_by")), tz),
            "instructions": extra.get("instructions", ""),
            "address": [part for part in str(extra.get("return_address", "")).splitlines() if part.strip()],
            "label_url": extra.get("return_label_url", ""),
            "shop_pays_postage": extra.get("shipping_paid_by") == return_terms.SELLER,
            "rejection_reason": extra.get("rejection_reason", ""),
        }
    if kind == K.CUSTOMER_REFUNDED:
        context["refund_source"] = extra.get("source", "")
        context["refund_reason"] = REFUND_REASONS_FOR_CUSTOMER.get(extra.get("reason", ""), "")
        context["refunded_lines"] = list(extra.get("refunded_lines", []))
    if kind in (K.SELLER_CANCEL_REQUESTED, K.CUSTOMER_CANCEL_REQUESTED):
        context["note"] = extra.get("note", "")
    if kind == K.CUSTOMER_REVIEW_REQUEST:
        context["review_url"] = review_url(order.pk) if order.pk else absolute("/r/sample/")
    if kind in (K.CUSTOMER_CLAIM_UPDATE, K.SELLER_CLAIM_UPDATE):
        # Formatted by the claims services when queued (money, dates, labels): shown as given.
        context["claim"] = dict(extra.get("claim") or {})
    if kind == K.SELLER_DISPUTE_UPDATE:
        context["dispute"] = dict(extra.get("dispute") or {})
    if kind == K.SELLER_PAYMENT_FAILED:
        # The guide: "contact support immediately" — a support case pre-filled for this order.
        context["support_url"] = absolute(f"/support/?order={order.pk}&topic=payment_failed")
    if kind in CONVERSATION_KINDS:
        context.update({key: extra[key] for key in ("message", "case") if key in extra})
    if kind == K.CUSTOMER_SUBSTITUTE_OFFER:
        context["offer"] = {
            "sku": extra.get("sku", ""),
            "substitute_sku": extra.get("substitute_sku", ""),
            "substitute_title": extra.get("substitute_title", ""),
            "url": extra.get("offer_url", ""),
            "note": extra.get("note", ""),
            "answer_by": when(_parse(extra.get("expires_at")), tz),
        }
    return context


# --- rendering -----------------------------------------------------------------------------------

_BLANK_LINES = re.compile(r"\n[ \t]*(\n[ \t]*)+\n")
_TRAILING = re.compile(r"[ \t]+\n")


def _text(rendered: str) -> str:
    """Template tags leave blank lines and trailing spaces behind; a text mail should not."""
    rendered = _TRAILING.sub("\n", rendered)
    return _BLANK_LINES.sub("\n\n", rendered).strip() + "\n"


def _subject(rendered: str) -> str:
    # A header is one line: a newline in a subject would be a header injection (and Django
    # refuses it); long subjects are cut where mail clients would anyway.
    return clean_single_line(" ".join(rendered.split()))[:250]


def render(kind: str, context: dict, *, seller, order_id: int | None = None) -> RenderedEmail:
    base = f"notifications/email/{kind}"
    from_email, reply_to = sender_for(kind, seller)
    if kind in CUSTOMER_KINDS and order_id and (address := reply_address(order_id)):
        # Every customer email carries its order's reply address (conversations.reply_addresses):
        # a reply lands in the order's conversation, not in the shop's own mailbox.
        reply_to = address
    return RenderedEmail(
        subject=_subject(render_to_string(f"{base}.subject.txt", context)),
        text=_text(render_to_string(f"{base}.txt", context)),
        html=render_to_string(f"{base}.html", context),
        from_email=from_email,
        reply_to=reply_to,
    )


def _base_context(kind: str, seller) -> dict:
    return {
        "kind": kind,
        "audience": "customer" if kind in CUSTOMER_KINDS else "seller",
        "shop": {"name": seller.name, "email": seller.email},
        "dashboard_url": absolute("/orders/"),
        "alerts_url": absolute("/alerts/"),
    }


def render_order_email(
    *, kind: str, order, lines, shipment, seller, extra: dict | None = None, now: datetime | None = None
) -> RenderedEmail:
    """The email of `kind` about `order`, from objects already loaded (saved or not)."""
    now = now or timezone.now()
    extra = extra or {}
    context = {
        **_base_context(kind, seller),
        **_order_context(order, lines, shipment, seller),
        **_kind_context(kind, order, seller, extra, now),
    }
    if context.get("shipment") and shipment is not None and shipment.eta is not None and shipment.eta < now:
        # A delivery date already missed is never promised again (a delay notice without the
        # carrier's revised date says only that the parcel is late).
        context["shipment"]["eta"] = ""
        context["shipment"]["eta_missed"] = True
    return render(kind, context, seller=seller, order_id=order.pk)


def render_digest_email(*, seller, digest: dict) -> RenderedEmail:
    return render(
        K.SELLER_DAILY_DIGEST, {**_base_context(K.SELLER_DAILY_DIGEST, seller), "digest": digest}, seller=seller
    )


# --- alert titles (the bell shows one line) --------------------------------------------------------


def alert_title(kind: str, *, order, lines, extra: dict, seller) -> str:
    number = f"#{order.number}" if order is not None else ""
    if kind == K.SELLER_NEW_ORDER:
        items = sum(line.open_quantity for line in lines)
        return f"New order {number}: {items} item{'s' if items != 1 else ''}, {money(order.total, order.currency)}"
    if kind == K.SELLER_DUE_SOON:
        stage = extra.get("stage", "confirm")
        deadline = _parse(extra.get("deadline"))
        return f"Order {number}: {STAGE_VERBS.get(stage, stage)} by {when(deadline, seller.timezone)}"
    if kind == K.SELLER_OVERDUE:
        stage = extra.get("stage", "confirm")
        return f"Order {number} is overdue: {STAGE_VERBS.get(stage, stage)} it now"
    if kind == K.SELLER_PAYMENT_FAILED:
        return f"Payment failed for order {number}"
    if kind == K.SELLER_OUT_OF_STOCK:
        return f"Order {number}: out of stock ({', '.join(extra.get('skus', []))})"
    if kind == K.SELLER_DELIVERY_EXCEPTION:
        return f"Order {number} is delayed: {DELAY_REASONS.get(extra.get('reason', ''), 'delivery problem')}"
    if kind == K.SELLER_AUTO_CANCELLED:
        return f"Order {number} was cancelled automatically: {_timeout_reason(extra)}"
    if kind == K.SELLER_CLAIM_UPDATE:
        claim = extra.get("claim") or {}
        return f"Order {number}: {claim.get('headline', 'delivery problem')}"
    if kind == K.SELLER_DISPUTE_UPDATE:
        dispute = extra.get("dispute") or {}
        return f"Order {number}: {dispute.get('headline', 'chargeback')}"
    if kind == K.SELLER_CANCEL_REQUESTED:
        return f"The customer asks to cancel order {number}"
    if kind == K.SELLER_RETURN_REQUESTED:
        units = sum(line.get("quantity", 0) for line in extra.get("return_lines", []))
        return f"Return R{extra.get('return_id')} on order {number}: {units} item{'s' if units != 1 else ''} to answer"
    if kind in (K.SELLER_RETURN_DUE_SOON, K.SELLER_RETURN_OVERDUE):
        step = RETURN_STEP_VERBS.get(extra.get("stage", ""), "answer it")
        deadline = when(_parse(extra.get("deadline")), seller.timezone)
        if kind == K.SELLER_RETURN_OVERDUE:
            return f"Return R{extra.get('return_id')} on order {number} is overdue: {step} now"
        return f"Return R{extra.get('return_id')} on order {number}: {step} by {deadline}"
    if kind == K.SELLER_CUSTOMER_MESSAGE:
        return f"Order {number}: {extra.get('message', {}).get('author', 'the customer')} wrote".strip()
    if kind == K.SELLER_CASE_REPLY:
        return f"Support answered: {extra.get('case', {}).get('subject', '')}".strip()
    return f"{kind.replace('_', ' ').capitalize()} {number}".strip()


# --- previews ------------------------------------------------------------------------------------


def sample_order(seller):
    """An unsaved order with two lines and a shipment, to preview every template with."""
    now = timezone.now()
    currency = "USD"
    order = Order(
        seller=seller,
        number=1042,
        customer_name="Ada Lovelace",
        customer_email="ada@example.com",
        ship_name="Ada Lovelace",
        ship_line1="1 Main St",
        ship_city="Springfield",
        ship_region="IL",
        ship_postal_code="62701",
        ship_country="US",
        currency=currency,
        subtotal=Decimal("37.00"),
        shipping_fee=Decimal("4.99"),
        total=Decimal("41.99"),
        refunded_total=Decimal("0"),
        placed_at=now - timedelta(hours=3),
    )
    lines = [
        OrderLine(
            order=order,
            sku="MUG-BLUE",
            title="Blue mug",
            quantity=2,
            unit_price=Decimal("12.50"),
            stock=LineStock.RESERVED,
        ),
        OrderLine(
            order=order,
            sku="TEA-1",
            title="Breakfast tea",
            quantity=1,
            unit_price=Decimal("12.00"),
            stock=LineStock.RESERVED,
        ),
    ]
    calendar = BusinessCalendar(timezone=seller.timezone, country=str(seller.country) or "US")
    shipment = Shipment(
        order=order,
        carrier="ups",
        service_level="ground",
        tracking_number="1Z999AA10123456784",
        tracking_url="https://www.ups.com/track?tracknum=1Z999AA10123456784",
        shipped_at=now,
        eta=calendar.add_business_days(now, 5),
    )
    return order, lines, shipment


def _sample_claim(order) -> dict:
    return {
        "id": 1,
        "step": "resolved",
        "headline": "delivery problem answered: Reshipment",
        "kind": "Arrived damaged",
        "description": "The mug arrived in pieces.",
        "answer_by": when(timezone.now() + timedelta(days=2), order.seller.timezone),
        "resolution": "reshipment",
        "resolution_label": "Reshipment",
        "note": "",
        "refunded": "",
        "tracking_number": "1Z999AA10123456793",
        "tracking_url": "https://www.ups.com/track?tracknum=1Z999AA10123456793",
        "items": ["1 × Blue mug"],
        "decision": "",
        "decision_label": "",
    }


def sample_extra(kind: str, order) -> dict:
    deadline = (timezone.now() + timedelta(hours=5)).isoformat()
    return {
        K.CUSTOMER_CANCELLED: {
            "reason": "out_of_stock",
            "refund_amount": str(order.total),
            "refund_items": str(order.subtotal),
            "refund_shipping": str(order.shipping_fee),
            "refund_tax": str(order.tax_total),
        },
        K.CUSTOMER_LINE_CANCELLED: {
            "sku": "TEA-1",
            "quantity": 1,
            "refund_amount": "12.00",
            "refund_items": "12.00",
            "refund_shipping": "0",
            "refund_tax": "0",
        },
        K.SELLER_DUE_SOON: {"stage": "confirm", "deadline": deadline},
        K.SELLER_OVERDUE: {"stage": "ship", "deadline": deadline},
        K.SELLER_OUT_OF_STOCK: {"skus": ["TEA-1"]},
        K.SELLER_DELIVERY_EXCEPTION: {"reason": "missed_eta"},
        K.CUSTOMER_DELAY_NOTICE: {"reason": "missed_eta"},
        K.SELLER_AUTO_CANCELLED: {
            "reason": "unconfirmed_timeout",
            "refund_amount": str(order.total),
            "hours": 72,
            "seller_caused": True,
        },
        K.CUSTOMER_CLAIM_UPDATE: {"claim": _sample_claim(order)},
        K.SELLER_CLAIM_UPDATE: {"claim": _sample_claim(order)},
        K.SELLER_DISPUTE_UPDATE: {
            "dispute": {
                "step": "opened",
                "headline": "chargeback opened (Product not received)",
                "status": "Needs response",
                "reason": "Product not received",
                "amount": money(order.total, order.currency),
                "fee": "",
                "evidence_due_by": when(timezone.now() + timedelta(days=7), order.seller.timezone),
                "held": money(order.total, order.currency),
            }
        },
        K.CUSTOMER_REFUNDED: {
            "source": "goodwill",
            "reason": "late_delivery",
            "refunded_lines": [],
            "refund_amount": "5.00",
            "refund_items": "5.00",
            "refund_shipping": "0",
            "refund_tax": "0",
        },
        **{
            kind: {
                "return_id": 7,
                "return_lines": [{"sku": "TEA-1", "quantity": 1, "reason": "damaged"}],
                "received_lines": [{"sku": "TEA-1", "resellable": 0, "damaged": 1}],
                "answer_by": deadline,
                "instructions": "Pack it in its box and write R7 on the parcel.",
                "return_address": "Acme returns\n1 Dock Road\nSpringfield 62701",
                "shipping_paid_by": "seller",
                "rejection_reason": "The item was used.",
            }
            for kind in (
                K.CUSTOMER_RETURN_REQUESTED,
                K.CUSTOMER_RETURN_APPROVED,
                K.CUSTOMER_RETURN_REJECTED,
                K.CUSTOMER_RETURN_RECEIVED,
                K.SELLER_RETURN_REQUESTED,
            )
        },
        K.SELLER_RETURN_DUE_SOON: {"return_id": 7, "stage": "answer_return", "deadline": deadline},
        K.SELLER_RETURN_OVERDUE: {"return_id": 7, "stage": "refund_return", "deadline": deadline},
        K.SELLER_CANCEL_REQUESTED: {"note": "I ordered the wrong size."},
        K.CUSTOMER_CANCEL_REQUESTED: {"note": "I ordered the wrong size."},
        K.CUSTOMER_MESSAGE: {
            "message": {
                "body": "Hello Ada,\n\nYour tea is back in stock: it ships tomorrow.",
                "attachments": ["label.pdf"],
                "url": absolute("/o/sample/messages/"),
            }
        },
        K.SELLER_CUSTOMER_MESSAGE: {
            "message": {
                "author": "Ada Lovelace",
                "body": "Is my order on its way?",
                "attachments": [],
                "url": order_url(order.pk or 1),
            }
        },
        K.SELLER_CASE_REPLY: {
            "case": {
                "id": 7,
                "subject": "Payment failed",
                "body": "We retried the payment.",
                "url": absolute("/support/"),
            }
        },
        K.OPERATOR_CASE_MESSAGE: {
            "case": {
                "id": 7,
                "subject": "Payment failed",
                "topic": "Payment failed",
                "body": "The payment of this order failed.",
                "shop": "Acme",
                "url": absolute("/admin/support/"),
            }
        },
        K.CUSTOMER_SUBSTITUTE_OFFER: {
            "sku": "TEA-1",
            "substitute_sku": "TEA-2",
            "substitute_title": "Earl Grey tea",
            "offer_url": absolute("/s/sample/"),
        },
    }.get(kind, {})


def sample_digest(seller) -> dict:
    return {
        "date": day(timezone.now(), seller.timezone),
        "to_confirm": 3,
        "to_process": 2,
        "to_ship": 1,
        "overdue": 1,
        "due_today": 2,
        "short": 1,
        "low_stock": 2,
        "delayed": 0,
        "orders": [
            {
                "number": 1042,
                "customer": "Ada Lovelace",
                "action": "confirm",
                "deadline": when(timezone.now() + timedelta(hours=2), seller.timezone),
                "overdue": False,
                "url": order_url(1),
            },
            {
                "number": 1039,
                "customer": "Grace Hopper",
                "action": "ship",
                "deadline": when(timezone.now() - timedelta(hours=1), seller.timezone),
                "overdue": True,
                "url": order_url(2),
            },
        ],
    }


def sample_standing_change() -> dict:
    return {
        "day": timezone.now().date().isoformat(),
        "standing": "penalised",
        "previous": "good",
        "standing_label": "penalised",
        "previous_label": "good",
        "points": 3,
        "hold_extra_days": 3,
        "problems": [
            {
                "key": "late_shipment", "label": "Late shipment rate", "value": "5.0 %",
                "numerator": 5, "denominator": 100, "window_days": 30, "target": "< 4 %",
                "status": "breach", "status_label": "breached",
                "what_to_fix": "Ship by the ship-by date: print labels the day orders are processed.",
            }
        ],
        "performance_url": absolute("/performance/"),
    }  # fmt: skip


def preview(kind: str, seller) -> RenderedEmail:
    if kind == K.SELLER_DAILY_DIGEST:
        return render_digest_email(seller=seller, digest=sample_digest(seller))
    if kind == K.SELLER_STANDING_CHANGED:
        return render(kind, {**_base_context(kind, seller), **sample_standing_change()}, seller=seller)
    if kind == K.SELLER_WEBHOOK_DISABLED:
        sample = {
            "url": "https://erp.example.com/shipdesk",
            "reason": "every delivery failed for 24 hours",
            "settings_url": absolute("/settings/webhooks/"),
        }
        return render(kind, {**_base_context(kind, seller), **sample}, seller=seller)
    order, lines, shipment = sample_order(seller)
    return render_order_email(
        kind=kind, order=order, lines=lines, shipment=shipment, seller=seller, extra=sample_extra(kind, order)
    )
