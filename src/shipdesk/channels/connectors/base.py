"""What every connector shares: the fulfilment update it reads, the request it shapes, a verified
webhook, and the base64 HMAC both Shopify and WooCommerce sign with. Pure."""

from __future__ import annotations

import hashlib
import hmac
from base64 import b64encode
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FulfilmentUpdateData:
    """What happened here that the channel should hear: read by `fulfilment_request`."""

    kind: str  # channels.terms.SHIPMENT or CANCELLATION
    external_id: str  # the channel's order id
    channel_data: dict  # the ids the connector kept when it read the order (IncomingOrder.data)
    carrier: str = ""
    carrier_name: str = ""  # as people write it ("UPS")
    tracking_number: str = ""
    tracking_url: str = ""
    shipped_at: str = ""  # ISO 8601
    reason: str = ""  # a cancel reason (orders.terms)


@dataclass(frozen=True)
class FulfilmentRequest:
    method: str
    path: str  # after the channel's API base URL
    body: dict = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookEvent:
    """A verified webhook: what it is about, and the order in it (if it carries one)."""

    topic: str  # the channel's own name ("orders/create", "order.updated")
    delivery_id: str  # the channel's id of this delivery: a replay of it changes nothing
    payload: dict | None  # the order, or None for a ping / a topic we do not act on


def base64_hmac_sha256(body: bytes, secret: str) -> str:
    """base64(HMAC-SHA256(raw body, secret)): how Shopify and WooCommerce sign their webhooks."""
    return b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_matches(sent: str, body: bytes, secret: str) -> bool:
    if not sent or not secret:
        return False
    return hmac.compare_digest(base64_hmac_sha256(body, secret).encode(), sent.strip().encode("utf-8", "replace"))
