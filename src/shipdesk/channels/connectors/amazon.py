"""Amazon: an SP-API Order (getOrders) with its items (getOrderItems) read into an IncomingOrder;
the all-orders flat-file report goes through the CSV import's built-in mapping
(`channels.csv_mapping`). Fulfilment is a shipment confirmation
(`POST /orders/v0/orders/{orderId}/shipmentConfirmation`).

Money, as the Orders API defines it: `ItemPrice` is the price of the whole line (unit price ×
quantity), `ItemTax` its tax, `ShippingPrice`/`ShippingTax` per item add up to the order's
shipping, promotion discounts are taken off. A line whose total is not a whole number of minor
units per unit (17.95 for 2) holds the order for review: nothing is rounded.
Status: Pending and PendingAvailability → pending, unpaid; Unshipped → confirmed, paid;
PartiallyShipped → processing; Shipped and InvoiceUnconfirmed → shipped (getOrders gives no
tracking: it stays processing here until shipped with a number); Canceled and Unfulfillable →
cancelled. A buyer's cancel request (`BuyerRequestedCancel`) is noted, never acted on alone.
"""

from __future__ import annotations

from shipdesk.channels.incoming import (
    IncomingLine,
    IncomingOrder,
    aware,
    decimal_of,
    placeholder_email,
    text,
    unit_price_of,
)
from shipdesk.channels.terms import AMAZON, SHIPMENT
from shipdesk.orders.terms import CANCELLED, CONFIRMED, PENDING, PROCESSING, SHIPPED

from .base import FulfilmentRequest, FulfilmentUpdateData

STATUSES = {
    "pending": (PENDING, False),
    "pendingavailability": (PENDING, False),
    "unshipped": (CONFIRMED, True),
    "partiallyshipped": (PROCESSING, True),
    "shipped": (SHIPPED, True),
    "invoiceunconfirmed": (SHIPPED, True),
    "canceled": (CANCELLED, False),
    "cancelled": (CANCELLED, False),  # the flat-file report's spelling
    "unfulfillable": (CANCELLED, False),
}
# The currency of a marketplace, for an order that has no OrderTotal yet (Pending orders).
MARKETPLACE_CURRENCIES = {
    "ATVPDKIKX0DER": "USD",  # amazon.com
    "A2EUQ1WTGCTBG2": "CAD",
    "A1AM78C64UM0Y8": "MXN",
    "A1F83G8C2ARO7P": "GBP",
    "A1PA6795UKMFR9": "EUR",  # .de
    "A13V1IB3VIYZZH": "EUR",  # .fr
    "APJ6JRA9NG5V4": "EUR",  # .it
    "A1RKKUPIHCS9HS": "EUR",  # .es
    "A1VC38T7YXB528": "JPY",
    "A39IBJ37TRP1C6": "AUD",
}


def orders_of(payload: dict) -> list[dict]:
    """The orders of a getOrders response (`{"payload": {"Orders": [...]}}`) or its payload."""
    body = payload.get("payload", payload) if isinstance(payload, dict) else {}
    return body.get("Orders") or []


def items_of(payload: dict) -> list[dict]:
    body = payload.get("payload", payload) if isinstance(payload, dict) else {}
    return body.get("OrderItems") or []


