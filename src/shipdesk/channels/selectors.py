"""Reads of channels, always inside one seller."""

from __future__ import annotations

from django.db.models import QuerySet

from shipdesk.errors import NotFound

from . import terms
from .models import Channel, ChannelOrder, FulfilmentUpdate, HeldOrder, ImportMapping, OrderImport, SkuMapping

LIST_LIMIT = 200


def channels_of(*, seller_id: int) -> QuerySet[Channel]:
    return Channel.objects.filter(seller_id=seller_id).order_by("kind")


def channel_of(*, seller_id: int, kind: str) -> Channel:
    """The shop's connection of that kind; 404 when it has none (or the kind is unknown)."""
    channel = Channel.objects.filter(seller_id=seller_id, kind=kind).first()
    if channel is None:
        raise NotFound("No such channel connection.")
    return channel


def held_orders(*, seller_id: int, status: str = terms.HELD) -> QuerySet[HeldOrder]:
    return (
        HeldOrder.objects.filter(seller_id=seller_id, status=status)
        .select_related("channel")
        .order_by("-created_at", "-id")[:LIST_LIMIT]
    )


def held_count(*, seller_id: int) -> int:
    return HeldOrder.objects.filter(seller_id=seller_id, status=terms.HELD).count()


def held_order(*, seller_id: int, held_id: int) -> HeldOrder:
    held = HeldOrder.objects.select_related("channel").filter(seller_id=seller_id, pk=held_id).first()
    if held is None:
        raise NotFound("Held order not found.")
    return held


def sku_map(*, seller_id: int, kind: str | None = None) -> QuerySet[SkuMapping]:
    qs = SkuMapping.objects.filter(seller_id=seller_id).select_related("channel")
    if kind:
        qs = qs.filter(channel__kind=kind)
    return qs.order_by("channel__kind", "channel_sku")


def order_import(*, seller_id: int, import_id: int) -> OrderImport:
    found = OrderImport.objects.filter(seller_id=seller_id, pk=import_id).defer("content").first()
    if found is None:
        raise NotFound("Import not found.")
    return found


def recent_imports(*, seller_id: int) -> QuerySet[OrderImport]:
    return OrderImport.objects.filter(seller_id=seller_id).defer("content").order_by("-created_at", "-id")[:20]


def import_mappings(*, seller_id: int) -> QuerySet[ImportMapping]:
    return ImportMapping.objects.filter(seller_id=seller_id).order_by("name")


def channel_of_order(*, seller_id: int, order_id: int) -> ChannelOrder | None:
    return ChannelOrder.objects.select_related("channel").filter(seller_id=seller_id, order_id=order_id).first()


def fulfilment_updates(*, seller_id: int, order_id: int) -> QuerySet[FulfilmentUpdate]:
    return FulfilmentUpdate.objects.filter(seller_id=seller_id, order_id=order_id).order_by("id")


def received_external_ids(*, seller_id: int, channel_id: int, external_ids: list[str]) -> set[str]:
    """Which of these ids of the channel's orders are here already: linked to an order, or held
    (whatever became of the held order since: placed, discarded). One statement."""
    if not external_ids:
        return set()
    linked = ChannelOrder.objects.filter(seller_id=seller_id, channel_id=channel_id, external_id__in=external_ids)
    held = HeldOrder.objects.filter(seller_id=seller_id, channel_id=channel_id, external_id__in=external_ids)
    return set(linked.values_list("external_id", flat=True).union(held.values_list("external_id", flat=True)))
