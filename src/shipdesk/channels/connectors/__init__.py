"""Connectors: each channel's documented order shape read into an `IncomingOrder`, its webhook
signature checked, and its fulfilment request shaped. Pure: no ORM, no network (the worker sends
what `fulfilment_request` shapes: `channels.fulfilment_sending`).

A connector is a module with:
  `read_order(payload) -> IncomingOrder`                     the channel's order as we read it
  `fulfilment_request(update) -> FulfilmentRequest | None`   what to tell the channel, or None
and, for a channel with webhooks, `verify_signature(body, headers, secret) -> bool` and
`webhook_event(body, headers) -> WebhookEvent`.
"""

from __future__ import annotations

from types import ModuleType

from shipdesk.channels.incoming import IncomingOrder

from . import amazon, etsy, shopify, woocommerce

CONNECTORS: dict[str, ModuleType] = {
    "shopify": shopify,
    "sandbox": shopify,  # the sandbox channel speaks Shopify's shapes
    "woocommerce": woocommerce,
    "etsy": etsy,
    "amazon": amazon,
}


def connector_for(kind: str) -> ModuleType | None:
    return CONNECTORS.get(kind)


class UnreadableOrder(ValueError):
    """The body is not the channel's documented order shape."""


def incoming_orders(kind: str, payload) -> list[IncomingOrder]:
    """Every order in a body a channel's API returns, read by its connector:
    Shopify `{"order": …}` or `{"orders": […]}`; a WooCommerce order or a list of them; an Etsy
    receipt, a list, or getShopReceipts' page; Amazon `{"orders": <getOrders response>, "items":
    {"<AmazonOrderId>": <getOrderItems response>}}` (the items asked for each order)."""
    connector = connector_for(kind)
    if connector is None:
        raise UnreadableOrder(f"No connector reads {kind!r} orders.")
    try:
        if kind == "amazon":
            items = payload.get("items") or {}
            return [
                amazon.read_order(order, amazon.items_of(items.get(str(order.get("AmazonOrderId")), {})))
                for order in amazon.orders_of(payload.get("orders", payload))
            ]
        if kind == "etsy":
            return [etsy.read_order(receipt) for receipt in etsy.receipts_of(payload)]
        if isinstance(payload, dict) and isinstance(payload.get("orders"), list):
            payload = payload["orders"]
        bodies = payload if isinstance(payload, list) else [payload]
        return [connector.read_order(body) for body in bodies]
    except (AttributeError, TypeError, KeyError, ValueError) as exc:
        raise UnreadableOrder(f"Not a {kind} order: {exc}") from None
