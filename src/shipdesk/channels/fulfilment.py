"""Telling the channel: a shipment or cancellation of a channel's order becomes a FulfilmentUpdate
row and a task, written in the transaction that shipped or cancelled the order.

Reached through `orders.events.EVENT_OBSERVERS` (ChannelsConfig.ready fills it), so the order
services need not know channels exist. The worker sends it (`channels.fulfilment_sending`).
"""

from __future__ import annotations

from django.utils import timezone

from shipdesk.orders.models import Order, OrderEvent
from shipdesk.orders.terms import CANCELLED, SHIPPED

from . import terms
from .connectors import CONNECTORS
from .models import ChannelOrder, FulfilmentUpdate
from .tasks import send_fulfilment

KIND_OF_EVENT = {OrderEvent.Type.SHIPPED: terms.SHIPMENT, OrderEvent.Type.CANCELLED: terms.CANCELLATION}
# What the channel said itself, per update kind: then there is nothing to tell it.
ALREADY_KNOWN = {terms.SHIPMENT: SHIPPED, terms.CANCELLATION: CANCELLED}


def queue_fulfilment_update(*, type: str, params: dict, order: Order | None = None, **_) -> None:
    """Registered in EVENT_OBSERVERS: on `shipped` or `cancelled` of an order that came from a
    channel set up to hear back, write its FulfilmentUpdate (once per order and kind) and the
    task that sends it. Costs nothing for the other events and for orders from elsewhere."""
    kind = KIND_OF_EVENT.get(type)
    if kind is None or order is None or order.channel not in CONNECTORS:
        return
    link = ChannelOrder.objects.select_related("channel").filter(order_id=order.pk).first()
    if (
        link is None
        or not link.channel.enabled
        or not (link.channel.api_base_url or link.channel.kind == terms.SANDBOX)
    ):
        return
    if link.channel_state == ALREADY_KNOWN[kind]:
        return
    update, created = FulfilmentUpdate.objects.get_or_create(
        order_id=order.pk,
        kind=kind,
        defaults={
            "seller_id": order.seller_id,
            "channel": link.channel,
            "params": {key: params.get(key, "") for key in ("carrier", "service_level", "tracking_number", "reason")},
            "created_at": timezone.now(),
        },
    )
    if created:
        # The task row is written in this transaction (database task backend): it exists exactly
        # when the shipment does.
        send_fulfilment.enqueue(update.pk)
