"""Shopify: the Order resource (REST Admin API, also the body of the orders/create, orders/updated
and orders/cancelled webhooks) read into an IncomingOrder; webhooks signed with
`X-Shopify-Hmac-Sha256` (base64 HMAC-SHA256 of the raw body with the shop's webhook secret);
fulfilment sent as a Fulfillment, a cancellation through the order's cancel endpoint.

Status, as Shopify's own fields say it: `cancelled_at` set → cancelled; `financial_status` paid
or partially_refunded → paid (authorized and pending are not captured: unpaid); refunded and
unfulfilled → cancelled; `fulfillment_status` fulfilled → shipped (with the tracking of its
successful fulfillment), partial → processing; otherwise confirmed when paid and `confirmed`,
else pending. IDs are read as strings: Shopify's exceed 2**53.
"""

from __future__ import annotations

import json

from shipdesk.channels.incoming import (
    IncomingLine,
    IncomingOrder,
    aware,
    carrier_of,
    decimal_of,
    split_exactly,
    text,
    unit_price_of,
)
from shipdesk.channels.terms import CANCELLATION, SHIPMENT
from shipdesk.orders.terms import CANCELLED, CONFIRMED, PENDING, PROCESSING, SHIPPED

from .base import FulfilmentRequest, FulfilmentUpdateData, WebhookEvent, signature_matches

API_VERSION = "2024-01"
SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"
# The topics that carry an order; others (a shop's other resources) are acknowledged and ignored.
ORDER_TOPICS = ("orders/create", "orders/updated", "orders/cancelled", "orders/paid", "orders/fulfilled")

CANCEL_REASONS = {  # Shopify's cancel_reason → ours
    "customer": "customer_request",
    "inventory": "out_of_stock",
    "declined": "payment_issue",
    "fraud": "payment_issue",
}
OUR_REASONS = {"customer_request": "customer", "out_of_stock": "inventory", "payment_issue": "declined"}
PAID = ("paid", "partially_refunded", "refunded")


def verify_signature(body: bytes, headers, secret: str) -> bool:
    return signature_matches(headers.get(SIGNATURE_HEADER, ""), body, secret)


def webhook_event(body: bytes, headers) -> WebhookEvent:
    topic = headers.get("X-Shopify-Topic", "")
    delivery = headers.get("X-Shopify-Webhook-Id", "") or headers.get("X-Shopify-Event-Id", "")
    payload = json.loads(body)
    if topic not in ORDER_TOPICS or not isinstance(payload, dict):
        return WebhookEvent(topic=topic, delivery_id=delivery, payload=None)
    return WebhookEvent(topic=topic, delivery_id=delivery, payload=payload.get("order", payload))


def read_order(payload: dict) -> IncomingOrder:
    order = payload.get("order", payload)
    currency = text(order.get("currency")).upper()
    incoming = IncomingOrder(external_id=text(order.get("id")), currency=currency, lines=[])
    incoming.channel_status = " / ".join(
        filter(None, [text(order.get("financial_status")), text(order.get("fulfillment_status"))])
    )
    incoming.placed_at = aware(order.get("created_at"))
    incoming.channel_updated_at = aware(order.get("updated_at"))
    incoming.note = text(order.get("note"), 5000)
    incoming.payment_reference = text(order.get("checkout_token") or order.get("token"), 200)
    incoming.data = {"name": text(order.get("name")), "line_ids": {}}

    customer = order.get("customer") or {}
    address = order.get("shipping_address") or {}
    full_name = text(address.get("name")) or " ".join(
        filter(None, [text(address.get("first_name")), text(address.get("last_name"))])
    )
    customer_name = " ".join(filter(None, [text(customer.get("first_name")), text(customer.get("last_name"))]))
    incoming.customer_name = customer_name or full_name
    incoming.customer_email = text(order.get("email") or order.get("contact_email") or customer.get("email"))
    incoming.customer_phone = text(address.get("phone") or order.get("phone"))
    if not address:
        incoming.problem("shipping_address", "The order has no shipping address (a digital or pickup order?).")
    incoming.ship_name = full_name
    incoming.ship_line1 = text(address.get("address1"))
    incoming.ship_line2 = text(address.get("address2"))
    incoming.ship_city = text(address.get("city"))
    incoming.ship_region = text(address.get("province_code") or address.get("province"))
    incoming.ship_postal_code = text(address.get("zip"))
    incoming.ship_country = text(address.get("country_code")).upper()

    try:
        _read_money(order, incoming)
    except ValueError as exc:
        incoming.problem("money", str(exc))

    financial = text(order.get("financial_status")).lower()
    fulfillment = text(order.get("fulfillment_status")).lower()
    incoming.paid = financial in PAID
    if order.get("cancelled_at") or (financial in ("refunded", "voided") and fulfillment != "fulfilled"):
        incoming.status = CANCELLED
        incoming.cancel_reason = CANCEL_REASONS.get(text(order.get("cancel_reason")).lower(), "other")
    elif fulfillment == "fulfilled" and incoming.paid:
        incoming.status = SHIPPED
        shipped = [f for f in order.get("fulfillments") or [] if text(f.get("status")).lower() == "success"]
        if shipped:
            incoming.carrier = carrier_of(text(shipped[0].get("tracking_company"))) or "other"
            incoming.tracking_number = text(shipped[0].get("tracking_number"))
    elif fulfillment == "partial" and incoming.paid:
        incoming.status = PROCESSING
    elif incoming.paid and order.get("confirmed", True):
        incoming.status = CONFIRMED
    else:
        incoming.status = PENDING
    return incoming


