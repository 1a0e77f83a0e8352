"""What a webhook says: the event's envelope and the order (or product) as it was at that moment.

Built inside the transaction of the fact, from the objects the service holds, so a delivery sent
an hour later still says what was true when it happened. Money is a decimal string, times ISO
8601 UTC, as in the REST API.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from shipdesk import money
from shipdesk.inventory.models import Product
from shipdesk.orders.models import Order, OrderLine
from shipdesk.shipping.models import Shipment

# Timeline parameters a subscriber may use, per event; the rest (request ids, internals) stay ours.
EVENT_DETAILS = (
    "reason",
    "note",
    "refund_amount",
    "refund_items",
    "refund_shipping",
    "refund_tax",
    "amount",
    "tax",
    "refund_id",
    "carrier",
    "service_level",
    "tracking_number",
    "eta",
    "delivered_at",
    "short_skus",
    "late",
)


def _money_fixed(value: Decimal, currency_places: int = 2) -> str:
    return f"{Decimal(value):.{currency_places}f}"


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def order_snapshot(order: Order) -> dict:
    """The order as a subscriber reads it: numbers, states, money, customer, lines, parcel."""
    places = money.minor_units(order.currency) if money.is_currency(order.currency) else 2

    def amount(value) -> str:
        return _money_fixed(value or Decimal("0"), places)

    lines = list(OrderLine.objects.filter(order_id=order.pk).order_by("id")) if order.pk else []
    shipment = Shipment.objects.filter(order_id=order.pk).first() if order.shipped_at else None
    return {
        "id": order.pk,
        "number": order.number,
        "seller": order.seller.slug,
        "channel": order.channel,
        "external_id": order.external_id,
        "status": order.status,
        "payment_status": order.payment_status,
        "currency": order.currency,
        "subtotal": amount(order.subtotal),
        "shipping_fee": amount(order.shipping_fee),
        "tax_total": amount(order.tax_total),
        "total": amount(order.total),
        "refunded_total": amount(order.refunded_total),
        "customer": {"name": order.customer_name, "email": order.customer_email},
        "shipping_address": {
            "name": order.ship_name,
            "line1": order.ship_line1,
            "line2": order.ship_line2,
            "city": order.ship_city,
            "region": order.ship_region,
            "postal_code": order.ship_postal_code,
            "country": order.ship_country,
        },
        "lines": [
            {
                "id": line.pk,
                "sku": line.sku,
                "title": line.title,
                "quantity": line.quantity,
                "quantity_cancelled": line.quantity_cancelled,
                "unit_price": amount(line.unit_price),
                "tax": amount(line.tax),
                "stock": line.stock,
            }
            for line in lines
        ],
        "shipment": (
            {
                "carrier": shipment.carrier,
                "service_level": shipment.service_level,
                "tracking_number": shipment.tracking_number,
                "tracking_url": shipment.tracking_url,
                "eta": _time(shipment.eta),
            }
            if shipment
            else None
        ),
        "placed_at": _time(order.placed_at),
        "paid_at": _time(order.paid_at),
        "confirmed_at": _time(order.confirmed_at),
        "processing_at": _time(order.processing_at),
        "shipped_at": _time(order.shipped_at),
        "delivered_at": _time(order.delivered_at),
        "cancelled_at": _time(order.cancelled_at),
    }


def order_data(order: Order, params: dict) -> dict:
    """The `data` of an order event: the order, and what the timeline event adds (reason, refund…)."""
    details = {key: params[key] for key in EVENT_DETAILS if key in params}
    return {"order": order_snapshot(order), "details": details}


def stock_data(product: Product) -> dict:
    return {
        "product": {
            "sku": product.sku,
            "title": product.title,
            "on_hand": product.on_hand,
            "reserved": product.reserved,
            "available": product.available,
            "low_stock_threshold": product.low_stock_threshold,
        }
    }


def envelope(*, event_id: str, type: str, created_at: datetime, seller_slug: str, data: dict) -> dict:
    """The JSON object every delivery posts (its bytes are what the signature covers)."""
    return {"id": event_id, "type": type, "created_at": _time(created_at), "seller": seller_slug, "data": data}