def read_order(order: dict, items: list[dict]) -> IncomingOrder:
    total = order.get("OrderTotal") or {}
    currency = text(total.get("CurrencyCode")) or MARKETPLACE_CURRENCIES.get(text(order.get("MarketplaceId")), "")
    external_id = text(order.get("AmazonOrderId"))
    incoming = IncomingOrder(external_id=external_id, currency=currency.upper(), lines=[])
    status = text(order.get("OrderStatus"))
    incoming.channel_status = status
    incoming.placed_at = aware(order.get("PurchaseDate"))
    incoming.channel_updated_at = aware(order.get("LastUpdateDate"))
    incoming.data = {"marketplace_id": text(order.get("MarketplaceId")), "items": {}}

    buyer = order.get("BuyerInfo") or {}
    address = order.get("ShippingAddress") or {}
    incoming.customer_name = text(buyer.get("BuyerName")) or text(address.get("Name"))
    incoming.customer_email = text(buyer.get("BuyerEmail")) or placeholder_email(AMAZON, external_id)
    incoming.customer_phone = text(address.get("Phone"))
    incoming.ship_name = text(address.get("Name")) or incoming.customer_name
    incoming.ship_line1 = text(address.get("AddressLine1"))
    incoming.ship_line2 = " ".join(filter(None, [text(address.get("AddressLine2")), text(address.get("AddressLine3"))]))
    incoming.ship_city = text(address.get("City"))
    incoming.ship_region = text(address.get("StateOrRegion"))
    incoming.ship_postal_code = text(address.get("PostalCode"))
    incoming.ship_country = text(address.get("CountryCode")).upper()
    if not address:
        incoming.problem("shipping_address", "Amazon sent no shipping address (it has none before payment).")

    notes = []
    try:
        for i, item in enumerate(items):
            quantity = int(item.get("QuantityOrdered") or 0)
            line_total = _amount(item, "ItemPrice", incoming, i) - _amount(item, "PromotionDiscount", incoming, i)
            unit = unit_price_of(line_total, quantity, incoming.currency)
            if unit is None:
                incoming.problem(
                    f"lines.{i}.unit_price",
                    f"{line_total} {incoming.currency} for {quantity} units is not a whole price per unit.",
                )
                unit = line_total / max(quantity, 1)
            line_id = text(item.get("OrderItemId"))
            incoming.data["items"][line_id] = quantity
            incoming.lines.append(
                IncomingLine(
                    channel_sku=text(item.get("SellerSKU")) or text(item.get("ASIN")),
                    title=text(item.get("Title"), 300),
                    quantity=quantity,
                    unit_price=unit,
                    tax=_amount(item, "ItemTax", incoming, i) - _amount(item, "PromotionDiscountTax", incoming, i),
                    channel_line_id=line_id,
                )
            )
            incoming.shipping_fee += _amount(item, "ShippingPrice", incoming, i) - _amount(
                item, "ShippingDiscount", incoming, i
            )
            incoming.shipping_tax += _amount(item, "ShippingTax", incoming, i) - _amount(
                item, "ShippingDiscountTax", incoming, i
            )
            cancel = item.get("BuyerRequestedCancel") or {}
            if str(cancel.get("IsBuyerRequestedCancel")).lower() == "true":
                notes.append(
                    f"The buyer asked Amazon to cancel {item.get('SellerSKU')}: {cancel.get('BuyerCancelReason')}"
                )
        if total.get("Amount") is not None:
            incoming.channel_total = decimal_of(total.get("Amount"))
            incoming.check_total()
    except ValueError as exc:
        incoming.problem("money", str(exc))
    incoming.note = "\n".join(notes)[:5000]
    incoming.status, incoming.paid = STATUSES.get(status.lower(), (PENDING, False))
    if incoming.status == CANCELLED:
        incoming.cancel_reason = "other"
    return incoming


def _amount(item: dict, name: str, incoming: IncomingOrder, index: int):
    money = item.get(name) or {}
    code = text(money.get("CurrencyCode")).upper()
    if code and code != incoming.currency:
        incoming.problem(f"lines.{index}.{name}", f"In {code}, the order is in {incoming.currency}.")
    return decimal_of(money.get("Amount"))


def fulfilment_request(update: FulfilmentUpdateData) -> FulfilmentRequest | None:
    # Amazon has no seller-side cancel in the Orders API: a cancellation is done in Seller Central.
    if update.kind != SHIPMENT:
        return None
    return FulfilmentRequest(
        "POST",
        f"/orders/v0/orders/{update.external_id}/shipmentConfirmation",
        {
            "marketplaceId": update.channel_data.get("marketplace_id", ""),
            "packageDetail": {
                "packageReferenceId": "1",
                "carrierCode": update.carrier_name,
                "trackingNumber": update.tracking_number,
                "shipDate": update.shipped_at,
                "orderItems": [
                    {"orderItemId": item_id, "quantity": quantity}
                    for item_id, quantity in (update.channel_data.get("items") or {}).items()
                ],
            },
        },
    )
