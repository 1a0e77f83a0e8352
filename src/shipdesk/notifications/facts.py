"""What a queued message shows, recorded when it is queued; rendered into an email when it is sent.

The service that queues a message (`services.queue_notification` and its siblings) records its
*facts* on the outbox row, inside the transaction of the change: a JSON snapshot of everything
the message shows that could change later — the shop's name, contact and timezone; the order's
number, customer, address, amounts and currency; its lines (SKU, title, quantities, price, stock);
the parcel's carrier, service, tracking number, link and ETA — and the moment it was queued. The
caller's own words (a cancellation reason, a refund, a claim, a message) are the row's `context`,
as before. Building the snapshot reads attributes of objects the caller already holds: no
template, no money formatting, no signing, no query of its own.

The worker renders the subject, text and HTML from the facts when it hands the message over
(`delivery`), stores them on the row, then sends. So **a message is fixed at queue time where
the content matters**: the order's state, amounts, address, tracking number and the shop's name
are those of the moment of the action, and times in the message ("5 h 0 min from now", a missed
ETA) are reckoned from the moment it was queued, not from the send; only the wording of the
templates and the site's address (`SHIPDESK_BASE_URL`, the signed links) are those of the send.

Rows queued before the facts existed carry their rendered message and no facts: they are sent
as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from shipdesk.orders.models import Order, OrderLine
from shipdesk.shipping.models import Shipment

from . import rendering
from .models import Notification

# Bumped when the shape below changes, so a worker can tell an older row's facts apart.
VERSION = 1

_ORDER_FIELDS = (
    "number",
    "customer_name",
    "ship_name",
    "ship_line1",
    "ship_line2",
    "ship_postal_code",
    "ship_city",
    "ship_region",
    "ship_country",
    "currency",
)
_ORDER_AMOUNTS = ("subtotal", "shipping_fee", "tax_total", "total", "refunded_total")


@dataclass(frozen=True)
class Shop:
    """The seller as a message shows it: what `rendering` reads of a seller, and nothing else."""

    name: str
    email: str
    timezone: str


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _time(value: str | None) -> datetime | None:
    return None if value is None else parse_datetime(value)


def of_shop(seller, *, now: datetime | None = None) -> dict:
    """The facts of a message about the shop as a whole (the digest, a support case, the standing)."""
    return {
        "v": VERSION,
        "now": _iso(now or timezone.now()),
        "shop": {"name": seller.name, "email": seller.email, "timezone": seller.timezone},
    }


def of_order(*, order, lines, shipment: Shipment | None, seller, now: datetime | None = None) -> dict:
    """The facts of a message about `order`, from the objects its caller holds (saved or not)."""
    facts = of_shop(seller, now=now)
    facts["order"] = {
        "id": order.pk,
        **{field: getattr(order, field) for field in _ORDER_FIELDS},
        **{field: str(getattr(order, field)) for field in _ORDER_AMOUNTS},
        "placed_at": _iso(order.placed_at),
    }
    facts["lines"] = [
        {
            "sku": line.sku,
            "title": line.title,
            "quantity": line.quantity,
            "quantity_cancelled": line.quantity_cancelled,
            "unit_price": str(line.unit_price),
            "stock": line.stock,
        }
        for line in lines
    ]
    facts["shipment"] = (
        None
        if shipment is None
        else {
            "carrier": shipment.carrier,
            "service_level": shipment.service_level,
            "tracking_number": shipment.tracking_number,
            "tracking_url": shipment.tracking_url,
            "eta": _iso(shipment.eta),
        }
    )
    return facts


def _order_of(facts: dict) -> tuple[Order, list[OrderLine], Shipment | None]:
    """Unsaved objects carrying the recorded facts: what `rendering` takes (it reads no database)."""
    recorded = facts["order"]
    order = Order(
        pk=recorded["id"],
        placed_at=_time(recorded["placed_at"]),
        **{field: recorded[field] for field in _ORDER_FIELDS},
        **{field: Decimal(recorded[field]) for field in _ORDER_AMOUNTS},
    )
    lines = [
        OrderLine(
            sku=line["sku"],
            title=line["title"],
            quantity=line["quantity"],
            quantity_cancelled=line["quantity_cancelled"],
            unit_price=Decimal(line["unit_price"]),
            stock=line["stock"],
        )
        for line in facts["lines"]
    ]
    parcel = facts["shipment"]
    shipment = (
        None
        if parcel is None
        else Shipment(
            carrier=parcel["carrier"],
            service_level=parcel["service_level"],
            tracking_number=parcel["tracking_number"],
            tracking_url=parcel["tracking_url"],
            eta=_time(parcel["eta"]),
        )
    )
    return order, lines, shipment


def render(row: Notification) -> rendering.RenderedEmail:
    """The message of a queued row, rendered from its facts and its caller's words (`context`)."""
    facts = row.facts
    shop = Shop(**facts["shop"])
    # The request id is ops' note on the row, not part of what the caller said.
    extra = {key: value for key, value in row.context.items() if key != "request_id"}
    if "order" not in facts:
        return rendering.render(row.kind, {**rendering._base_context(row.kind, shop), **extra}, seller=shop)
    order, lines, shipment = _order_of(facts)
    return rendering.render_order_email(
        kind=row.kind, order=order, lines=lines, shipment=shipment, seller=shop, extra=extra, now=_time(facts["now"])
    )


def message_fields(row: Notification) -> dict:
    """The row's message as the worker stores it before sending it (field: value); empty when the
    row needs no rendering — it was rendered before (an earlier attempt, or a row queued before
    the facts existed). Raises what the templates raise."""
    if row.facts is None or row.rendered_at is not None:
        return {}
    email = render(row)
    return {
        "from_email": email.from_email,
        "reply_to": email.reply_to,
        "subject": email.subject,
        "body_text": email.text,
        "body_html": email.html,
        "rendered_at": timezone.now(),
    }