def _read_money(order: dict, incoming: IncomingOrder) -> None:
    currency = incoming.currency
    items = order.get("line_items") or []
    line_totals = []
    for i, item in enumerate(items):
        quantity = int(item.get("quantity") or 0)
        discounts = sum((decimal_of(d.get("amount")) for d in item.get("discount_allocations") or []), decimal_of(0))
        line_total = decimal_of(item.get("price")) * quantity - discounts
        unit = unit_price_of(line_total, quantity, currency)
        if unit is None:
            incoming.problem(f"lines.{i}.unit_price", f"{line_total} for {quantity} units is not a price per unit.")
            unit = decimal_of(item.get("price"))
        line_id = text(item.get("id"))
        incoming.data["line_ids"][line_id] = quantity
        incoming.lines.append(
            IncomingLine(
                channel_sku=text(item.get("sku")) or text(item.get("variant_id")) or text(item.get("product_id")),
                title=text(item.get("name") or item.get("title"), 300),
                quantity=quantity,
                unit_price=unit,
                tax=sum((decimal_of(t.get("price")) for t in item.get("tax_lines") or []), decimal_of(0)),
                channel_line_id=line_id,
            )
        )
        line_totals.append(line_total)
    shipping_lines = order.get("shipping_lines") or []
    incoming.shipping_fee = sum(
        (decimal_of(s.get("discounted_price", s.get("price"))) for s in shipping_lines), decimal_of(0)
    )
    incoming.shipping_tax = sum(
        (decimal_of(t.get("price")) for s in shipping_lines for t in s.get("tax_lines") or []), decimal_of(0)
    )
    # Older payloads (and the REST sample) carry the tax on the order only: shared over the lines
    # in proportion to their totals, exactly, once the shipping's own tax is taken out.
    lines_tax = sum((line.tax for line in incoming.lines), decimal_of(0))
    order_tax = decimal_of(order.get("total_tax"))
    if not lines_tax and order_tax and incoming.lines:
        remaining = order_tax - incoming.shipping_tax
        for line, share in zip(incoming.lines, split_exactly(remaining, line_totals, currency), strict=True):
            line.tax = share
    if order.get("total_price") is not None:
        incoming.channel_total = decimal_of(order.get("total_price"))
        incoming.check_total()


def fulfilment_request(update: FulfilmentUpdateData) -> FulfilmentRequest | None:
    order_id = update.external_id
    if update.kind == SHIPMENT:
        fulfillment = {
            "tracking_company": update.carrier_name,
            "tracking_number": update.tracking_number,
            "tracking_numbers": [update.tracking_number],
            "tracking_urls": [update.tracking_url] if update.tracking_url else [],
            "notify_customer": True,
            "line_items": [
                {"id": int(line_id), "quantity": quantity}
                for line_id, quantity in (update.channel_data.get("line_ids") or {}).items()
                if line_id.isdigit()
            ],
        }
        return FulfilmentRequest(
            "POST", f"/admin/api/{API_VERSION}/orders/{order_id}/fulfillments.json", {"fulfillment": fulfillment}
        )
    if update.kind == CANCELLATION:
        return FulfilmentRequest(
            "POST",
            f"/admin/api/{API_VERSION}/orders/{order_id}/cancel.json",
            {"reason": OUR_REASONS.get(update.reason, "other"), "email": True},
        )
    return None
