"""WooCommerce: the REST API v3 order (also the body of its order.created / order.updated
webhooks) read into an IncomingOrder; webhooks signed with `X-WC-Webhook-Signature`
(base64 HMAC-SHA256 of the raw body with the webhook's secret); fulfilment sent as an order
update (`PUT /wp-json/wc/v3/orders/<id>` with the new status, the tracking in its meta data).

Status: pending and on-hold → pending, unpaid (on-hold waits for a bank transfer); processing →
processing, paid; completed → shipped (WooCommerce has no tracking: it stays processing here
until the seller ships it with a number); cancelled and failed → cancelled; refunded → paid,
then cancelled. A line without a SKU is known by its variation (or product) id.
When a webhook is saved WooCommerce pings it with the form body `webhook_id=<id>`: answered 2xx.
"""

from __future__ import annotations

import json

from shipdesk.channels.incoming import IncomingLine, IncomingOrder, aware, decimal_of, text, unit_price_of
from shipdesk.channels.terms import CANCELLATION, SHIPMENT
from shipdesk.orders.terms import CANCELLED, PENDING, PROCESSING, SHIPPED

from .base import FulfilmentRequest, FulfilmentUpdateData, WebhookEvent, signature_matches

SIGNATURE_HEADER = "X-WC-Webhook-Signature"
ORDER_TOPICS = ("order.created", "order.updated", "order.restored")
STATUSES = {
    "pending": (PENDING, False),
    "on-hold": (PENDING, False),
    "processing": (PROCESSING, True),
    "completed": (SHIPPED, True),
    "cancelled": (CANCELLED, False),
    "failed": (CANCELLED, False),
    "refunded": (CANCELLED, True),
}


def verify_signature(body: bytes, headers, secret: str) -> bool:
    return signature_matches(headers.get(SIGNATURE_HEADER, ""), body, secret)


def webhook_event(body: bytes, headers) -> WebhookEvent:
    topic = headers.get("X-WC-Webhook-Topic", "")
    delivery = headers.get("X-WC-Webhook-Delivery-ID", "")
    if body.startswith(b"webhook_id="):  # the ping sent when the webhook is saved
        return WebhookEvent(topic="ping", delivery_id=delivery, payload=None)
    payload = json.loads(body)
    if topic not in ORDER_TOPICS or not isinstance(payload, dict):
        return WebhookEvent(topic=topic, delivery_id=delivery, payload=None)
    return WebhookEvent(topic=topic, delivery_id=delivery, payload=payload)


def read_order(order: dict) -> IncomingOrder:
    currency = text(order.get("currency")).upper()
    incoming = IncomingOrder(external_id=text(order.get("id")), currency=currency, lines=[])
    status = text(order.get("status")).lower()
    incoming.channel_status = status
    incoming.placed_at = aware(order.get("date_created_gmt") or order.get("date_created"))
    incoming.channel_updated_at = aware(order.get("date_modified_gmt") or order.get("date_modified"))
    incoming.note = text(order.get("customer_note"), 5000)
    incoming.payment_reference = text(order.get("transaction_id"), 200)
    incoming.data = {"number": text(order.get("number"))}

    billing = order.get("billing") or {}
    shipping = order.get("shipping") or {}
    address = shipping if shipping.get("address_1") else billing

    def name_of(part: dict) -> str:
        return " ".join(filter(None, [text(part.get("first_name")), text(part.get("last_name"))]))

    incoming.customer_name = name_of(billing) or name_of(address)
    incoming.customer_email = text(billing.get("email"))
    incoming.customer_phone = text(billing.get("phone") or shipping.get("phone"))
    incoming.ship_name = name_of(address)
    incoming.ship_line1 = text(address.get("address_1"))
    incoming.ship_line2 = text(address.get("address_2"))
    incoming.ship_city = text(address.get("city"))
    incoming.ship_region = text(address.get("state"))
    incoming.ship_postal_code = text(address.get("postcode"))
    incoming.ship_country = text(address.get("country")).upper()

    try:
        for i, item in enumerate(order.get("line_items") or []):
            quantity = int(item.get("quantity") or 0)
            line_total = decimal_of(item.get("total"))  # after the line's discounts
            unit = unit_price_of(line_total, quantity, currency)
            if unit is None:
                incoming.problem(f"lines.{i}.unit_price", f"{line_total} for {quantity} units is not a price per unit.")
                unit = decimal_of(item.get("price"))
            listing = text(item.get("variation_id")) if item.get("variation_id") else text(item.get("product_id"))
            incoming.lines.append(
                IncomingLine(
                    channel_sku=text(item.get("sku")) or listing,
                    title=text(item.get("name"), 300),
                    quantity=quantity,
                    unit_price=unit,
                    tax=decimal_of(item.get("total_tax")),
                    channel_line_id=text(item.get("id")),
                )
            )
        incoming.shipping_fee = decimal_of(order.get("shipping_total"))
        incoming.shipping_tax = decimal_of(order.get("shipping_tax"))
        fees = sum((decimal_of(fee.get("total")) for fee in order.get("fee_lines") or []), decimal_of(0))
        if fees:
            incoming.problem("fee_lines", f"Fees of {fees} {currency} (an order holds lines and shipping only).")
        incoming.channel_total = decimal_of(order.get("total"))
        incoming.check_total()
    except ValueError as exc:
        incoming.problem("money", str(exc))

    incoming.status, paid = STATUSES.get(status, (PENDING, False))
    # `date_paid` is set once the payment arrived (a cancelled order may have been paid first).
    paid_on_channel = bool(order.get("date_paid_gmt") or order.get("date_paid"))
    incoming.paid = paid or (paid_on_channel and status not in ("pending", "failed"))
    if incoming.status == CANCELLED:
        incoming.cancel_reason = "payment_issue" if status == "failed" else "customer_request"
    return incoming


def fulfilment_request(update: FulfilmentUpdateData) -> FulfilmentRequest | None:
    path = f"/wp-json/wc/v3/orders/{update.external_id}"
    if update.kind == SHIPMENT:
        return FulfilmentRequest(
            "PUT",
            path,
            {
                "status": "completed",
                "meta_data": [
                    {"key": "_shipdesk_carrier", "value": update.carrier_name},
                    {"key": "_shipdesk_tracking_number", "value": update.tracking_number},
                    {"key": "_shipdesk_tracking_url", "value": update.tracking_url},
                ],
            },
        )
    if update.kind == CANCELLATION:
        return FulfilmentRequest("PUT", path, {"status": "cancelled"})
    return None
