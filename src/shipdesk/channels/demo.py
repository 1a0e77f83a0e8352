"""The sandbox channel of the demo shop (`shipdesk run --demo`): connected, one of its orders placed
and one held for a SKU to map, so the Channels page has something to show and fulfilment of a
channel's order can be tried without a real shop (the sandbox channel accepts every update)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from . import terms
from .incoming import IncomingLine, IncomingOrder
from .services import connect_channel, receive_order


def _sandbox_order(external_id: str, channel_sku: str, *, placed_at: datetime) -> IncomingOrder:
    return IncomingOrder(
        external_id=external_id,
        currency="USD",
        lines=[IncomingLine(channel_sku=channel_sku, title="Stoneware mug", quantity=1, unit_price=Decimal("14.00"))],
        customer_name="Sam Sandbox",
        customer_email="sam@example.com",
        ship_name="Sam Sandbox",
        ship_line1="1 Market St",
        ship_city="San Francisco",
        ship_region="CA",
        ship_postal_code="94105",
        ship_country="US",
        shipping_fee=Decimal("4.00"),
        paid=True,
        status="confirmed",
        channel_status="paid",
        placed_at=placed_at,
    )


def add_demo_channel(*, seller_id: int, now: datetime) -> None:
    """Connect the sandbox channel and receive two of its orders, each dated when it came in."""
    channel = connect_channel(seller_id=seller_id, kind=terms.SANDBOX, new_secret=True).channel
    for external_id, channel_sku, hours_ago in (("SBX-1001", "MUG-BLUE", 1), ("SBX-1002", "sandbox-listing-42", 0)):
        at = now - timedelta(hours=hours_ago)
        receive_order(channel=channel, incoming=_sandbox_order(external_id, channel_sku, placed_at=at), at=at)
