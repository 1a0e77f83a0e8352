"""Etsy: a v3 ShopReceipt (getShopReceipt / getShopReceipts) read into an IncomingOrder, by import
(Etsy pushes no signed order webhooks); tracking sent back with createReceiptShipment.

Money is `{amount, divisor, currency_code}`: amount / divisor. Status, compared case-insensitively
(live responses say "Paid" where the schema says "paid"): open and payment processing → pending,
unpaid; paid and partially refunded → confirmed, paid; completed → shipped with its shipment's
carrier and tracking code; canceled → cancelled; fully refunded → paid, then cancelled.
A transaction without a SKU is known by its listing id. Tax (sales tax and VAT) is given per
receipt: shared over the lines in proportion to their totals, exactly.
"""

from __future__ import annotations

from decimal import Decimal

from shipdesk.channels.incoming import (
    IncomingLine,
    IncomingOrder,
    carrier_of,
    decimal_of,
    from_timestamp,
    placeholder_email,
    split_exactly,
    text,
)
from shipdesk.channels.terms import ETSY, SHIPMENT
from shipdesk.orders.terms import CANCELLED, CONFIRMED, PENDING, SHIPPED

from .base import FulfilmentRequest, FulfilmentUpdateData

STATUSES = {
    "open": (PENDING, False),
    "payment processing": (PENDING, False),
    "paid": (CONFIRMED, True),
    "partially refunded": (CONFIRMED, True),
    "completed": (SHIPPED, True),
    "canceled": (CANCELLED, False),
    "cancelled": (CANCELLED, False),
    "fully refunded": (CANCELLED, True),
}


def money_of(value) -> Decimal:
    """Etsy Money: amount / divisor ({"amount": 1999, "divisor": 100} → 19.99)."""
    if not value:
        return Decimal("0")
    divisor = int(value.get("divisor") or 1)
    if divisor <= 0:
        raise ValueError(f"{value!r} is not an amount")
    return decimal_of(value.get("amount")) / divisor


def receipts_of(payload) -> list[dict]:
    """One receipt, a list of them, or getShopReceipts' page (`{"count", "results"}`)."""
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict) and isinstance(payload.get("results"), list):
        return payload["results"]
    return [payload]


def read_order(receipt: dict) -> IncomingOrder:
    grandtotal = receipt.get("grandtotal") or {}
    currency = text(grandtotal.get("currency_code") or (receipt.get("subtotal") or {}).get("currency_code")).upper()
    external_id = text(receipt.get("receipt_id"))
    incoming = IncomingOrder(external_id=external_id, currency=currency, lines=[])
    status = text(receipt.get("status")).lower()
    incoming.channel_status = status
    incoming.placed_at = from_timestamp(receipt.get("created_timestamp") or receipt.get("create_timestamp"))
    incoming.channel_updated_at = from_timestamp(receipt.get("updated_timestamp") or receipt.get("update_timestamp"))
    incoming.note = text(receipt.get("message_from_buyer"), 5000)
    incoming.data = {"shop_id": text(receipt.get("seller_user_id"))}
    incoming.customer_name = text(receipt.get("name"))
    incoming.customer_email = text(receipt.get("buyer_email")) or placeholder_email(ETSY, external_id)
    incoming.ship_name = text(receipt.get("name"))
    incoming.ship_line1 = text(receipt.get("first_line"))
    incoming.ship_line2 = text(receipt.get("second_line"))
    incoming.ship_city = text(receipt.get("city"))
    incoming.ship_region = text(receipt.get("state"))
    incoming.ship_postal_code = text(receipt.get("zip"))
    incoming.ship_country = text(receipt.get("country_iso")).upper()

    try:
        totals = []
        for transaction in receipt.get("transactions") or []:
            quantity = int(transaction.get("quantity") or 0)
            unit = money_of(transaction.get("price"))
            incoming.lines.append(
                IncomingLine(
                    channel_sku=text(transaction.get("sku")) or text(transaction.get("listing_id")),
                    title=text(transaction.get("title"), 300),
                    quantity=quantity,
                    unit_price=unit,
                    channel_line_id=text(transaction.get("transaction_id")),
                )
            )
            totals.append(unit * quantity)
        discount = money_of(receipt.get("discount_amt"))
        if discount:
            incoming.problem("discount_amt", f"A discount of {discount} {currency} (the order has no discount line).")
        incoming.shipping_fee = money_of(receipt.get("total_shipping_cost"))
        tax = money_of(receipt.get("total_tax_cost")) + money_of(receipt.get("total_vat_cost"))
        for line, share in zip(incoming.lines, split_exactly(tax, totals, currency), strict=True):
            line.tax = share
        gift_wrap = money_of(receipt.get("gift_wrap_price"))
        if gift_wrap:
            incoming.problem("gift_wrap_price", f"Gift wrap of {gift_wrap} {currency} (the order has no such line).")
        if receipt.get("grandtotal"):
            incoming.channel_total = money_of(grandtotal)
            incoming.check_total()
    except ValueError as exc:
        incoming.problem("money", str(exc))

    incoming.status, incoming.paid = STATUSES.get(status, (PENDING, bool(receipt.get("is_paid"))))
    if incoming.status == SHIPPED:
        shipments = receipt.get("shipments") or []
        if shipments:
            incoming.carrier = carrier_of(text(shipments[0].get("carrier_name"))) or "other"
            incoming.tracking_number = text(shipments[0].get("tracking_code"))
    if incoming.status == CANCELLED:
        incoming.cancel_reason = "customer_request"
    return incoming


def fulfilment_request(update: FulfilmentUpdateData) -> FulfilmentRequest | None:
    # Etsy has no cancel endpoint for a receipt: a cancellation is done in the Etsy shop.
    if update.kind != SHIPMENT:
        return None
    shop_id = update.channel_data.get("shop_id", "")
    return FulfilmentRequest(
        "POST",
        f"/v3/application/shops/{shop_id}/receipts/{update.external_id}/tracking",
        {"tracking_code": update.tracking_number, "carrier_name": update.carrier_name, "send_bcc": True},
    )
